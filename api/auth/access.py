"""Who may see which case: the scope rules that need the database, in one place. Who may take which action on
a case is the rule book's (workflows/rules.py, asked by api.services.casework and the pages).

- admin, auditor: see every case; the auditor changes nothing.
- operator: files complaints, and sees the cases it filed.
- senior coordinator: its agency's cases.
- unit coordinator: cases with a task for one of its units.
- inspector: cases with an inspection assigned to it by name (an inspection task, or before those a handling task).
- the employee a complaint names: the senior coordinator of the case's agency, auditors and admins only.
- working group (the "voice of the voiceless"): no case; the hotspot reviews of its agency, or of every agency
  for a member of the centre (no agency), with a note of its own and the decision (so may an admin).
"""

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import StaffUser
from api.edge.errors import Forbidden
from database.models import Case, HotspotReview, Task
from schemas.enums import Role

SEE_ALL = (Role.ADMIN, Role.AUDITOR)
SEE_PERSONAL_DATA = (Role.ADMIN, Role.AUDITOR, Role.OPERATOR, Role.SENIOR_COORDINATOR)


def _task_scope(user: StaffUser) -> ColumnElement[bool] | None:
    """Which tasks put a case in the user's view, for the roles that see cases through their tasks."""
    if user.role is Role.UNIT_COORDINATOR and user.unit_ids:
        return Task.unit_id.in_(user.unit_ids)
    if user.role is Role.INSPECTOR:
        return Task.assignee == user.username
    return None


def case_scope(user: StaffUser) -> ColumnElement[bool]:
    """A filter on `cases` for what the user may see."""
    if user.role in SEE_ALL:
        return true()
    if user.role is Role.OPERATOR:
        return Case.filed_by == user.username
    if user.role is Role.SENIOR_COORDINATOR and user.agency_id:
        return Case.agency_id == user.agency_id
    tasks = _task_scope(user)
    if tasks is not None:
        return exists(select(Task.task_id).where(Task.tracking_code == Case.tracking_code, tasks))
    return false()


async def ensure_can_see(session: AsyncSession, user: StaffUser, case: Case) -> None:
    if user.role in SEE_ALL or user.is_senior_of(case.agency_id):
        return
    if user.role is Role.OPERATOR and case.filed_by == user.username:
        return
    tasks = _task_scope(user)
    if tasks is not None:
        held = await session.scalar(
            select(Task.task_id).where(Task.tracking_code == case.tracking_code, tasks).limit(1)
        )
        if held is not None:
            return
    raise Forbidden("this case is outside what you may see", message_fa="این پرونده در حوزه دسترسی شما نیست.")


def may_see_personal_data(user: StaffUser) -> bool:
    return user.role in SEE_PERSONAL_DATA


def may_see_employee_name(user: StaffUser, case: Case) -> bool:
    return user.role in SEE_ALL or user.is_senior_of(case.agency_id)


WORKING_GROUP_ROLES = (Role.ADMIN, Role.WORKING_GROUP)
HOTSPOT_READERS = (Role.ADMIN, Role.AUDITOR, Role.WORKING_GROUP)


def hotspot_scope(user: StaffUser) -> ColumnElement[bool]:
    """A filter on `hotspot_reviews`: a working-group member of an agency sees that agency's reviews."""
    if user.role is Role.WORKING_GROUP and user.agency_id:
        return HotspotReview.agency_id == user.agency_id
    return true() if user.role in HOTSPOT_READERS else false()


def ensure_can_see_review(user: StaffUser, review: HotspotReview) -> None:
    if user.role not in HOTSPOT_READERS or (
        user.role is Role.WORKING_GROUP and user.agency_id and review.agency_id != user.agency_id
    ):
        raise Forbidden(
            "this hotspot review is outside what you may see", message_fa="این بررسی در حوزه دسترسی شما نیست."
        )
