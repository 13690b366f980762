"""A change of the office calendar (a declared closure, an agency's or a unit's week) carried to every case it
may move, durably: the API starts this workflow and no longer signals the cases itself, so an API crash midway
leaves nothing half done. Its one activity heartbeats its progress and, retried after a worker crash, goes on
from the last heartbeat (activities/calendar_change.py)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from schemas.calendar_change import CalendarChange

WORKFLOW_ID_PREFIX = "calendar-change-"


@workflow.defn(name="CalendarChangeWorkflow")
class CalendarChangeWorkflow:
    def __init__(self) -> None:
        self._reached: int | None = None

    @workflow.run
    async def run(self, change: CalendarChange) -> int:
        """The number of cases reached."""
        self._reached = await workflow.execute_activity(
            "signal_calendar_change",
            change,
            result_type=int,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)),
        )
        return self._reached

    @workflow.query
    def reached(self) -> int | None:
        """The number of cases reached once done; None while at work."""
        return self._reached
