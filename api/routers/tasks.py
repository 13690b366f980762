"""The task inbox (per senior coordinator or unit) and completing a handling task."""

from typing import Literal

from fastapi import APIRouter

from api.deps import EngineDep, SessionDep, StaffReader
from api.edge.errors import Forbidden
from api.services import casework
from api.services.action_ids import ActionKey
from api.services.readmodel import inbox_query
from api.services.responses import ActionResult, InboxItem, TaskOut
from schemas.actions import CompleteTaskRequest, RecordInspectionRequest
from schemas.enums import TaskStatus

router = APIRouter(prefix="/tasks", tags=["tasks (staff)"])


@router.get(
    "",
    response_model=list[InboxItem],
    summary="The caller's inbox, soonest due first",
    description=(
        "A senior coordinator sees its agency's review and approval tasks and its overdue inspections, a unit "
        "coordinator its units' handling tasks, an inspector the inspections it was named for; admins and auditors "
        "see every task. `status` defaults to open; `all` lists every status."
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
            identity=case.identity,
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
    state = await casework.complete_task(
        task_id=task_id, body=body, user=user, session=session, engine=engine, idempotency_key=idempotency_key
    )
    return ActionResult.of(state)


@router.post(
    "/{task_id}/record-inspection",
    response_model=ActionResult,
    summary="Record an on-site inspection: arrival time, findings, outcome",
    description=(
        "Only the inspector named for it may record it, or once it is overdue the agency's senior coordinator "
        "(else 403). While the case is in handling and its clock runs, the record also completes the handling task "
        "with the same outcome, and the result waits for the senior's approval. An inspection no longer open is "
        "refused with a 409; an arrival before the order or in the future is a 422."
    ),
)
async def record_inspection(
    task_id: str,
    body: RecordInspectionRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> ActionResult:
    state = await casework.record_inspection(
        task_id=task_id, body=body, user=user, session=session, engine=engine, idempotency_key=idempotency_key
    )
    return ActionResult.of(state)
