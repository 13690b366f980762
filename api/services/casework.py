"""The actions on a case, shared by the JSON API and the pages: one path from a person to the workflow.

Each function checks who may act (the rule book's "who" rules, workflows/rules.py, with the case and task
from the read model), resolves what the workflow needs from reference data, and sends one Workflow Update
through `api.engine`. Whether the case's state allows the action is the workflow validator's answer, from the
same rule book: a refusal comes back at once as a 409 with the reason (English and Persian). No action reads
the live state first.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth.access import ensure_can_see
from api.deps import StaffUser, release_connection
from api.edge.errors import ApiError, Conflict, FieldInvalid, Forbidden, engine_error
from api.engine import Engine
from api.services.action_ids import case_action_id, update_id
from api.services.readmodel import get_case, get_task
from database.models import Case, CaseEventRow, Task, User
from database.refdata import unit_chain, unit_ref
from database.referrals import active_target
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
    OrderInspectionInput,
    OrderInspectionRequest,
    ReasonRequest,
    RecordInspectionInput,
    RecordInspectionRequest,
    ReviewInput,
    ReviewRequest,
    SendBackInput,
)
from schemas.case import CITIZEN, Actor, CaseState
from schemas.enums import CaseStatus, EventKind, Level, ReviewDecision, Role, Step, TaskKind
from schemas.referral import ReferralTarget
from workflows.complaint import ComplaintWorkflow
from workflows.rules import Action, Person, Refusal, TaskRef, actor_refusal, already_taken, state_refusal


async def _update(
    engine: Engine, session: AsyncSession, tracking_code: str, update: Callable[..., Any], arg: Any, **kwargs: Any
) -> CaseState:
    """The Workflow Update, with the request's database connection handed back first (it waits for a worker)."""
    await release_connection(session)
    try:
        return await engine.update(tracking_code, update, arg, **kwargs)
    except WorkflowUpdateFailedError as exc:
        raise _refused(exc) from exc
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        raise engine_error(exc) or exc from exc  # the workflow has ended: a Conflict the callers may refine


def _refused(exc: WorkflowUpdateFailedError) -> ApiError:
    """The validator's refusal as api.edge.errors maps it (409, the Persian reason), with the rule book's stable
    code and the case's status when the refusal carries them (InvalidTransition's details[1])."""
    err = engine_error(exc)
    assert err is not None, "an update failure is one of Temporal's"
    cause = exc.cause
    if isinstance(cause, ApplicationError) and len(cause.details) > 1 and isinstance(cause.details[1], dict):
        extra = cause.details[1]
        err.code = extra.get("code") or err.code
        if extra.get("status") and isinstance(err.details, dict):
            err.details = err.details | {"status": extra["status"]}
    return err


def _ensure_may(action: Action, actor: Person, *, agency_id: str, task: TaskRef | None = None) -> None:
    """The rule book's "who" rule, before the workflow is asked: a 403 with its reason."""
    refused = actor_refusal(action, actor, agency_id=agency_id, task=task)
    if refused is not None:
        raise Forbidden(refused.message, message_fa=refused.message_fa)


def _conflict(refused: Refusal) -> Conflict:
    details = {"reason": refused.message, "reason_fa": refused.message_fa}
    if refused.status is not None:
        details["status"] = refused.status.value
    return Conflict(refused.message, code=refused.code, message_fa=refused.message_fa, details=details)


def _when_ended(err: Conflict, action: Action, case: Case) -> Conflict | None:
    """A citizen's answer to a case whose workflow has ended: the rule book's reason for the ended case (its state
    in the read model is final), as the API answered before the answers were updates, not `case_not_active`."""
    if err.code != "case_not_active":
        return None
    ended = CaseState(
        tracking_code=case.tracking_code,
        agency_id=case.agency_id,
        status=CaseStatus(case.status),
        step=Step(case.step),
        registered_at=case.registered_at,
        due_at=case.due_at,
    )
    refused = state_refusal(action, ended)
    return _conflict(refused) if refused is not None else None


