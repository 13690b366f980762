"""The actions on a case, shared by the JSON API and the pages: one path from a person to the workflow.

Each function checks who may act, resolves what the workflow needs from reference data, and sends one
Workflow Update or signal through `api.engine`; a refusal is an ApiError (409 with the workflow's reason).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.access import ensure_can_complete, ensure_can_see, ensure_senior_coordinator
from api.deps import StaffUser, release_connection
from api.edge.errors import Conflict, FieldInvalid, Forbidden
from api.engine import Engine
from api.services.action_ids import case_action_id, update_id
from api.services.readmodel import get_case, get_task
from database.models import Case, User
from database.refdata import unit_chain, unit_ref
from schemas.actions import (
    ApproveInput,
    ApproveRequest,
    CitizenReplyInput,
    CloseInput,
    CompleteTaskInput,
    CompleteTaskRequest,
    EscalateInput,
    FeedbackInput,
    FeedbackRequest,
    InformationRequest,
    InformationRequestInput,
    ReasonRequest,
    ReviewInput,
    ReviewRequest,
    SendBackInput,
)
from schemas.case import Actor, CaseState
from schemas.enums import CaseStatus, Level, ReviewDecision, Role, TaskKind
from workflows.complaint import ComplaintWorkflow


async def _update(
    engine: Engine, session: AsyncSession, tracking_code: str, update: Callable[..., Any], arg: Any, **kwargs: Any
) -> CaseState:
    """The Workflow Update, with the request's database connection handed back first (it waits for a worker)."""
    await release_connection(session)
    return await engine.update(tracking_code, update, arg, **kwargs)


