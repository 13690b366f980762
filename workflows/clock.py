"""The case's clock, the deterministic half: wall-clock deadlines, pauses, and when to ask the calendar.

In wall-clock mode a deadline is start + budget, moved later by every pause after the start: pure
arithmetic, done here. In office-hours mode only open time counts; the calendar lives in the database,
so the deadline comes from an activity (`compute_deadline`), whose result the history keeps.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from schemas.case import CaseStart, Pause, UnitRef
    from schemas.clock import Deadline, DeadlineRequest, Interval, SlaMode

CALENDAR_TIMEOUT = timedelta(seconds=30)
CALENDAR_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
OFFICE_HOURS_PATCH = "office-hours-clock"


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 3)


def pauses_after(pauses: Sequence[Pause], start: datetime) -> list[Interval]:
    """The ended pauses that overlap [start, ...), clipped to start."""
    found = []
    for pause in pauses:
        interval = pause.interval()
        if interval is not None and interval.end > start:
            found.append(Interval(start=max(interval.start, start), end=interval.end))
    return found


def wall_deadline(*, start: datetime, budget: timedelta, pauses: Sequence[Interval], purpose: str) -> Deadline:
    """start + budget, each pause that begins before the (moving) due time pushing it later by its length."""
    due = start + budget
    paused = timedelta(0)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start < due:
            length = pause.end - pause.start
            due += length
            paused += length
    return Deadline(
        purpose=purpose,
        mode=SlaMode.WALL_CLOCK,
        start=start,
        due_at=due,
        budget_minutes=_minutes(budget),
        open_minutes_counted=_minutes(budget),
        paused_minutes=_minutes(paused),
        pauses=list(pauses),
    )


class CaseClock:
    """Deadlines for one case: the SLA, the review budget, each level's budget."""

    def __init__(self, start: CaseStart) -> None:
        self._start = start
        self.mode = start.policy.sla_mode

    @property
    def office_hours(self) -> bool:
        return self.mode is SlaMode.OFFICE_HOURS

    async def deadline(
        self, *, purpose: str, start: datetime, budget: timedelta, pauses: Sequence[Pause], unit: UnitRef | None = None
    ) -> Deadline:
        """The deadline of `budget` counted from `start`; awaits an activity only in office-hours mode."""
        intervals = pauses_after(pauses, start)
        if not self.office_hours or not workflow.patched(OFFICE_HOURS_PATCH):
            return wall_deadline(start=start, budget=budget, pauses=intervals, purpose=purpose)
        request = DeadlineRequest(
            agency_id=self._start.agency_id,
            unit_id=unit.id if unit else None,
            province_code=self._start.province_code or None,
            start=start,
            budget_seconds=budget.total_seconds(),
            pauses=intervals,
            purpose=purpose,
        )
        return await workflow.execute_activity(
            "compute_deadline",
            request,
            result_type=Deadline,
            start_to_close_timeout=CALENDAR_TIMEOUT,
            retry_policy=CALENDAR_RETRY,
        )
