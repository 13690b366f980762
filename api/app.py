"""The FastAPI application factory.

Tests build the app and put their own pieces on app.state (sessions, temporal_client, task_queue);
the lifespan only fills in what is missing, so the same app runs under uvicorn and in-process.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.errors import register_error_handlers
from api.routers import actions, audit, auth, calendar, cases, intake, reference, tasks
from foad.db import create_engine, sessionmaker
from foad.settings import Settings, get_settings

API_PREFIX = "/api/v1"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = None
    if app.state.sessions is None:
        engine = create_engine(app.state.settings.database_url)
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
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.sessions = None
    app.state.temporal_client = None
    app.state.temporal_lock = asyncio.Lock()
    app.state.task_queue = settings.temporal_task_queue

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        auth.router, intake.router, cases.router, actions.router, tasks.router, audit.router, reference.router,
        calendar.router,
    ):
        api.include_router(router)
    app.include_router(api)
    register_error_handlers(app)
    return app
