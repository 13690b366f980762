"""The coordinators' actions on a case. Each is a Workflow Update: its validator's refusal, from the rule book
(workflows/rules.py), is a 409 with the reason at once. The logic is in api.services.casework, shared with the
pages."""

from fastapi import APIRouter, status
from pydantic import BaseModel

from api.deps import EngineDep, SessionDep, StaffReader
from api.services import casework
from api.services.action_ids import ActionKey
from api.services.responses import Accepted, ActionResult
from schemas.actions import (
    ApproveRequest,
    EscalateRequest,
    InformationRequest,
    OrderInspectionRequest,
    ReasonRequest,
    ReviewRequest,
)

router = APIRouter(prefix="/cases", tags=["actions (staff)"])


@router.post("/{tracking_code}/review", response_model=ActionResult, summary="Accept with an action order, or reject")
async def review(
    tracking_code: str,
    body: ReviewRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> ActionResult:
    state = await casework.review(
        tracking_code=tracking_code,
        body=body,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return ActionResult.of(state)


# The senior coordinator's actions on a case's result (casework.SENIOR_ACTIONS): each one's body and summary.
SENIOR_ROUTES: dict[str, tuple[type[BaseModel], str]] = {
    "approve": (ApproveRequest, "Approve the result; the citizen is told"),
    "send-back": (ReasonRequest, "Send the result back to the unit"),
    "close": (ReasonRequest, "Close a case whose result was approved"),
}


def _senior_action_route(action: str, body_model: type[BaseModel], summary: str) -> None:
    """POST /cases/{tracking_code}/{action}: one route over casework.senior_coordinator_action."""

    async def senior_action(
        tracking_code: str,
        body: body_model,
        user: StaffReader,
        session: SessionDep,
        engine: EngineDep,
        idempotency_key: ActionKey = None,
    ) -> ActionResult:
        state = await casework.senior_coordinator_action(
            action,
            tracking_code=tracking_code,
            body=body,
            user=user,
            session=session,
            engine=engine,
            idempotency_key=idempotency_key,
        )
        return ActionResult.of(state)

    router.add_api_route(
        f"/{{tracking_code}}/{action}",
        senior_action,
        methods=["POST"],
        response_model=ActionResult,
        summary=summary,
        name=action.replace("-", "_"),  # the operation ids stay approve_…, send_back_…, close_…
    )


for _action in casework.SENIOR_ACTIONS:  # an action without its route here fails at import
    _senior_action_route(_action, *SENIOR_ROUTES[_action])


@router.post(
    "/{tracking_code}/escalate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Move the handling task one level up (senior coordinator, the unit holding the task, or admin)",
    description=(
        "Answers once the escalation is recorded (202, as before it was synchronous); a case whose state does not "
        "allow it (not in handling, waiting for the citizen, at the national level, or no longer at the task "
        "named by `task_id`) is refused at once with a 409 and the reason."
    ),
)
async def escalate(
    tracking_code: str,
    body: EscalateRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> Accepted:
    state = await casework.escalate(
        tracking_code=tracking_code,
        reason=body.reason,
        task_id=body.task_id,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return Accepted(
        tracking_code=state.tracking_code,
        message="escalated one level up",
        message_fa="پرونده به سطح بالاتر منتقل شد",
    )


@router.post(
    "/{tracking_code}/request-information",
    response_model=ActionResult,
    summary="Ask the citizen for information (SMS); the clock and the task's budget pause until the answer",
    description=(
        "The agency's senior coordinator, or the coordinator of the unit holding the current task. The pause ends "
        "when the citizen answers (`POST /complaints/{code}/reply`) or the reply window ends; while it lasts, "
        "review, completion and escalation are refused with a 409."
    ),
)
async def request_information(
    tracking_code: str, body: InformationRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> ActionResult:
    state = await casework.request_information(
        tracking_code=tracking_code, body=body, user=user, session=session, engine=engine
    )
    return ActionResult.of(state)


@router.post(
    "/{tracking_code}/order-inspection",
    response_model=ActionResult,
    summary="Send a named inspector to the office on site (senior coordinator, case in handling)",
    description=(
        "`inspector` is the username of an active inspector of the case's agency or of the centre (else 422). The "
        "inspection is a task of its own with `FOAD_INSPECTION_MINUTES`; one not recorded in time passes to the "
        "agency's senior coordinator. A case not in handling, waiting for the citizen, or with an inspection "
        "already open is refused with a 409 and the reason."
    ),
)
async def order_inspection(
    tracking_code: str,
    body: OrderInspectionRequest,
    user: StaffReader,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> ActionResult:
    state = await casework.order_inspection(
        tracking_code=tracking_code,
        body=body,
        user=user,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return ActionResult.of(state)