async def _handling_task(session: AsyncSession, tracking_code: str, *, open_only: bool) -> Task | None:
    """The case's latest handling task in the read model (the current one, unless the read model lags)."""
    query = select(Task).where(Task.tracking_code == tracking_code, Task.kind == TaskKind.HANDLING.value)
    if open_only:
        query = query.where(Task.status == "open")
    return await session.scalar(
        query.order_by(Task.opened_at.desc(), func.length(Task.task_id).desc(), Task.task_id.desc()).limit(1)
    )


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
    _ensure_may(Action.REVIEW, user, agency_id=case.agency_id)
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
    target = None
    if body.decision is ReviewDecision.REJECT and body.referral_target_id is not None:
        target = await referral_target(session, body.referral_target_id)
    request = ReviewInput(
        actor=user.actor,
        decision=body.decision,
        action_order=body.action_order,
        chain=chain,
        referral_note=body.referral_note,
        inspector=body.inspector if body.decision is ReviewDecision.ACCEPT else None,
        referral_target=target,
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


async def referral_target(session: AsyncSession, target_id: str) -> ReferralTarget:
    """An active entry of the referral registry, or a 422 on `referral_target_id`."""
    target = await active_target(session, target_id)
    if target is None:
        raise FieldInvalid(
            ["body", "referral_target_id"],
            "no active referral target with this id",
            reason_fa="مرجعی با این شناسه در فهرست مراجع ارجاع نیست",
        )
    return target


# The actions only the case agency's senior coordinator may take: each one's update and its input (the keys are
# the rule book's Action values).
SENIOR_ACTIONS: dict[str, tuple[Callable[..., Any], Callable[[Actor, Any], Any]]] = {
    "approve": (
        ComplaintWorkflow.approve,
        lambda actor, body: ApproveInput(actor=actor, result_note=body.result_note, outcome=body.outcome),
    ),
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
    _ensure_may(Action(action), user, agency_id=case.agency_id)
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
    _ensure_may(Action.COMPLETE, user, agency_id=task.agency_id, task=task)
    request = CompleteTaskInput(actor=user.actor, task_id=task.task_id, outcome=body.outcome, note=body.note)
    action_id = update_id("complete_task", task.task_id, user.username, idempotency_key)
    return await _update(
        engine, session, task.tracking_code, ComplaintWorkflow.complete_task, request, update_id=action_id
    )


async def escalate(
    *,
    tracking_code: str,
    reason: str,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    task_id: str | None = None,
    idempotency_key: str | None = None,
) -> CaseState:
    """Moves the handling task one level up (the escalate_task update); returns once the escalation is recorded.

    `task_id` is the task the caller saw (the page always sends it): a press on a page that is out of date is
    refused by the workflow with the reason, and pressing again on the same task is the same escalation. Without
    it, the read model's latest handling task stands in."""
    case = await get_case(session, tracking_code)
    if task_id is not None:
        task = await session.get(Task, task_id)
        if task is None or task.tracking_code != case.tracking_code or task.kind != TaskKind.HANDLING.value:
            raise Conflict(
                f"task {task_id} is not an open handling task of this case",
                message_fa="این وظیفه دیگر باز نیست؛ پرونده به سطح دیگری رفته یا رسیدگی شده است",
            )
    else:
        task = await _handling_task(session, case.tracking_code, open_only=False)
    _ensure_may(Action.ESCALATE, user, agency_id=case.agency_id, task=task)
    await ensure_can_see(session, user, case)
    request = EscalateInput(actor=user.actor, reason=reason, from_task_id=task.task_id if task else None)
    # The id names the task escalated: a retry (after a 503, say) attaches to the first press. With a client's key
    # but no task named, the case: the read model's latest task changes once the first press has moved it.
    anchor = task_id or (case.tracking_code if idempotency_key or task is None else task.task_id)
    action_id = update_id("escalate", anchor, user.username, idempotency_key)
    return await _update(
        engine, session, case.tracking_code, ComplaintWorkflow.escalate_task, request, update_id=action_id
    )


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
    *,
    tracking_code: str,
    body: FeedbackRequest,
    mobile: str,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    """The citizen's feedback (the give_feedback update), from the mobile the complaint was filed with; returns
    once it is recorded (the case closed, or reopened one level up).

    The update id names the result answered (the latest approval task), so a retried press attaches to the first
    one, and a reopened case's new result is a new answer. A different answer on a result already answered
    attaches to the first too: it is then refused here, with the reason, rather than reported as taken."""
    case = await _citizens_case(session, tracking_code, mobile)
    answer = FeedbackInput(satisfied=body.satisfied, rating=body.rating, comment=body.comment)
    action_id = await case_action_id(
        session,
        action="give_feedback",
        case=case,
        kind=TaskKind.APPROVAL,
        actor=CITIZEN.username,
        key=idempotency_key,
    )
    try:
        state = await _update(
            engine, session, case.tracking_code, ComplaintWorkflow.give_feedback, answer, update_id=action_id
        )
    except Conflict as err:
        if (ended := _when_ended(err, Action.FEEDBACK, case)) is None:
            raise
        raise ended from err
    taken = state.feedback
    if taken is None or taken.model_dump(exclude={"at"}) != answer.model_dump():
        raise _conflict(state_refusal(Action.FEEDBACK, state) or already_taken(Action.FEEDBACK, state))
    return state


async def reply_to_question(
    *,
    tracking_code: str,
    answer: str,
    mobile: str,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    """The citizen's answer to a coordinator's question (the reply_to_question update); returns once it is
    recorded and the case's clock runs again.

    The update id names the question (the case's n-th), so a retried press attaches to the first one and the
    answer to a later question is a new action; a different answer to a question already answered is refused."""
    case = await _citizens_case(session, tracking_code, mobile)
    asked = await session.scalar(
        select(func.count())
        .select_from(CaseEventRow)
        .where(
            CaseEventRow.tracking_code == case.tracking_code,
            CaseEventRow.kind == EventKind.INFORMATION_REQUESTED.value,
        )
    )
    action_id = update_id("reply_to_question", f"{case.tracking_code}-Q{asked or 0}", CITIZEN.username, idempotency_key)
    try:
        state = await _update(
            engine,
            session,
            case.tracking_code,
            ComplaintWorkflow.reply_to_question,
            CitizenReplyInput(answer=answer),
            update_id=action_id,
        )
    except Conflict as err:
        if (ended := _when_ended(err, Action.REPLY, case)) is None:
            raise
        raise ended from err
    answered = [p for p in state.pauses if p.ended_by == "citizen"]
    if not answered or answered[-1].answer != answer:
        raise _conflict(state_refusal(Action.REPLY, state) or already_taken(Action.REPLY, state))
    return state


async def request_information(
    *, tracking_code: str, body: InformationRequest, user: StaffUser, session: AsyncSession, engine: Engine
) -> CaseState:
    """A question to the citizen (SMS) from the agency's senior coordinator or the unit holding the task;
    the case's clock pauses until the answer or the end of the reply window."""
    case = await get_case(session, tracking_code)
    task = (
        None if user.is_senior_of(case.agency_id) else await _handling_task(session, case.tracking_code, open_only=True)
    )
    _ensure_may(Action.REQUEST_INFORMATION, user, agency_id=case.agency_id, task=task)
    request = InformationRequestInput(actor=user.actor, reason=body.what_is_needed)
    # No derived update id: a second question after the first was answered is a new action, not a retry.
    return await _update(engine, session, case.tracking_code, ComplaintWorkflow.request_information, request)


async def order_inspection(
    *,
    tracking_code: str,
    body: OrderInspectionRequest,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    """The senior coordinator sends a named inspector (an active inspector of the agency or of the centre) to the
    office of a case in handling; the inspection is a task of its own with the policy's inspection budget."""
    case = await get_case(session, tracking_code)
    _ensure_may(Action.ORDER_INSPECTION, user, agency_id=case.agency_id)
    await _ensure_inspector(session, body.inspector, case.agency_id)
    request = OrderInspectionInput(actor=user.actor, inspector=body.inspector, note=body.what_to_inspect)
    # The id names the case's n-th inspection: a retried press attaches to the first, a later order is new.
    ordered = await session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.tracking_code == case.tracking_code, Task.kind == TaskKind.INSPECTION.value)
    )
    action_id = update_id("order_inspection", f"{case.tracking_code}-I{ordered or 0}", user.username, idempotency_key)
    return await _update(
        engine, session, case.tracking_code, ComplaintWorkflow.order_inspection, request, update_id=action_id
    )


async def record_inspection(
    *,
    task_id: str,
    body: RecordInspectionRequest,
    user: StaffUser,
    session: AsyncSession,
    engine: Engine,
    idempotency_key: str | None = None,
) -> CaseState:
    """The named inspector's record of the visit (or the senior's, once the inspection is overdue)."""
    task = await get_task(session, task_id)
    if task.kind != TaskKind.INSPECTION.value:
        raise Conflict(
            f"task {task_id} is not an on-site inspection",
            code="no_inspection_open",
            message_fa="این وظیفه بازرسی حضوری نیست",
        )
    _ensure_may(Action.RECORD_INSPECTION, user, agency_id=task.agency_id, task=task)
    if body.arrived_at.tzinfo is None:
        raise FieldInvalid(["body", "arrived_at"], "needs a time zone", reason_fa="زمان رسیدن باید با منطقه زمانی باشد")
    request = RecordInspectionInput(
        actor=user.actor, task_id=task.task_id, arrived_at=body.arrived_at, findings=body.findings, outcome=body.outcome
    )
    action_id = update_id("record_inspection", task.task_id, user.username, idempotency_key)
    try:
        return await _update(
            engine, session, task.tracking_code, ComplaintWorkflow.record_inspection, request, update_id=action_id
        )
    except Conflict as err:
        if err.code != "invalid_arrival":
            raise
        # the workflow judges the arrival on its own clock; for the caller it is a bad field, not a state
        raise FieldInvalid(["body", "arrived_at"], err.message, reason_fa=err.message_fa) from err
