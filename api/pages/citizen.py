"""The citizen's pages (no login): prove the mobile by one-time code, file a complaint, follow it, answer a
coordinator's question, give feedback. The same services as the JSON API: api.auth.otp and api.services (filing,
public, casework); the forms offered are the rule book's answer (workflows/rules.py) on the case's live state."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.auth.otp import OtpRejected, issue_limited, sms_sender, verify_limited
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep, release_connection
from api.edge.errors import ApiError, NotFound, Unauthorized, engine_error
from api.edge.limits import enforce, limit_public_lookup, per_hour
from api.engine import Engine
from api.pages import session as page_session
from api.pages.clocks import Clock, case_clock, task_clock
from api.pages.following import caught_up
from api.pages.forms import (
    INDICATORS,
    FormInvalid,
    file_from_form,
    incident_days,
    intake_from_form,
    load_places,
)
from api.pages.rendering import HOME, error_message_fa, field_errors, field_of, page, redirect, safe_next, staff_user
from api.services import casework, public
from api.services.access_log import client_address, record_citizen_access
from api.services.responses import PublicStatus
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from api.services.written_answer import written_answer_pdf
from database.models import Case, SmsOutbox, Task, Unit
from database.referrals import active_target, list_targets
from schemas.actions import CitizenReplyRequest, FeedbackRequest
from schemas.case import CITIZEN, CaseState
from schemas.citizen import OtpRequest, OtpVerify
from schemas.enums import CaseStatus, ContactKind, IdentityCheck, Step, TaskStatus
from schemas.text import mask_mobile
from workflows.rules import CITIZEN_ACTIONS, CITIZEN_SCOPE, allowed

router = APIRouter(include_in_schema=False)

STEPS = list(Step)
NOTICES_FA = {
    "feedback": "بازخورد شما ثبت شد؛ سپاس‌گزاریم.",
    "reply": "پاسخ شما ثبت شد و رسیدگی ادامه می‌یابد.",
}


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    user = await staff_user(request, session)
    if user is not None:
        return redirect(request, HOME[user.role])
    return page(request, "citizen/home.html")


@router.get("/verify")
async def verify_form(request: Request, next: str = "/complaint") -> Response:
    return page(request, "citizen/verify_mobile.html", next=safe_next(next, "/complaint"), errors={})


@router.post("/verify/send")
async def verify_send(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    form = await page_session.form_with_csrf(request)
    next_url = safe_next(form.get("next"), "/complaint")
    try:
        mobile = OtpRequest(mobile=form.get("mobile", "")).mobile
    except ValidationError as exc:
        return page(request, "citizen/verify_mobile.html", 422, next=next_url, errors=field_errors(exc), form=form)
    await issue_limited(
        sessions=sessions,
        sender=sms_sender(request.app.state, sessions),
        settings=settings,
        mobile=mobile,
        client=client_address(request),
    )
    return page(
        request, "citizen/verify_code.html", next=next_url, mobile=mobile, masked=mask_mobile(mobile), error=None
    )


@router.post("/verify/check")
async def verify_check(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    form = await page_session.form_with_csrf(request)
    next_url = safe_next(form.get("next"), "/complaint")
    mobile = form.get("mobile", "")
    try:
        body = OtpVerify(mobile=mobile, code=form.get("code", ""))
        await verify_limited(
            sessions=sessions,
            settings=settings,
            mobile=body.mobile,
            code=body.code,
            client=client_address(request),
        )
    except (ValidationError, OtpRejected) as exc:
        error = "کد تأیید نادرست یا منقضی است؛ اگر باز نپذیرفت، کد تازه بخواهید."  # one answer for every cause
        if isinstance(exc, ValidationError):
            error = field_errors(exc).get("code", error)
        return page(
            request,
            "citizen/verify_code.html",
            401,
            next=next_url,
            mobile=mobile,
            masked=mask_mobile(mobile),
            error=error,
        )
    page_session.change(request, mobile=body.mobile)
    return redirect(request, next_url)


async def _complaint_form(
    request: Request, session: AsyncSession, status_code: int = 200, **context: object
) -> Response:
    places = await load_places(session)
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return page(
        request,
        "citizen/complaint.html",
        status_code,
        places=places,
        indicators=INDICATORS,
        days=incident_days(),
        idempotency_key=str(uuid.uuid4()),
        referral_targets=await list_targets(session),
        **context,
    )


@router.get("/complaint")
async def complaint_form(request: Request, session: SessionDep) -> Response:
    if page_session.current(request).mobile is None:
        return redirect(request, "/verify?next=/complaint")
    return await _complaint_form(request, session)


@router.post("/complaint")
async def complaint_submit(
    request: Request, session: SessionDep, sessions: SessionsDep, settings: SettingsDep, engine: EngineDep
) -> Response:
    form = await page_session.form_with_csrf(request)
    mobile = page_session.current(request).mobile
    if mobile is None:
        return redirect(request, "/verify?next=/complaint")
    try:
        intake = intake_from_form(form, channel="web", mobile=mobile)
    except FormInvalid as exc:
        return await _complaint_form(request, session, 422, form=form, errors=exc.errors)
    await enforce(sessions, per_hour("intake-client", settings.intake_per_client_per_hour), client_address(request))
    try:
        filed = await file_from_form(
            form,
            intake,
            filed_by=CITIZEN,
            session=session,
            sessions=sessions,
            engine=engine,
            settings=settings,
            identity=IdentityCheck.CITIZEN_OTP,
        )
    except ApiError as exc:
        if exc.status_code != 422:
            raise
        errors = {field_of(exc, "unit_id"): error_message_fa(exc)}
        return await _complaint_form(request, session, 422, form=form, errors=errors)
    receipt = filed.receipt
    target = f"&target={receipt.referral.id}" if receipt.referral else ""
    return redirect(request, f"/complaint/{receipt.tracking_code}/received?contact={intake.contact.value}{target}")


@router.get("/complaint/{tracking_code}/received")
async def complaint_received(
    request: Request, tracking_code: str, session: SessionDep, contact: str = "complaint", target: str | None = None
) -> Response:
    code = normalize_tracking_code(tracking_code)
    if not is_valid_tracking_code(code):
        raise NotFound("no such tracking code", message_fa="کد رهگیری نادرست است.")
    kind = contact if contact in set(ContactKind) else ContactKind.COMPLAINT.value
    referral = await active_target(session, target) if target and kind == ContactKind.OUT_OF_SCOPE else None
    return page(request, "citizen/received.html", tracking_code=code, contact=kind, referral=referral)


@router.get("/track")
async def track_lookup(request: Request, code: str | None = None) -> Response:
    if code:
        normalized = normalize_tracking_code(code)
        if is_valid_tracking_code(normalized):
            return redirect(request, f"/track/{normalized}")
        return page(
            request,
            "citizen/track_lookup.html",
            422,
            code=code,
            error="کد رهگیری نادرست است؛ یازده رقم را دوباره بررسی کنید.",
        )
    return page(request, "citizen/track_lookup.html", code="", error=None)


async def _live_state(engine: Engine, tracking_code: str) -> tuple[CaseState | None, str | None]:
    """The case's live state, which decides the forms offered; without it the page still shows the read model."""
    try:
        return await engine.state(tracking_code), None
    except Exception as exc:
        err = exc if isinstance(exc, ApiError) else engine_error(exc)
        if err is None:
            raise
        return None, err.message_fa


