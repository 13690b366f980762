"""The GeoReport v2 resources. Errors of every kind leave here as the spec's error list (Open311Route)."""

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import EngineDep, OptionalCitizenMobile, SessionDep, SessionsDep, SettingsDep
from api.edge.errors import ApiError, NotFound, engine_error
from api.edge.limits import limit_public_lookup
from api.engine import Engine
from api.open311 import intake as open311_intake
from api.open311 import requests_view, services
from api.open311.formats import FORMATS, Open311Error, error_response, render
from api.services.access_log import client_address
from api.services.filing import file_complaint
from api.services.identity import open311_identity
from api.services.tracking import is_valid_tracking_code, normalize_tracking_code
from database.models import Case, IntakeKey
from database.open311_clients import client_for_key
from schemas.case import Actor
from schemas.enums import Indicator, Role
from timekeeping.persian import persian_digits, when_fa
from workflows.visibility import SearchAttributes


class Open311Route(APIRoute):
    """Renders any failure in the endpoint as GeoReport v2's error list, in the format the path asked for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            fmt = request.path_params.get("fmt", "json")
            try:
                if fmt not in FORMATS:
                    raise Open311Error(f"unknown format .{fmt}; use .xml or .json", status_code=404)
                return await handler(request)
            except ApiError as err:
                status, lines = open311_intake.spec_errors(err)
                return error_response(fmt, status, lines, err.headers)
            except StarletteHTTPException as exc:
                return error_response(fmt, exc.status_code, [str(exc.detail)])
            except Exception as exc:
                err = engine_error(exc)
                if err is None:
                    raise
                return error_response(fmt, err.status_code, [err.message], err.headers)

        return route


router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], route_class=Open311Route)


@router.get("/services.{fmt}", summary="The eight indicators as services")
async def service_list(fmt: str) -> Response:
    return render(fmt, services.services(), root="services", item="service")


@router.get("/services/{service_code}.{fmt}", summary="A service's definition: the attributes FOAD needs")
async def service_definition(service_code: str, fmt: str, session: SessionDep) -> Response:
    indicator = services.indicator_for(service_code)
    if indicator is None:
        raise Open311Error(f"service_code {service_code}: no such service", status_code=404)
    definition = await services.definition(session, indicator)
    return render(fmt, definition, root="service_definition", item_tags={"attributes": "attribute", "values": "value"})


@router.post("/requests.{fmt}", status_code=201, summary="File a complaint (form-encoded, api_key required)")
async def create_request(
    fmt: str,
    request: Request,
    session: SessionDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    engine: EngineDep,
    citizen: OptionalCitizenMobile,
) -> Response:
    form = await request.form()
    api_key = form.get("api_key") or request.query_params.get("api_key")  # some clients put it in the URL
    client = await client_for_key(session, api_key) if isinstance(api_key, str) and api_key else None
    if client is None:
        raise Open311Error("api_key: missing or not valid for any registered client app", status_code=403)
    complaint = open311_intake.intake_from_form(form)
    identity = open311_identity(verified_app=client.verified_identity, citizen_mobile=citizen, intake=complaint)
    filed = await file_complaint(
        session=session,
        sessions=sessions,
        engine=engine,
        intake=complaint,
        idempotency_key=open311_intake.idempotency_key(client.id, request.headers.get("Idempotency-Key"), complaint),
        filed_by=Actor(username=_filed_by(client.id), role=Role.CITIZEN, full_name=client.name),
        policy=settings.policy(),
        identity=identity,
        client_app=client.id,
    )
    receipt = filed.receipt
    notice = (
        f"شکایت شما ثبت شد. کد رهگیری: {persian_digits(receipt.tracking_code)}. "
        f"نتیجه حداکثر تا {when_fa(receipt.due_at, now=datetime.now(UTC))} اعلام می‌شود."
    )
    record = {"service_request_id": receipt.tracking_code, "service_notice": notice, "account_id": None}
    headers = {"Idempotent-Replayed": "true"} if filed.replayed else None
    return render(fmt, [record], root="service_requests", item="request", status_code=201, headers=headers)


def _filed_by(client_id: str) -> str:
    """The `filed_by` of a case an app filed (the Actor's username in create_request)."""
    return f"open311:{client_id}"


async def _client_from_query(request: Request, session: AsyncSession):
    api_key = request.query_params.get("api_key")
    client = await client_for_key(session, api_key) if api_key else None
    if client is None:
        raise Open311Error("api_key: missing or not valid for any registered client app", status_code=403)
    return client


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="One service request's status (by its id, which the filer holds; limited per address)",
)
async def get_request(
    service_request_id: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    engine: EngineDep,
) -> Response:
    await limit_public_lookup(sessions, settings, client_address(request))
    code = normalize_tracking_code(service_request_id)
    case = await session.get(Case, code) if is_valid_tracking_code(code) else None
    if case is not None:
        [view] = await requests_view.views_of(session, [case])
    else:
        view = await _unprojected(session, engine, code)
    return render(fmt, [requests_view.as_request(view)], root="service_requests", item="request")


async def _unprojected(session: AsyncSession, engine: Engine, code: str) -> requests_view.RequestView:
    """Filed a moment ago and not projected yet: only the workflow knows it."""
    known = is_valid_tracking_code(code) and await session.scalar(
        select(IntakeKey.key).where(IntakeKey.tracking_code == code)
    )
    if not known:
        raise NotFound(f"service_request_id {code}: no such request")
    state = await engine.state(code)
    described = await engine.describe(code)
    indicator = Indicator(described.typed_search_attributes.get(SearchAttributes.INDICATOR) or 0)
    return await requests_view.view_of_state(session, state, indicator)


@router.get(
    "/requests.{fmt}",
    summary="The app's own service requests (api_key required): by ids, or by service, status and a 90-day window",
    description=(
        "A service_request_id is the complaint's tracking code, which opens its public status: so the list wants "
        "the `api_key` of a registered app and holds only the requests that app filed."
    ),
)
async def list_requests(
    fmt: str,
    request: Request,
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
) -> Response:
    client = await _client_from_query(request, session)
    cases = await requests_view.search(
        session,
        filed_by=_filed_by(client.id),
        service_request_id=service_request_id,
        service_code=service_code,
        status=status,
        start_date=start_date,
        end_date=end_date,
        now=datetime.now(UTC),
    )
    views = await requests_view.views_of(session, cases)
    return render(fmt, [requests_view.as_request(v) for v in views], root="service_requests", item="request")
