"""The SMS the case workflow sends the citizen at the steps added after the first ones: the case closed (by the
senior, or silently at the end of the feedback window), the deadline breached, the feedback received.

A mixin of ComplaintWorkflow. Each new message is a new activity command, so it is guarded by
`workflow.patched(CITIZEN_SMS_PATCH)`: a history recorded before it replays without it.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from schemas.case import CaseStart, CaseState, SmsRequest
    from schemas.enums import EventKind

CITIZEN_SMS_PATCH = "citizen-sms-every-step"

# as ComplaintWorkflow's own activities
_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


class CitizenMessages:
    """The workflow's attributes these helpers share (set in ComplaintWorkflow.__init__)."""

    _start: CaseStart
    _state: CaseState
    _lock: asyncio.Lock

    def _citizen_sms(self, template: str, params: dict[str, str] | None = None) -> tuple[str, dict[str, str]] | None:
        """`_record`'s `sms=` for a message added later: None on a history recorded before it."""
        return (template, params or {}) if workflow.patched(CITIZEN_SMS_PATCH) else None

    async def _tell_citizen_of_breach(self) -> None:
        """The breach SMS, after the breach event (whose line in `_sla_clock` stays as it is), keyed on it."""
        if not workflow.patched(CITIZEN_SMS_PATCH):
            return
        state = self._state
        event = next(e for e in reversed(state.events) if e.kind is EventKind.BREACHED)
        message = SmsRequest(
            key=f"{state.tracking_code}:{event.seq}:breached",
            tracking_code=state.tracking_code,
            mobile=self._start.citizen.mobile,
            template="breached",
            params={"tracking_code": state.tracking_code},
        )
        async with self._lock:
            await workflow.execute_activity("send_sms", message, start_to_close_timeout=_TIMEOUT, retry_policy=_RETRY)
