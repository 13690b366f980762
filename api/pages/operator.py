"""The 128 call centre's intake: a keyboard-first form for a caller on the phone, and the tracking code
to read back. Filing goes through api.services.filing, as for the JSON API."""

import uuid

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.auth.otp import issue_limited, sms_sender
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep, StaffUser
from api.edge.errors import ApiError, NotFound
from api.pages import session as page_session
from api.pages.forms import INDICATORS, file_from_form, incident_days, intake_fields, load_places, page_key
from api.pages.rendering import error_message_fa, field_errors, field_of, page, redirect, require_staff
from api.services.access_log import client_address
from api.services.identity import operator_identity
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case
from database.referrals import list_targets
from schemas.enums import Role
from schemas.intake import ComplaintIntake
from schemas.text import MobileNumber

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
        intake = ComplaintIntake(**intake_fields(form, channel="phone"), caller_code=form.get("caller_code") or None)
    except ValidationError as exc:
        return await _intake_form(request, session, user, 422, form=form, errors=field_errors(exc))
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