async def _track_page(
    request: Request,
    session: AsyncSession,
    engine: Engine,
    tracking_code: str,
    status_code: int = 200,
    *,
    notice: str | None = None,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    mobile = page_session.current(request).mobile
    if mobile is None and page_session.current(request).user_id is None:
        await limit_public_lookup(request.app.state.sessions, request.app.state.settings, client_address(request))
    status = await public.lookup(session, tracking_code, engine, mobile=mobile)
    case = await session.get(Case, status.tracking_code)
    mine = case is not None and mobile is not None and case.citizen_mobile == mobile
    office = await session.get(Unit, case.office_unit_id) if mine and case is not None else None
    if mine:
        await record_citizen_access(
            session, request, mobile or "", tracking_code=status.tracking_code, what="citizen_case_page"
        )
    state, live_error = None, None
    if mine and not CaseStatus(status.status).is_final:
        await release_connection(session)  # the query waits for a worker: no connection held meanwhile
        state, live_error = await _live_state(engine, status.tracking_code)
    if state is not None:
        # The workflow is ahead of the read model just after an action: the page shows where the case is now
        # (after feedback: closed, not still "awaiting feedback").
        status = public.from_state(state, notes=mine)
    offered = {a.value for a in allowed(state, CITIZEN_SCOPE) & CITIZEN_ACTIONS} if state is not None else set()
    task_time, case_time = await _clocks(session, status)
    return page(
        request,
        "citizen/track.html",
        status_code,
        status=status,
        steps=STEPS,
        case=case if mine else None,
        office=office,
        verified=mobile is not None,
        state=state,
        offered=offered,
        live_error=live_error,
        notice=NOTICES_FA.get(notice or ""),
        error=error,
        errors=errors or {},
        form=form or {},
        task_time=task_time,
        case_time=case_time,
    )


async def _clocks(session: AsyncSession, status: PublicStatus) -> tuple[Clock | None, Clock]:
    """The case's deadline, and while a unit handles it, the time before it moves up a level (public facts)."""
    now = datetime.now(UTC)
    case_time = case_clock(
        status=status.status,
        due_at=status.due_at,
        breached=status.breached,
        paused=status.paused,
        result_approved=status.result_note is not None,
        audience="citizen",
        now=now,
    )
    task_time = None
    if status.status is CaseStatus.IN_HANDLING:
        task = await session.scalar(
            select(Task).where(Task.tracking_code == status.tracking_code, Task.status == TaskStatus.OPEN.value)
        )
        if task is not None:
            task_time = task_clock(
                kind=task.kind,
                status=task.status,
                due_at=task.due_at,
                paused=status.paused,
                audience="citizen",
                now=now,
            )
    return task_time, case_time


@router.get("/track/{tracking_code}")
async def track(
    request: Request, tracking_code: str, session: SessionDep, engine: EngineDep, notice: str | None = None
) -> Response:
    return await _track_page(request, session, engine, tracking_code, notice=notice)


def _verified_mobile(request: Request) -> str:
    mobile = page_session.current(request).mobile
    if mobile is None:
        raise Unauthorized(
            "verify the mobile first",
            code="citizen_token_required",
            message_fa="ابتدا شماره همراه خود را با کد یک‌بارمصرف تأیید کنید.",
        )
    return mobile


async def _refused_on_page(
    request: Request, session: AsyncSession, engine: Engine, tracking_code: str, exc: Exception
) -> Response:
    """A refused answer (409) or an engine that did not answer (503): the citizen stays on the case's page, with
    the reason above it, and may send again (the same answer is the same action)."""
    err = exc if isinstance(exc, ApiError) else engine_error(exc)
    if err is None or err.status_code not in (409, 503):
        raise exc
    response = await _track_page(request, session, engine, tracking_code, err.status_code, error=error_message_fa(err))
    response.headers.update({k: v for k, v in (err.headers or {}).items() if k.lower() == "retry-after"})
    return response


@router.post("/track/{tracking_code}/feedback")
async def track_feedback(
    request: Request, tracking_code: str, session: SessionDep, sessions: SessionsDep, engine: EngineDep
) -> Response:
    form = await page_session.form_with_csrf(request)
    mobile = _verified_mobile(request)
    satisfied = {"yes": True, "no": False}.get(form.get("satisfied", ""))
    try:
        body = FeedbackRequest(satisfied=satisfied, rating=form.get("rating", ""), comment=form.get("comment") or None)
    except ValidationError as exc:
        return await _track_page(request, session, engine, tracking_code, 422, errors=field_errors(exc), form=form)
    try:
        state = await casework.give_feedback(
            tracking_code=tracking_code, body=body, mobile=mobile, session=session, engine=engine
        )
    except Exception as exc:  # noqa: BLE001 - Temporal's own errors are mapped, anything else raised again
        return await _refused_on_page(request, session, engine, tracking_code, exc)
    await release_connection(session)
    await caught_up(sessions, state)  # the page after it shows the case closed, its timeline included
    return redirect(request, f"/track/{state.tracking_code}?notice=feedback")


@router.post("/track/{tracking_code}/reply")
async def track_reply(
    request: Request, tracking_code: str, session: SessionDep, sessions: SessionsDep, engine: EngineDep
) -> Response:
    form = await page_session.form_with_csrf(request)
    mobile = _verified_mobile(request)
    try:
        body = CitizenReplyRequest(answer=form.get("answer", ""))
    except ValidationError as exc:
        return await _track_page(request, session, engine, tracking_code, 422, errors=field_errors(exc), form=form)
    try:
        state = await casework.reply_to_question(
            tracking_code=tracking_code, answer=body.answer, mobile=mobile, session=session, engine=engine
        )
    except Exception as exc:  # noqa: BLE001 - Temporal's own errors are mapped, anything else raised again
        return await _refused_on_page(request, session, engine, tracking_code, exc)
    await release_connection(session)
    await caught_up(sessions, state)
    return redirect(request, f"/track/{state.tracking_code}?notice=reply")


@router.get("/track/{tracking_code}/written-answer.pdf")
async def track_written_answer(request: Request, tracking_code: str, session: SessionDep) -> Response:
    """The printable written answer, for the mobile verified on this browser (else a Persian 401 page)."""
    mobile = _verified_mobile(request)
    return await written_answer_pdf(session, request, tracking_code=tracking_code, mobile=mobile)


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@router.get("/dev/outbox")
async def dev_outbox(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Development only, and only from this machine (loopback): the SMS a real gateway would send, one-time
    codes included, for a tester to read."""
    if settings.environment != "development" or client_address(request) not in LOOPBACK:
        raise NotFound("not found", message_fa="صفحه یا موردی که خواستید پیدا نشد.")
    messages = list(await session.scalars(select(SmsOutbox).order_by(SmsOutbox.id.desc()).limit(50)))
    return page(request, "citizen/outbox.html", messages=messages)
