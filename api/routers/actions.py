"""The coordinators' actions on a case. Each is a Workflow Update (its validator's refusal is a 409),
except escalate, a signal, which is checked against the live state first."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.access import ensure_can_see, ensure_senior_coordinator
from api.deps import EngineDep, SessionDep, StaffReader, StaffUser
from api.engine import Engine
from api.errors import Conflict, FieldInvalid, Forbidden
from api.readmodel import get_case
from api.responses import Accepted, ActionResult
from foad.refdata import unit_chain, unit_ref
from schemas.actions import (
    ApproveInput,
    ApproveRequest,
    CloseInput,
    EscalateInput,
    InformationRequest,
    InformationRequestInput,
    ReasonRequest,
    ReviewInput,
    ReviewRequest,
    SendBackInput,
)
from schemas.case import Actor
from schemas.enums import CaseStatus, Level, ReviewDecision, Role
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/cases", tags=["actions (staff)"])


@router.post("/{tracking_code}/review", response_model=ActionResult, summary="Accept with an action order, or reject")
async def review(
    tracking_code: str, body: ReviewRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> ActionResult:
    case = await get_case(session, tracking_code)
    ensure_senior_coordinator(user, case.agency_id)
    chain = []
    if body.decision is ReviewDecision.ACCEPT:
        assert body.unit_id is not None, "ReviewRequest requires unit_id to accept"
        units = await unit_chain(session, body.unit_id)
        if not units or units[0].agency_id != case.agency_id:
            raise FieldInvalid(
                ["body", "unit_id"],
                "not a unit of the case's agency",
                reason_fa="این واحد از واحدهای دستگاه مربوط به پرونده نیست",
            )
        if units[-1].level != Level.NATIONAL.value:
            raise FieldInvalid(
                ["body", "unit_id"],
                "the unit's hierarchy does not reach the national HQ",
                reason_fa="سلسله‌مراتب این واحد تا ستاد ملی کامل نیست",
            )
        chain = [unit_ref(u) for u in units]
    request = ReviewInput(
        actor=user.actor,
        decision=body.decision,
        action_order=body.action_order,
        chain=chain,
        referral_note=body.referral_note,
    )
    return ActionResult.of(await engine.update(case.tracking_code, ComplaintWorkflow.review, request))


async def _senior_coordinator_update(
    tracking_code: str,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    update: Callable[..., Any],
    request_for: Callable[[Actor], Any],
) -> ActionResult:
    """The actions only the case agency's senior coordinator may take, each one Workflow Update."""
    case = await get_case(session, tracking_code)
    ensure_senior_coordinator(user, case.agency_id)
    return ActionResult.of(await engine.update(case.tracking_code, update, request_for(user.actor)))


@router.post("/{tracking_code}/approve", response_model=ActionResult, summary="Approve the result; the citizen is told")
async def approve(
    tracking_code: str, body: ApproveRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> ActionResult:
    return await _senior_coordinator_update(
        tracking_code, user, session, engine, ComplaintWorkflow.approve,
        lambda actor: ApproveInput(actor=actor, result_note=body.result_note),
    )


@router.post("/{tracking_code}/send-back", response_model=ActionResult, summary="Send the result back to the unit")
async def send_back(
    tracking_code: str, body: ReasonRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> ActionResult:
    return await _senior_coordinator_update(
        tracking_code, user, session, engine, ComplaintWorkflow.send_back,
        lambda actor: SendBackInput(actor=actor, reason=body.reason),
    )


@router.post("/{tracking_code}/close", response_model=ActionResult, summary="Close a case whose result was approved")
async def close(
    tracking_code: str, body: ReasonRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> ActionResult:
    return await _senior_coordinator_update(
        tracking_code, user, session, engine, ComplaintWorkflow.close,
        lambda actor: CloseInput(actor=actor, reason=body.reason),
    )


@router.post(
    "/{tracking_code}/escalate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Move the handling task one level up (senior coordinator, the unit holding the task, or admin)",
)
async def escalate(
    tracking_code: str, body: ReasonRequest, user: StaffReader, session: SessionDep, engine: EngineDep
) -> Accepted:
    case = await get_case(session, tracking_code)
    if not (user.role is Role.ADMIN or user.is_senior_of(case.agency_id) or user.role is Role.UNIT_COORDINATOR):
        raise Forbidden("only the agency's senior coordinator, the unit holding the task, or an admin may escalate")
    await ensure_can_see(session, user, case)
    state = await engine.state(case.tracking_code)
    task = state.current_task
    if user.role is Role.UNIT_COORDINATOR and not (task is not None and user.holds_unit(task.unit_id)):
        raise Forbidden("only the unit holding the case's current task may escalate it")
    if state.status is not CaseStatus.IN_HANDLING:
        raise Conflict(
            f"only a case in handling can be escalated (status: {state.status.value})",
            message_fa="فقط پرونده‌ای که در مرحله رسیدگی است ارجاع به سطح بالاتر می‌شود",
            details={"status": state.status.value},
        )
    if state.open_pause is not None:
        raise Conflict(
            "the case is waiting for the citizen's answer; its clock is paused",
            message_fa="پرونده در انتظار پاسخ شهروند است",
        )
    if state.level is Level.NATIONAL:
        raise Conflict(
            "the case is already at the national level; there is no level above it",
            message_fa="پرونده در بالاترین سطح (ستاد ملی) است",
        )
    request = EscalateInput(actor=user.actor, reason=body.reason, from_task_id=state.current_task_id)
    await engine.signal(case.tracking_code, ComplaintWorkflow.escalate, request)
    return Accepted(
        tracking_code=case.tracking_code,
        message="escalation requested",
        message_fa="درخواست ارجاع به سطح بالاتر ثبت شد",
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
    case = await get_case(session, tracking_code)
    if not user.is_senior_of(case.agency_id):
        if user.role is not Role.UNIT_COORDINATOR:
            raise Forbidden(
                "only the agency's senior coordinator or the unit holding the task may ask the citizen",
                message_fa="فقط راهبر ارشد دستگاه یا واحد مسئول رسیدگی می‌تواند از شهروند اطلاعات بخواهد.",
            )
        task = (await engine.state(case.tracking_code)).current_task
        if task is None or not user.holds_unit(task.unit_id):
            raise Forbidden("only the unit holding the case's current task may ask the citizen")
    request = InformationRequestInput(actor=user.actor, reason=body.what_is_needed)
    return ActionResult.of(await engine.update(case.tracking_code, ComplaintWorkflow.request_information, request))
