"""The SMS gateway's receive callbacks: a citizen's message to the line (api.services.sms_replies says what it does).

Both are authenticated by the shared secret FOAD_SMS_INBOUND_SECRET, sent as `Authorization: Bearer <secret>` or
as the `secret` query parameter (Kavenegar calls the URL set in its panel, so the secret goes in that URL). A
wrong or missing secret is a 401 and changes nothing; with the setting unset the callbacks answer 404.
"""

import hmac

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from api.auth.otp import sms_sender
from api.deps import EngineDep, SessionDep, SessionsDep, SettingsDep
from api.edge.errors import NotFound, Unauthorized
from api.services import sms_replies
from infra.settings import Settings
from sms.inbound import InboundSms, parse

router = APIRouter(prefix="/sms/inbound", tags=["SMS gateway callbacks"])


class InboundResult(BaseModel):
    outcome: str
    message: str
    message_fa: str
    tracking_code: str | None = None


def _authenticate(request: Request, settings: Settings) -> None:
    expected = settings.sms_inbound_secret
    if expected is None:
        raise NotFound("the inbound SMS callback is off (FOAD_SMS_INBOUND_SECRET is unset)")
    header = request.headers.get("Authorization", "")
    given = header[len("Bearer ") :] if header.startswith("Bearer ") else request.query_params.get("secret", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "wrong or missing shared secret",
            code="bad_inbound_secret",
            message_fa="رمز مشترک درگاه پیامک نادرست است.",
        )


async def _params(request: Request) -> dict[str, object]:
    params: dict[str, object] = {k: v for k, v in request.query_params.items() if k != "secret"}
    if request.method == "POST":
        if request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise RequestValidationError(
                    [{"loc": ("body",), "msg": "the body is not a JSON object", "type": "json_invalid"}]
                )
            params |= body
        else:
            params |= dict((await request.form()).items())
    return params


def _message(gateway: str, params: dict[str, object]) -> InboundSms:
    try:
        return parse(gateway, params)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        ) from None


async def _receive(
    gateway: str,
    request: Request,
    session: SessionDep,
    sessions: SessionsDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> InboundResult:
    _authenticate(request, settings)
    message = _message(gateway, await _params(request))
    outcome = await sms_replies.take(
        message,
        session=session,
        sessions=sessions,
        engine=engine,
        sender=sms_sender(request.app.state, sessions),
        settings=settings,
    )
    return InboundResult(**outcome.__dict__)


@router.post(
    "/kavenegar",
    response_model=InboundResult,
    summary="Kavenegar's receive callback, POSTed: from, to, message, messageid (form)",
)
async def kavenegar_post(
    request: Request, session: SessionDep, sessions: SessionsDep, engine: EngineDep, settings: SettingsDep
) -> InboundResult:
    return await _receive("kavenegar", request, session, sessions, engine, settings)


@router.get(
    "/kavenegar",
    response_model=InboundResult,
    summary="Kavenegar's receive callback, as a GET: from, to, message, messageid (query string)",
)
async def kavenegar_get(
    request: Request, session: SessionDep, sessions: SessionsDep, engine: EngineDep, settings: SettingsDep
) -> InboundResult:
    return await _receive("kavenegar", request, session, sessions, engine, settings)


@router.post(
    "/generic",
    response_model=InboundResult,
    summary="The generic gateway's receive callback: from, text, message_id (JSON or form)",
)
async def generic(
    request: Request, session: SessionDep, sessions: SessionsDep, engine: EngineDep, settings: SettingsDep
) -> InboundResult:
    return await _receive("generic", request, session, sessions, engine, settings)
