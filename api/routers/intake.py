"""The public side: file a complaint, follow it by tracking code, give feedback."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from api.deps import (
    CitizenMobile,
    EngineDep,
    OptionalCitizenMobile,
    OptionalUser,
    SessionDep,
    SessionsDep,
    SettingsDep,
    idempotency_key_header,
)
from api.edge.errors import Forbidden, Unauthorized
from api.edge.limits import enforce, limit_public_lookup, per_hour
from api.services import casework, public
from api.services.access_log import client_address
from api.services.action_ids import ActionKey
from api.services.filing import file_complaint
from api.services.identity import operator_identity
from api.services.responses import Accepted, PublicStatus
from schemas.actions import CitizenReplyRequest, FeedbackRequest
from schemas.case import CITIZEN
from schemas.enums import IdentityCheck, Role
from schemas.intake import ComplaintIntake, IntakeReceipt

router = APIRouter(prefix="/complaints", tags=["intake (public)"])

IdempotencyKey = Annotated[
    str | None, idempotency_key_header("A client-chosen key; a retry with the same key and body gets the same case")
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeReceipt,
    summary="File a complaint (a citizen with a verified mobile, or an operator with a bearer token)",
    description=(
        "Idempotent: the same `Idempotency-Key` with the same body answers 201 with the same receipt "
        "(and the header `Idempotent-Replayed: true`), never a second case; with a different body, 409 "
        "`idempotency_key_reused`. Without the header a key is generated, so the call is not safely retryable. "
        "A 503 leaves the key reserved: retry with the same key to complete the filing. "
        "A citizen files with the token from `/citizen/otp/verify`, for the mobile it proved. An operator proves "
        "the caller's mobile by sending a code (`POST /citizen/otp`) and passing the code the caller reads back as "
        "`caller_code`; without it the case is marked unverified. `contact` triages: only a complaint starts the "
        "3-hour case; a request or suggestion goes to the agency's senior coordinator as information; out of "
        "scope is referred to `referral_target_id` and the citizen gets the target by SMS."
    ),
)
async def create_complaint(
    intake: ComplaintIntake,
    response: Response,
    session: SessionDep,
    sessions: SessionsDep,
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    user: OptionalUser,
    citizen: OptionalCitizenMobile,
    idempotency_key: IdempotencyKey = None,
) -> IntakeReceipt:
    if user is not None and user.role not in (Role.OPERATOR, Role.ADMIN):
        raise Forbidden("only operators file complaints for a caller; citizens file with a citizen token")
    key = idempotency_key or f"auto-{uuid.uuid4()}"
    if user is None:
        _ensure_citizen_filing(citizen, intake)
        await enforce(sessions, per_hour("intake-client", settings.intake_per_client_per_hour), client_address(request))
        identity = IdentityCheck.CITIZEN_OTP
    else:
        identity = await operator_identity(
            sessions=sessions, settings=settings, intake=intake, key=key, client=client_address(request)
        )
    filed = await file_complaint(
        session=session,
        sessions=sessions,
        engine=engine,
        intake=intake,
        idempotency_key=key,
        filed_by=user.actor if user is not None else CITIZEN,
        policy=settings.policy(),
        identity=identity,
    )
    if filed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return filed.receipt


def _ensure_citizen_filing(citizen: str | None, intake: ComplaintIntake) -> None:
    if citizen is None:
        raise Unauthorized(
            "a citizen files with a citizen token (verify the mobile with /citizen/otp first), an operator with its "
            "own",
            code="citizen_token_required",
            message_fa="ابتدا شماره همراه خود را با کد یک‌بارمصرف تأیید کنید.",
        )
    if citizen != intake.mobile:
        raise Forbidden(
            "the complaint's mobile is not the one the citizen proved",
            code="mobile_mismatch",
            message_fa="شماره همراه شکایت با شماره تأییدشده یکسان نیست.",
        )


@router.get(
    "/{tracking_code}",
    response_model=PublicStatus,
    summary="A case's public status (no personal data)",
    description=(
        "The staff's notes (`result_note`, `referral_note`) only with the citizen token of the complaint's mobile. "
        "Without a staff or citizen token, look-ups are limited per address (429 with Retry-After)."
    ),
)
async def complaint_status(
    tracking_code: str,
    request: Request,
    session: SessionDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    engine: EngineDep,
    mobile: OptionalCitizenMobile,
    user: OptionalUser,
) -> PublicStatus:
    if mobile is None and user is None:
        await limit_public_lookup(sessions, settings, client_address(request))
    return await public.lookup(session, tracking_code, engine, mobile=mobile)


@router.post(
    "/{tracking_code}/feedback",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="The citizen's feedback on the result (with the token for the mobile the complaint was filed with)",
    description=(
        "Answers once the feedback is recorded (the case closed, or reopened one level up). A case not awaiting "
        "feedback, or a result already answered, is refused at once with a 409 (`feedback_not_due`) and the reason."
    ),
)
async def give_feedback(
    tracking_code: str,
    body: FeedbackRequest,
    mobile: CitizenMobile,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> Accepted:
    state = await casework.give_feedback(
        tracking_code=tracking_code,
        body=body,
        mobile=mobile,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return Accepted(
        tracking_code=state.tracking_code,
        message="feedback received",
        message_fa="بازخورد شما ثبت شد؛ سپاس‌گزاریم",
    )


@router.post(
    "/{tracking_code}/reply",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="The citizen's answer to a coordinator's question; the case's clock starts again",
    description=(
        "Answers once the answer is recorded and the clock runs again. With no question open (or one already "
        "answered), a 409 (`no_question_open`) with the reason, at once."
    ),
)
async def reply_to_question(
    tracking_code: str,
    body: CitizenReplyRequest,
    mobile: CitizenMobile,
    session: SessionDep,
    engine: EngineDep,
    idempotency_key: ActionKey = None,
) -> Accepted:
    state = await casework.reply_to_question(
        tracking_code=tracking_code,
        answer=body.answer,
        mobile=mobile,
        session=session,
        engine=engine,
        idempotency_key=idempotency_key,
    )
    return Accepted(
        tracking_code=state.tracking_code,
        message="answer received; the case's clock runs again",
        message_fa="پاسخ شما ثبت شد و رسیدگی ادامه می‌یابد",
    )
