"""The case page's on-site inspection section (api/templates/staff/_inspection.html): the inspections of the
case, the senior's order form with the agency's inspectors, and the named inspector's record form."""

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import StaffUser
from api.pages.clocks import task_clock
from api.services import casework
from database.models import Case, Task, User
from schemas.actions import OrderInspectionRequest, RecordInspectionRequest
from schemas.case import CaseState
from schemas.enums import Role, TaskKind
from timekeeping.tehran import TEHRAN, to_tehran


async def inspection_context(session: AsyncSession, case: Case, tasks: list[Task]) -> dict[str, object]:
    """What the section shows: the case's inspections (read model) and who may be sent (active inspectors of the
    agency or of the centre)."""
    inspectors = list(
        await session.scalars(
            select(User)
            .where(User.role == Role.INSPECTOR.value, User.active.is_(True))
            .where((User.agency_id == case.agency_id) | User.agency_id.is_(None))
            .order_by(User.full_name)
        )
    )
    return {
        "inspections": [t for t in tasks if t.kind == TaskKind.INSPECTION.value],
        # the inspection's own hour, worded like every other clock (api/pages/clocks.py); not paused by a question
        "inspection_clocks": {
            t.task_id: task_clock(kind=t.kind, status=t.status, due_at=t.due_at, paused=False)
            for t in tasks
            if t.kind == TaskKind.INSPECTION.value
        },
        "inspectors": inspectors,
        "inspector_names": {u.username: u.full_name for u in inspectors},
    }


def arrival_from_form(clock: str, *, now: datetime | None = None) -> datetime | str:
    """The arrival time the form gives as HH:MM, today in Tehran (a bad value is passed on for the 422)."""
    try:
        parsed = time.fromisoformat(clock)
    except ValueError:
        return clock
    today = to_tehran(now or datetime.now(UTC)).date()
    return datetime.combine(today, parsed, tzinfo=TEHRAN).astimezone(UTC)


async def act(
    action: str, *, tracking_code: str, form: dict[str, str], user: StaffUser, session: AsyncSession, engine
) -> CaseState:
    """The page's two inspection actions, through the same casework functions as the JSON API."""
    common = {"user": user, "session": session, "engine": engine}
    if action == "order-inspection":
        body = OrderInspectionRequest(inspector=form.get("inspector", ""), what_to_inspect=form.get("what", ""))
        return await casework.order_inspection(tracking_code=tracking_code, body=body, **common)
    record = RecordInspectionRequest(
        arrived_at=arrival_from_form(form.get("arrived_at", "")),
        findings=form.get("findings", ""),
        outcome=form.get("outcome", ""),
    )
    return await casework.record_inspection(task_id=form.get("task_id", ""), body=record, **common)
