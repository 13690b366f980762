"""The 128 call centre's intake: a keyboard-first form for a caller on the phone, and the tracking code
to read back. Filing goes through api.services.filing, as for the JSON API.

And a caller without a smartphone: once the caller reads back a one-time code sent to the case's own mobile
(api.auth.otp), the operator sees that caller's cases and records the caller's feedback (api.services.casework,
the same give_feedback as the tracking page)."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.auth.otp import OtpRejected, issue_limited, send_code, sms_sender, verify_code
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep, StaffUser, release_connection
from api.edge.errors import ApiError, Forbidden, NotFound, engine_error
from api.edge.limits import enforce, per_hour
from api.pages import session as page_session
from api.pages.forms import (
    INDICATORS,
    FormInvalid,
    file_from_form,
    incident_days,
    intake_from_form,
    load_places,
    page_key,
)
from api.pages.rendering import error_message_fa, field_errors, field_of, page, redirect, require_staff
from api.services import casework
from api.services.access_log import client_address, record_staff_access
from api.services.identity import operator_identity
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case, Unit
from database.referrals import list_targets
from infra.settings import Settings
from schemas.actions import FeedbackRequest
from schemas.citizen import OtpRequest, OtpVerify
from schemas.enums import CaseStatus, Role
from schemas.text import MobileNumber, mask_mobile

router = APIRouter(include_in_schema=False)

INTAKE_ROLES = (Role.OPERATOR, Role.ADMIN)


RECENT_FILINGS = 15


async def _intake_form(
    request: Request, session: AsyncSession, user: StaffUser, status_code: int = 200, **context: object
) -> Response:
    """The form, and below it the operator's own latest filings: a caller who rings back can be told where
    their case stands (an operator sees only the cases it filed, api.auth.access)."""
    places = await load_places(session)
    filings = list(
        await session.scalars(
            select(Case).where(Case.filed_by == user.username).order_by(Case.registered_at.desc()).limit(RECENT_FILINGS)
        )
    )
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return page(
        request,
        "staff/intake.html",
        status_code,
        user=user,
        places=places,
        indicators=INDICATORS,
        days=incident_days(),
        idempotency_key=str(uuid.uuid4()),
        filings=filings,
        referral_targets=await list_targets(session),
        **context,
    )


@router.get("/operator/intake")
async def intake_form(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    return await _intake_form(request, session, user)


@router.post("/operator/intake")
async def intake_submit(
    request: Request, session: SessionDep, sessions: SessionsDep, settings: SettingsDep, engine: EngineDep
) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    form = await page_session.form_with_csrf(request)
    try:
        intake = intake_from_form(form, channel="phone", caller_code=form.get("caller_code") or None)
    except FormInvalid as exc:
        return await _intake_form(request, session, user, 422, form=form, errors=exc.errors)
    try:
        identity = await operator_identity(
            sessions=sessions, settings=settings, intake=intake, key=page_key(form), client=client_address(request)
        )
        filed = await file_from_form(
            form,
            intake,
            filed_by=user.actor,
            session=session,
            sessions=sessions,
            engine=engine,
            settings=settings,
            identity=identity,
        )
    except ApiError as exc:
        if exc.status_code != 422:
            raise
        errors = {field_of(exc, "unit_id"): error_message_fa(exc)}
        return await _intake_form(request, session, user, 422, form=form, errors=errors)
    return redirect(request, f"/operator/filed/{filed.receipt.tracking_code}")


@router.post("/operator/intake/send-code")
async def intake_send_code(
    request: Request, session: SessionDep, sessions: SessionsDep, settings: SettingsDep
) -> Response:
    """Sends the caller's mobile a one-time code for the caller to read back; the form keeps what was typed."""
    user = await require_staff(request, session, *INTAKE_ROLES)
    form = await page_session.form_with_csrf(request)
    try:
        mobile = TypeAdapter(MobileNumber).validate_python(form.get("mobile", ""))
    except ValidationError:
        errors = {"mobile": "شماره همراه را درست وارد کنید (۰۹xxxxxxxxx) تا کد فرستاده شود"}
        return await _intake_form(request, session, user, 422, form=form, errors=errors)
    sender = sms_sender(request.app.state, sessions)
    await issue_limited(
        sessions=sessions, sender=sender, settings=settings, mobile=mobile, client=client_address(request)
    )
    return await _intake_form(request, session, user, form=form, code_sent=mobile)


