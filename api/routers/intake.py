"""The public side: file a complaint, follow it by tracking code, give feedback."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from api import public
from api.deps import EngineDep, OptionalUser, SessionDep, SessionsDep, SettingsDep, get_engine
from api.errors import Conflict, FieldInvalid, Forbidden, NotFound
from api.filing import file_complaint
from api.readmodel import case_events, get_case
from api.responses import Accepted, PublicStatus
from api.tracking import is_valid_tracking_code, normalize_tracking_code
from foad.models import Case, IntakeKey
from schemas.actions import CitizenReplyInput, CitizenReplyRequest, FeedbackInput, FeedbackRequest
from schemas.case import CITIZEN
from schemas.enums import CaseStatus, Role
from schemas.intake import ComplaintIntake, IntakeReceipt
from schemas.text import MobileNumber
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/complaints", tags=["intake (public)"])

_mobile = TypeAdapter(MobileNumber)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="A client-chosen key; a retry with the same key and body gets the same case",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeReceipt,
    summary="File a complaint (citizen app, or an operator with a bearer token)",
    description=(
        "Idempotent: the same `Idempotency-Key` with the same body answers 201 with the same receipt "
        "(and the header `Idempotent-Replayed: true`), never a second case; with a different body, 409 "
        "`idempotency_key_reused`. Without the header a key is generated, so the call is not safely retryable. "
        "A 503 leaves the key reserved: retry with the same key to complete the filing."
    ),
)
async def create_complaint(
    intake: ComplaintIntake,
    response: Response,
    session: SessionDep,
    sessions: SessionsDep,
    request: Request,
    settings: SettingsDep,
    user: OptionalUser,
    idempotency_key: IdempotencyKey = None,
) -> IntakeReceipt:
    if user is not None and user.role not in (Role.OPERATOR, Role.ADMIN):
        raise Forbidden("only operators file complaints for a caller; citizens file without a token")
    filed = await file_complaint(
        session=session,
        sessions=sessions,
        engine=lambda: get_engine(request),
        intake=intake,
        idempotency_key=idempotency_key or f"auto-{uuid.uuid4()}",
        filed_by=user.actor if user is not None else CITIZEN,
        policy=settings.policy(),
    )
    if filed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return filed.receipt


@router.get("/{tracking_code}", response_model=PublicStatus, summary="A case's public status (no personal data)")
async def complaint_status(tracking_code: str, request: Request, session: SessionDep) -> PublicStatus:
    try:
        case = await get_case(session, tracking_code)
    except NotFound:
        # Filed a moment ago and not projected yet: only the workflow knows it.
        code = normalize_tracking_code(tracking_code)
        if not is_valid_tracking_code(code) or not await session.scalar(
            select(IntakeKey.key).where(IntakeKey.tracking_code == code)
        ):
            raise
        engine = await get_engine(request)
        return public.from_state(await engine.state(code))
    return public.from_read_model(case, await case_events(session, case.tracking_code))


async def _citizens_case(session, tracking_code: str, mobile_given: str) -> Case:
    """The case, if the mobile it was filed with is the one given (the citizen's proof; OTP comes later)."""
    case = await get_case(session, tracking_code)
    try:
        mobile = _mobile.validate_python(mobile_given)
    except ValidationError:
        raise FieldInvalid(["body", "mobile"], "not a mobile number", reason_fa="شماره همراه نادرست است") from None
    if mobile != case.citizen_mobile:
        raise Forbidden(
            "the mobile number does not match the complaint's",
            code="mobile_mismatch",
            message_fa="شماره همراه با شماره ثبت‌شده در شکایت یکسان نیست",
        )
    return case


@router.post(
    "/{tracking_code}/feedback",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="The citizen's feedback on the result (the mobile the complaint was filed with is the proof)",
)
async def give_feedback(
    tracking_code: str, body: FeedbackRequest, session: SessionDep, engine: EngineDep
) -> Accepted:
    case = await _citizens_case(session, tracking_code, body.mobile)
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
    return Accepted(
        tracking_code=case.tracking_code,
        message="feedback received",
        message_fa="بازخورد شما ثبت شد؛ سپاس‌گزاریم",
    )


@router.post(
    "/{tracking_code}/reply",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="The citizen's answer to a coordinator's question; the case's clock starts again",
)
async def reply_to_question(
    tracking_code: str, body: CitizenReplyRequest, session: SessionDep, engine: EngineDep
) -> Accepted:
    case = await _citizens_case(session, tracking_code, body.mobile)
    state = await engine.state(case.tracking_code)
    if state.open_pause is None:
        raise Conflict(
            "no question to the citizen is open on this case",
            code="no_question_open",
            message_fa="پرسشی از شما در این پرونده باز نیست",
            details={"status": state.status.value},
        )
    await engine.signal(case.tracking_code, ComplaintWorkflow.citizen_reply, CitizenReplyInput(answer=body.answer))
    return Accepted(
        tracking_code=case.tracking_code,
        message="answer received; the case's clock runs again",
        message_fa="پاسخ شما ثبت شد و رسیدگی ادامه می‌یابد",
    )
