"""Claiming work: a unit coordinator claims or releases its unit's open handling task; the agency's senior
coordinator gives it to a named coordinator of that unit. Each is a Workflow Update (api.services.claims):
200 with the case once recorded, 409 with the reason when the task moved on or is held, 403 for who may not,
422 for a coordinator who is not of the unit."""

from fastapi import APIRouter

from api.deps import EngineDep, SessionDep, StaffReader
from api.services import claims
from api.services.action_ids import ActionKey
from api.services.responses import ActionResult
from schemas.actions import ClaimRequest, ReassignRequest
from schemas.case import CaseState
from workflows.rules import Action

router = APIRouter(prefix="/cases", tags=["actions (staff)"])


class HolderResult(ActionResult):
    """The case after the change, with the task and who holds it now (none after a release)."""

    task_id: str
    holder: str | None

    @classmethod
    def of_task(cls, state: CaseState, task_id: str) -> "HolderResult":
        task = state.task(task_id)
        return cls(**ActionResult.of(state).model_dump(), task_id=task_id, holder=task.holder if task else None)


@router.post("/{tracking_code}/claim", response_model=HolderResult, summary="Claim the unit's open handling task")
async def claim(
    tracking_code: str,
    body: ClaimRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> HolderResult:
    state = await claims.change_holder(
        Action.CLAIM,
        tracking_code=tracking_code,
        task_id=body.task_id,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return HolderResult.of_task(state, body.task_id)


@router.post("/{tracking_code}/release", response_model=HolderResult, summary="Release a task one holds")
async def release(
    tracking_code: str,
    body: ClaimRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> HolderResult:
    state = await claims.change_holder(
        Action.RELEASE,
        tracking_code=tracking_code,
        task_id=body.task_id,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return HolderResult.of_task(state, body.task_id)


@router.post(
    "/{tracking_code}/reassign",
    response_model=HolderResult,
    summary="Give the handling task to a named coordinator of its unit (the agency's senior coordinator)",
)
async def reassign(
    tracking_code: str,
    body: ReassignRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> HolderResult:
    state = await claims.change_holder(
        Action.REASSIGN,
        tracking_code=tracking_code,
        task_id=body.task_id,
        to_username=body.to_username,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return HolderResult.of_task(state, body.task_id)