@router.get("/operator/filed/{tracking_code}")
async def filed(request: Request, tracking_code: str, session: SessionDep) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    code = normalize_tracking_code(tracking_code)
    if not is_valid_tracking_code(code):
        raise NotFound("no such tracking code", message_fa="کد رهگیری نادرست است.")
    groups = [code[:3], code[3:6], code[6:9], code[9:]]
    return page(request, "staff/filed.html", user=user, tracking_code=code, groups=groups)


# --- A caller's feedback and cases, once the caller has read back a code sent to the case's own mobile ----------

# How long the proof lasts after the code was read back: one call.
CALLER_PROOF = timedelta(minutes=15)
CALLER_PROOF_TYP = "caller-proof"
NOT_PROVED_FA = "کد یک‌بارمصرف تماس‌گیرنده اثبات نشده یا اعتبار آن گذشته است؛ دوباره کد بفرستید."


def _caller_proof(user: StaffUser, mobile: str, settings: Settings) -> str:
    """A signed proof, for this operator alone and for a few minutes, that the caller holds `mobile`."""
    now = datetime.now(UTC)
    claims = {"typ": CALLER_PROOF_TYP, "uid": user.id, "mob": mobile, "iat": now, "exp": now + CALLER_PROOF}
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


def _proved_mobile(token: str, user: StaffUser, settings: Settings) -> str:
    """The mobile the caller proved to this operator; a Persian 403 without a valid proof."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"], options={"require": ["exp", "typ"]})
    except jwt.PyJWTError:
        claims = {}
    if claims.get("typ") != CALLER_PROOF_TYP or claims.get("uid") != user.id or not isinstance(claims.get("mob"), str):
        raise Forbidden(
            "the caller has not proved the mobile by one-time code", code="caller_not_proved", message_fa=NOT_PROVED_FA
        )
    return claims["mob"]


async def _caller_lookup(session: AsyncSession, form: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """The mobile to send the code to: the case's own (by tracking code), or a mobile some case was filed with."""
    code = normalize_tracking_code(form.get("tracking_code", ""))
    raw_mobile = form.get("mobile", "").strip()
    if code:
        case = await session.get(Case, code) if is_valid_tracking_code(code) else None
        if case is None:
            return None, {"tracking_code": "شکایتی با این کد رهگیری نیست."}
        return case.citizen_mobile, {}
    if raw_mobile:
        try:
            mobile = OtpRequest(mobile=raw_mobile).mobile
        except ValidationError as exc:
            return None, field_errors(exc)
        if await session.scalar(select(Case.tracking_code).where(Case.citizen_mobile == mobile).limit(1)) is None:
            return None, {"mobile": "شکایتی با این شماره همراه ثبت نشده است."}
        return mobile, {}
    return None, {"tracking_code": "کد رهگیری یا شماره همراه تماس‌گیرنده را بنویسید."}


async def _caller_cases(
    request: Request,
    session: AsyncSession,
    user: StaffUser,
    mobile: str,
    settings: Settings,
    status_code: int = 200,
    **context: object,
) -> Response:
    """The caller's cases (only what the tracking page shows the citizen), with a feedback form on those waiting."""
    cases = list(
        await session.scalars(select(Case).where(Case.citizen_mobile == mobile).order_by(Case.registered_at.desc()))
    )
    for case in cases:
        await record_staff_access(session, request, user, tracking_code=case.tracking_code, what="caller_cases")
    units = await _office_names(session, {c.office_unit_id for c in cases})
    context.setdefault("errors", {})
    context.setdefault("target", None)
    return page(
        request,
        "staff/caller.html",
        status_code,
        user=user,
        step="proved",
        cases=cases,
        offices=units,
        masked=mask_mobile(mobile),
        proof=_caller_proof(user, mobile, settings),
        awaiting=CaseStatus.AWAITING_FEEDBACK.value,
        **context,
    )


