"""The FastAPI application factory.

Tests build the app and put their own pieces on app.state (sessions, temporal_client, task_queue);
the lifespan only fills in what is missing, so the same app runs under uvicorn and in-process.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from api.edge import telemetry
from api.edge.bodylimit import BodySizeLimit
from api.edge.docs import mount_docs
from api.edge.errors import register_error_handlers
from api.edge.headers import SecurityHeaders
from api.edge.nostore import NoStore
from api.open311.router import router as open311_router
from api.pages import mount_pages
from api.routers import (
    access_log,
    actions,
    audit,
    auth,
    cases,
    citizen,
    claims,
    codec,
    evaluation,
    health,
    hotspots,
    intake,
    metrics,
    notifications,
    office_calendar,
    reference,
    reports,
    sms_inbound,
    tasks,
    triage,
    users,
)
from database.sessions import engine_for, sessionmaker
from infra.settings import Settings, get_settings

API_PREFIX = "/api/v1"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = None
    if app.state.sessions is None:
        settings: Settings = app.state.settings
        engine = engine_for(settings)
        app.state.sessions = sessionmaker(engine)
    try:
        yield  # the Temporal client connects on first need (api.engine.temporal_client)
    finally:
        if engine is not None:
            await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="FOAD 128 API",
        summary="فوریت‌های اداری ۱۲۸ — administrative-emergency complaints, each a durable Temporal workflow",
        version="1.0.0",
        lifespan=_lifespan,
        docs_url=None,  # api.edge.docs serves it from local files, under the strict CSP
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(telemetry.bind_case_from_path)],  # log lines of a case's request name the case
        telemetry=telemetry.fastapi_telemetry(settings),  # server spans when FOAD_TRACING is on
    )
    app.state.settings = settings
    app.state.sessions = None
    app.state.temporal_client = None
    app.state.temporal_lock = asyncio.Lock()
    app.state.task_queue = settings.temporal_task_queue

    api = APIRouter(prefix=API_PREFIX)
    routers = (
        auth,
        intake,
        citizen,
        cases,
        actions,
        tasks,
        audit,
        access_log,
        reference,
        users,
        reports,
        hotspots,
        office_calendar,
        claims,
        notifications,
        sms_inbound,
        triage,
        evaluation,
    )
    for module in routers:
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)  # /healthz, /readyz
    app.include_router(metrics.router)  # /metrics
    app.include_router(open311_router)  # /open311/v2: GeoReport v2 for civic-tech clients
    codec.install(app)  # /codec: the Temporal UI's remote codec, for auditors
    mount_docs(app)
    mount_pages(app)
    register_error_handlers(app)
    # Added last, so outermost of ours: the size limit refuses before anything reads the body, and every
    # response carries the headers (Starlette's last-resort 500 gets them from api.edge.errors).
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # pages and JSON, for a citizen on a slow phone line
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, hsts_always=settings.environment == "production")
    app.add_middleware(NoStore)  # personal data is never cached (a response's own Cache-Control wins)
    telemetry.install(app, settings)  # outermost: request metrics, and the case a log line is about
    return app
