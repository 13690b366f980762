"""Claiming work, for the JSON API and the pages alike: claim, release, and the senior's reassignment of a handling
task (the claim_task, release_task and reassign_task updates, workflows/claims.py). As in api.services.casework:
the rule book's "who" first (403), with the task from the read model; the named coordinator must be an active
coordinator of the task's unit (422); whether the case allows it now is the workflow validator's answer (409 with
the reason: a task that moved on, a task already held by someone)."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notifications import unit_coordinators
from api.auth.access import ensure_can_see
from api.deps import StaffUser
from api.edge.errors import Conflict, FieldInvalid, Forbidden
from api.engine import Engine
from api.services.action_ids import update_id
from api.services.casework import _update
from api.services.readmodel import get_case
from database.models import CaseEventRow, Task, User
from schemas.actions import ClaimInput, ReassignInput
from schemas.case import CaseState
from schemas.enums import EventKind, TaskKind
from workflows.complaint import ComplaintWorkflow
from workflows.rules import Action, actor_refusal

UPDATES = {
    Action.CLAIM: ComplaintWorkflow.claim_task,
    Action.RELEASE: ComplaintWorkflow.release_task,
    Action.REASSIGN: ComplaintWorkflow.reassign_task,
}
HOLDER_EVENTS = (EventKind.TASK_CLAIMED.value, EventKind.TASK_RELEASED.value, EventKind.TASK_REASSIGNED.value)


async def coordinators_of(session: AsyncSession, unit_id: str | None) -> list[User]:
    """The active coordinators of a unit: whom the senior may give its task to."""
    return await unit_coordinators(session, unit_id)


async def reassign_choices(session: AsyncSession, state: CaseState | None, actions: set[str]) -> list[User]:
    """For the case page: the coordinators of the open task's unit the senior may give it to (none unless the rule
    book allows this user to reassign now)."""
    if state is None or Action.REASSIGN.value not in actions or state.current_task is None:
        return []
    return await coordinators_of(session, state.current_task.unit_id)


async def change_holder(
    action: Action,
    *,
    tracking_code: str,
    task_id: str,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    to_username: str | None = None,
    idempotency_key: str | None = None,
) -> CaseState:
    """Claim, release or reassign the case's handling task `task_id`; returns once the change is recorded."""
    case = await get_case(session, tracking_code)
    task = await session.get(Task, task_id)
    if task is None or task.tracking_code != case.tracking_code or task.kind != TaskKind.HANDLING.value:
        raise Conflict(
            f"task {task_id} is not a handling task of this case",
            message_fa="این وظیفه کار رسیدگی این پرونده نیست",
        )
    refused = actor_refusal(action, user, agency_id=case.agency_id, task=task)
    if refused is not None:
        raise Forbidden(refused.message, message_fa=refused.message_fa)
    await ensure_can_see(session, user, case)
    if action is Action.REASSIGN:
        if to_username not in {u.username for u in await coordinators_of(session, task.unit_id)}:
            raise FieldInvalid(
                ["body", "to_username"],
                "not an active coordinator of the task's unit",
                reason_fa="هماهنگ‌کننده فعالی با این نام کاربری در واحد مسئول این کار نیست",
            )
        request = ReassignInput(actor=user.actor, task_id=task.task_id, to_username=to_username)
    else:
        request = ClaimInput(actor=user.actor, task_id=task.task_id)
    # The id names the task and how many times its holder changed so far: a retry (after a 503) attaches to the
    # first press, and claiming again after a release is a new action.
    changes = await session.scalar(
        select(func.count())
        .select_from(CaseEventRow)
        .where(CaseEventRow.task_id == task.task_id, CaseEventRow.kind.in_(HOLDER_EVENTS))
    )
    update = UPDATES[action]
    action_id = update_id(update.__name__, f"{task.task_id}-H{changes or 0}", user.username, idempotency_key)
    return await _update(engine, session, case.tracking_code, update, request, update_id=action_id)