async def review(
    *,
    tracking_code: str,
    body: ReviewRequest,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
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
        if body.inspector is not None:
            await _ensure_inspector(session, body.inspector, case.agency_id)
    request = ReviewInput(
        actor=user.actor,
        decision=body.decision,
        action_order=body.action_order,
        chain=chain,
        referral_note=body.referral_note,
        inspector=body.inspector if body.decision is ReviewDecision.ACCEPT else None,
    )
    update_id = await case_action_id(
        session, action="review", case=case, kind=TaskKind.REVIEW, actor=user.username, key=idempotency_key
    )
    return await _update(engine, session, case.tracking_code, ComplaintWorkflow.review, request, update_id=update_id)


async def _ensure_inspector(session: AsyncSession, username: str, agency_id: str) -> None:
    """An active inspector of the case's agency, or of the centre (no agency)."""
    inspector = await session.scalar(select(User).where(User.username == username))
    if (
        inspector is None
        or not inspector.active
        or inspector.role != Role.INSPECTOR.value
        or inspector.agency_id not in (None, agency_id)
    ):
        raise FieldInvalid(
            ["body", "inspector"],
            "not an active inspector of the case's agency or of the centre",
            reason_fa="بازرس فعالی با این نام کاربری برای این دستگاه نیست",
        )


# The actions only the case agency's senior coordinator may take: each one's update and its input.
SENIOR_ACTIONS: dict[str, tuple[Callable[..., Any], Callable[[Actor, Any], Any]]] = {
    "approve": (ComplaintWorkflow.approve, lambda actor, body: ApproveInput(actor=actor, result_note=body.result_note)),
    "send-back": (ComplaintWorkflow.send_back, lambda actor, body: SendBackInput(actor=actor, reason=body.reason)),
    "close": (ComplaintWorkflow.close, lambda actor, body: CloseInput(actor=actor, reason=body.reason)),
}


async def senior_coordinator_action(
    action: str,
    *,
    tracking_code: str,
    body: ApproveRequest | ReasonRequest,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    """Approve, send back or close (SENIOR_ACTIONS), for the JSON API and the pages alike."""
    update, input_for = SENIOR_ACTIONS[action]
    case = await get_case(session, tracking_code)
    ensure_senior_coordinator(user, case.agency_id)
    kind = None if update is ComplaintWorkflow.close else TaskKind.APPROVAL
    update_id = await case_action_id(
        session, action=update.__name__, case=case, kind=kind, actor=user.username, key=idempotency_key
    )
    return await _update(engine, session, case.tracking_code, update, input_for(user.actor, body), update_id=update_id)


async def complete_task(
    *,
    task_id: str,
    body: CompleteTaskRequest,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    task = await get_task(session, task_id)
    ensure_can_complete(user, task)
    request = CompleteTaskInput(actor=user.actor, task_id=task.task_id, outcome=body.outcome, note=body.note)
    action_id = update_id("complete_task", task.task_id, user.username, idempotency_key)
    return await _update(
        engine, session, task.tracking_code, ComplaintWorkflow.complete_task, request, update_id=action_id
    )


async def escalate(*, tracking_code: str, reason: str, user: StaffUser, session: AsyncSession, engine: Engine) -> str:
    """Asks the workflow to move the handling task one level up (a signal, checked against the live state
    first); returns the case's tracking code."""
    case = await get_case(session, tracking_code)
    if not (user.role is Role.ADMIN or user.is_senior_of(case.agency_id) or user.role is Role.UNIT_COORDINATOR):
        raise Forbidden("only the agency's senior coordinator, the unit holding the task, or an admin may escalate")
    await ensure_can_see(session, user, case)
    state = await engine.state(case.tracking_code)
    if state.status is not CaseStatus.IN_HANDLING:  # first: a stale page learns why, whoever pressed
        raise Conflict(
            f"only a case in handling can be escalated (status: {state.status.value})",
            message_fa="فقط پرونده‌ای که در مرحله رسیدگی است ارجاع به سطح بالاتر می‌شود",
            details={"status": state.status.value},
        )
    task = state.current_task
    if user.role is Role.UNIT_COORDINATOR and not (task is not None and user.holds_unit(task.unit_id)):
        raise Forbidden("only the unit holding the case's current task may escalate it")
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
    request = EscalateInput(actor=user.actor, reason=reason, from_task_id=state.current_task_id)
    await engine.signal(case.tracking_code, ComplaintWorkflow.escalate, request)
    return case.tracking_code


async def _citizens_case(session: AsyncSession, tracking_code: str, mobile: str) -> Case:
    """The case, if `mobile` (proved by one-time code) is the one it was filed with."""
    case = await get_case(session, tracking_code)
    if mobile != case.citizen_mobile:
        raise Forbidden(
            "the mobile number does not match the complaint's",
            code="mobile_mismatch",
            message_fa="شماره همراه با شماره ثبت‌شده در شکایت یکسان نیست",
        )
    return case


async def give_feedback(
    *, tracking_code: str, body: FeedbackRequest, mobile: str, session: AsyncSession, engine: Engine
) -> str:
    """The citizen's feedback, from the mobile the complaint was filed with; returns the tracking code."""
    case = await _citizens_case(session, tracking_code, mobile)
    state = await engine.state(case.tracking_code)
    if state.status is not CaseStatus.AWAITING_FEEDBACK:
        raise Conflict(
            f"the case is not awaiting feedback (status: {state.status.value})",
            code="feedback_not_due",
            message_fa="این پرونده در انتظار بازخورد نیست",
            details={"status": state.status.value},
        )
    await engine.signal(
        case.tracking_code,
        ComplaintWorkflow.feedback,
        FeedbackInput(satisfied=body.satisfied, rating=body.rating, comment=body.comment),
    )
    return case.tracking_code


async def reply_to_question(
    *, tracking_code: str, answer: str, mobile: str, session: AsyncSession, engine: Engine
) -> str:
    """The citizen's answer to a coordinator's question; the case's clock runs again. Returns the code."""
    case = await _citizens_case(session, tracking_code, mobile)
    state = await engine.state(case.tracking_code)
    if state.open_pause is None:
        raise Conflict(
            "no question to the citizen is open on this case",
            code="no_question_open",
            message_fa="پرسشی از شما در این پرونده باز نیست",
            details={"status": state.status.value},
        )
    await engine.signal(case.tracking_code, ComplaintWorkflow.citizen_reply, CitizenReplyInput(answer=answer))
    return case.tracking_code


async def request_information(
    *, tracking_code: str, body: InformationRequest, user: StaffUser, session: AsyncSession, engine: Engine
) -> CaseState:
    """A question to the citizen (SMS) from the agency's senior coordinator or the unit holding the task;
    the case's clock pauses until the answer or the end of the reply window."""
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
    # No derived update id: a second question after the first was answered is a new action, not a retry.
    return await _update(engine, session, case.tracking_code, ComplaintWorkflow.request_information, request)