async def _office_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict((await session.execute(select(Unit.id, Unit.name_fa).where(Unit.id.in_(ids)))).all())


@router.get("/operator/caller")
async def caller_form(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    return page(request, "staff/caller.html", user=user, step="ask", form={}, errors={})


@router.post("/operator/caller/code")
async def caller_send_code(
    request: Request, session: SessionDep, sessions: SessionsDep, settings: SettingsDep
) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    form = await page_session.form_with_csrf(request)
    mobile, errors = await _caller_lookup(session, form)
    if mobile is None:
        return page(request, "staff/caller.html", 422, user=user, step="ask", form=form, errors=errors)
    await release_connection(session)
    # The per-mobile limit is the citizen's own; an operator's is counted apart from the call centre's address.
    await enforce(sessions, per_hour("otp-request-mobile", settings.otp_per_mobile_per_hour), mobile)
    await enforce(sessions, per_hour("otp-request-operator", settings.otp_per_client_per_hour), user.username)
    await send_code(
        sessions=sessions,
        sender=sms_sender(request.app.state, sessions),
        settings=settings,
        mobile=mobile,
        client=f"operator:{user.username}",
    )
    return page(
        request,
        "staff/caller.html",
        user=user,
        step="verify",
        form=form,
        masked=mask_mobile(mobile),
        error=None,
    )


@router.post("/operator/caller/verify")
async def caller_verify(
    request: Request, session: SessionDep, sessions: SessionsDep, settings: SettingsDep
) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    form = await page_session.form_with_csrf(request)
    mobile, errors = await _caller_lookup(session, form)
    if mobile is None:
        return page(request, "staff/caller.html", 422, user=user, step="ask", form=form, errors=errors)
    try:
        code = OtpVerify(mobile=mobile, code=form.get("code", "")).code
        await enforce(sessions, per_hour("otp-verify-mobile", settings.otp_verify_per_mobile_per_hour), mobile)
        await verify_code(sessions=sessions, settings=settings, mobile=mobile, code=code)
    except (ValidationError, OtpRejected):
        error = "کد نادرست یا منقضی است؛ اگر باز نپذیرفت، کد تازه بفرستید."  # one answer for every cause
        return page(
            request,
            "staff/caller.html",
            401,
            user=user,
            step="verify",
            form=form,
            masked=mask_mobile(mobile),
            error=error,
        )
    return await _caller_cases(request, session, user, mobile, settings)


@router.post("/operator/caller/feedback")
async def caller_feedback(request: Request, session: SessionDep, settings: SettingsDep, engine: EngineDep) -> Response:
    user = await require_staff(request, session, *INTAKE_ROLES)
    form = await page_session.form_with_csrf(request)
    mobile = _proved_mobile(form.get("proof", ""), user, settings)
    tracking_code = normalize_tracking_code(form.get("tracking_code", ""))
    satisfied = {"yes": True, "no": False}.get(form.get("satisfied", ""))
    try:
        body = FeedbackRequest(satisfied=satisfied, rating=form.get("rating", ""), comment=form.get("comment") or None)
    except ValidationError as exc:
        return await _caller_cases(
            request, session, user, mobile, settings, 422, errors=field_errors(exc), form=form, target=tracking_code
        )
    try:
        await casework.give_feedback(
            tracking_code=tracking_code, body=body, mobile=mobile, session=session, engine=engine
        )
    except Exception as exc:
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None or err.status_code not in (403, 404, 409, 503):
            raise
        return await _caller_cases(
            request, session, user, mobile, settings, err.status_code, error=error_message_fa(err), form=form
        )
    return await _caller_cases(
        request, session, user, mobile, settings, notice=f"بازخورد تماس‌گیرنده برای شکایت {tracking_code} ثبت شد."
    )
