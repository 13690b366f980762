"""The task inbox (per senior coordinator or unit) and completing a handling task."""

from typing import Literal

from fastapi import APIRouter

from api.access import ensure_can_complete
from api.action_ids import ActionKey, update_id
from api.deps import EngineDep, SessionDep, StaffReader
from api.errors import Forbidden
from api.readmodel import get_task, inbox_query
from api.responses import ActionResult, InboxItem, TaskOut
from schemas.actions import CompleteTaskInput, CompleteTaskRequest
from schemas.enums import TaskStatus
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/tasks", tags=["tasks (staff)"])


@router.get(
    "",
    response_model=list[InboxItem],
    summary="The caller's inbox, soonest due first",
    description=(
        "A senior coordinator sees its agency's review and approval tasks, a unit coordinator its units' "
        "handling tasks; admins and auditors see every task. `status` defaults to open; `all` lists every status."
    ),
)
async def inbox(
    user: StaffReader, session: SessionDep, status: TaskStatus | Literal["all"] = TaskStatus.OPEN
) -> list[InboxItem]:
    query = inbox_query(user, None if status == "all" else TaskStatus(status))
    if query is None:
        raise Forbidden(f"a {user.role.value} has no task inbox")
    rows = await session.execute(query)
    return [
        InboxItem(
            **TaskOut.model_validate(task).model_dump(),
            indicator=case.indicator,
            office_unit_id=case.office_unit_id,
            case_status=case.status,
            breached=case.breached,
        )
        for task, case in rows
    ]


@router.post("/{task_id}/complete", response_model=ActionResult, summary="Report the unit's outcome on its task")
async def complete(
    task_id: str,
    body: CompleteTaskRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> ActionResult:
    task = await get_task(session, task_id)
    ensure_can_complete(user, task)
    request = CompleteTaskInput(actor=user.actor, task_id=task.task_id, outcome=body.outcome, note=body.note)
    action_id = update_id("complete_task", task.task_id, user.username, idempotency_key)
    completed = await engine.update(task.tracking_code, ComplaintWorkflow.complete_task, request, update_id=action_id)
    return ActionResult.of(completed)
