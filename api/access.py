"""Who may see and act on which case: the scope rules, in one place.

- admin, auditor, operator: see every case; auditor changes nothing.
- senior coordinator: its agency's cases; reviews, approves, sends back, closes and escalates them.
- unit coordinator (and inspector): cases with a task for one of its units; completes its units' tasks.
"""

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import StaffUser
from api.errors import Forbidden
from foad.models import Case, Task
from schemas.enums import Role

SEE_ALL = (Role.ADMIN, Role.AUDITOR, Role.OPERATOR)
SEE_PERSONAL_DATA = (Role.ADMIN, Role.AUDITOR, Role.OPERATOR, Role.SENIOR_COORDINATOR)
UNIT_ROLES = (Role.UNIT_COORDINATOR, Role.INSPECTOR)


def case_scope(user: StaffUser) -> ColumnElement[bool]:
    """A filter on `cases` for what the user may see."""
    if user.role in SEE_ALL:
        return true()
    if user.role is Role.SENIOR_COORDINATOR and user.agency_id:
        return Case.agency_id == user.agency_id
    if user.role in UNIT_ROLES and user.unit_ids:
        return exists(
            select(Task.task_id).where(Task.tracking_code == Case.tracking_code, Task.unit_id.in_(user.unit_ids))
        )
    return false()


async def ensure_can_see(session: AsyncSession, user: StaffUser, case: Case) -> None:
    if user.role in SEE_ALL or user.is_senior_of(case.agency_id):
        return
    if user.role in UNIT_ROLES and user.unit_ids:
        held = await session.scalar(
            select(Task.task_id)
            .where(Task.tracking_code == case.tracking_code, Task.unit_id.in_(user.unit_ids))
            .limit(1)
        )
        if held is not None:
            return
    raise Forbidden("this case is outside what you may see")


def ensure_senior_coordinator(user: StaffUser, agency_id: str) -> None:
    if not user.is_senior_of(agency_id):
        raise Forbidden(
            "only a senior coordinator of the case's agency may do this",
            message_fa="فقط راهبر ارشد دستگاه مربوط می‌تواند این کار را انجام دهد.",
        )


def ensure_can_complete(user: StaffUser, task: Task) -> None:
    if user.is_senior_of(task.agency_id):
        return
    if user.role is Role.UNIT_COORDINATOR and user.holds_unit(task.unit_id):
        return
    raise Forbidden(
        "only the coordinator of the task's unit (or the agency's senior coordinator) may complete it",
        message_fa="فقط هماهنگ‌کننده واحد مسئول یا راهبر ارشد دستگاه می‌تواند این کار را انجام دهد.",
    )


def may_see_personal_data(user: StaffUser) -> bool:
    return user.role in SEE_PERSONAL_DATA
