"""The citizen proves a mobile number with a one-time code, then sees its own cases."""

from fastapi import APIRouter, Request, status
from sqlalchemy import select
from starlette.responses import Response

from api.auth.otp import OtpRejected, issue_limited, sms_sender, verify_limited
from api.auth.tokens import create_citizen_token
from api.deps import CitizenMobile, SessionDep, SessionsDep, SettingsDep
from api.edge.errors import Forbidden, Unauthorized
from api.services.access_log import client_address, record_citizen_access
from api.services.readmodel import get_case
from api.services.written_answer import written_answer_pdf
from database.models import Case, Unit
from schemas.citizen import CitizenToken, MyCase, MyCaseDetail, OtpRequest, OtpSent, OtpVerify
from schemas.enums import CaseStatus, Indicator, Step
from schemas.text import mask_mobile
from timekeeping.persian import persian_digits

router = APIRouter(prefix="/citizen", tags=["citizen"])


@router.post(
    "/otp",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OtpSent,
    summary="Send a one-time code to a mobile number by SMS",
)
async def request_code(body: OtpRequest, request: Request, sessions: SessionsDep, settings: SettingsDep) -> OtpSent:
    lifetime = await issue_limited(
        sessions=sessions,
        sender=sms_sender(request.app.state, sessions),
        settings=settings,
        mobile=body.mobile,
        client=client_address(request),
    )
    return OtpSent(
        expires_in=int(lifetime.total_seconds()),
        message_fa=f"کد تأیید به شماره {persian_digits(mask_mobile(body.mobile))} پیامک شد.",
    )


OTP_REJECTED_FA = "کد تأیید نادرست یا منقضی است؛ اگر باز نپذیرفت، کد تازه بخواهید."


@router.post("/otp/verify", response_model=CitizenToken, summary="Trade the one-time code for a citizen token")
async def verify(body: OtpVerify, request: Request, sessions: SessionsDep, settings: SettingsDep) -> CitizenToken:
    try:
        await verify_limited(
            sessions=sessions, settings=settings, mobile=body.mobile, code=body.code, client=client_address(request)
        )
    except OtpRejected as exc:
        raise Unauthorized(
            exc.reason,
            code="otp_invalid",
            message_fa=OTP_REJECTED_FA,
        ) from None
    token, lifetime = create_citizen_token(mobile=body.mobile, settings=settings)
    return CitizenToken(access_token=token, expires_in=lifetime)


async def _office_names(session: SessionDep, cases: list[Case]) -> dict[str, str]:
    ids = {c.office_unit_id for c in cases}
    if not ids:
        return {}
    rows = await session.execute(select(Unit.id, Unit.name_fa).where(Unit.id.in_(ids)))
    return {unit_id: name for unit_id, name in rows}


def _mine(case: Case, office_name_fa: str) -> dict:
    return dict(
        tracking_code=case.tracking_code,
        status=CaseStatus(case.status),
        status_fa=CaseStatus(case.status).label_fa,
        step=Step(case.step),
        indicator=Indicator(case.indicator),
        indicator_fa=Indicator(case.indicator).label_fa,
        office_name_fa=office_name_fa,
        registered_at=case.registered_at,
        due_at=case.due_at,
    )


@router.get("/cases", response_model=list[MyCase], summary="The complaints filed with the proved mobile number")
async def my_cases(mobile: CitizenMobile, session: SessionDep) -> list[MyCase]:
    cases = list(
        await session.scalars(select(Case).where(Case.citizen_mobile == mobile).order_by(Case.registered_at.desc()))
    )
    names = await _office_names(session, cases)
    return [MyCase(**_mine(c, names.get(c.office_unit_id, ""))) for c in cases]


@router.get("/cases/{tracking_code}", response_model=MyCaseDetail, summary="One of the citizen's own complaints")
async def my_case(tracking_code: str, mobile: CitizenMobile, session: SessionDep, request: Request) -> MyCaseDetail:
    case = await get_case(session, tracking_code)
    if case.citizen_mobile != mobile:
        raise Forbidden(
            "this complaint was filed with another mobile number",
            code="not_your_case",
            message_fa="این شکایت با شماره همراه دیگری ثبت شده است.",
        )
    names = await _office_names(session, [case])
    await record_citizen_access(session, request, mobile, tracking_code=case.tracking_code, what="citizen_case")
    return MyCaseDetail(
        **_mine(case, names.get(case.office_unit_id, "")),
        full_name=case.citizen_name,
        description=case.description,
        incident_at=case.incident_at,
        result_note=case.result_note if case.result_approved_at else None,
        feedback_due=case.status == CaseStatus.AWAITING_FEEDBACK.value,
    )


@router.get(
    "/cases/{tracking_code}/written-answer",
    summary="The written answer as a printable Persian PDF (once the result is approved, or the case referred)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def my_written_answer(
    tracking_code: str, mobile: CitizenMobile, session: SessionDep, request: Request
) -> Response:
    return await written_answer_pdf(session, request, tracking_code=tracking_code, mobile=mobile)
