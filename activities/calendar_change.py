"""The activity that carries a calendar change to its cases: signals each open office-hours case it may move.

It heartbeats the number of cases done, in the order of their tracking codes. If the worker dies midway,
Temporal runs it again (CalendarChangeWorkflow's retry policy) and it goes on from the last heartbeat, not from
the start. A case signalled twice (the one in flight at the crash) is no harm: the case recomputes from the same
calendar, finds the same deadline, and records nothing (ComplaintWorkflow.calendar_changed).
"""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from database.models import Case, Unit
from schemas.actions import CalendarChangedInput
from schemas.calendar_change import CalendarChange
from schemas.clock import SlaMode
from schemas.enums import CaseStatus
from workflows.visibility import workflow_id

OPEN = [CaseStatus.IN_REVIEW.value, CaseStatus.IN_HANDLING.value, CaseStatus.AWAITING_APPROVAL.value]
HEARTBEAT_EVERY = 20


async def affected_cases(session: AsyncSession, change: CalendarChange) -> list[str]:
    """The open, unbreached office-hours cases the change may move, by tracking code."""
    conditions = [Case.status.in_(OPEN), Case.sla_mode == SlaMode.OFFICE_HOURS.value, Case.breached.is_(False)]
    if change.agency_id is not None:
        conditions.append(Case.agency_id == change.agency_id)
    if change.unit_id is not None:
        conditions.append(or_(Case.office_unit_id == change.unit_id, Case.unit_id == change.unit_id))
    if change.province_code is not None:
        in_province = select(Unit.id).where(Unit.province_code == change.province_code)
        conditions.append(or_(Case.province_code == change.province_code, Case.unit_id.in_(in_province)))
    if change.due_after is not None:
        conditions.append(Case.due_at > change.due_after)
    codes = await session.scalars(select(Case.tracking_code).where(*conditions).order_by(Case.tracking_code))
    return list(codes)


class CalendarChangeActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], client: Client) -> None:
        self._sessions = sessions
        self._client = client

    @activity.defn(name="signal_calendar_change")
    async def signal_calendar_change(self, change: CalendarChange) -> int:
        """Signals every affected case, resuming after the last heartbeat; the number of cases reached."""
        details = activity.info().heartbeat_details
        done, reached = (int(details[0]), int(details[1])) if len(details) >= 2 else (0, 0)
        async with self._sessions() as session:
            codes = await affected_cases(session, change)
        signal = CalendarChangedInput(reason=change.reason)
        if done:
            activity.logger.info("calendar change: resuming after %d of %d cases", done, len(codes))
        for index in range(done, len(codes)):
            try:
                await self._client.get_workflow_handle(workflow_id(codes[index])).signal("calendar_changed", signal)
                reached += 1
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                # its workflow ended since the read model last saw it open: nothing left to recompute
            if (index + 1) % HEARTBEAT_EVERY == 0:
                activity.heartbeat(index + 1, reached)
        activity.heartbeat(len(codes), reached)
        return reached
