"""Open311 tests' plumbing: the API served over real HTTP (uvicorn, in the test's event loop) so that
`georeport`, a synchronous Open311 client from PyPI, can talk to it from a thread."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
import uvicorn
from georeport import GeoReport

from database.open311_clients import register
from tests.apiutil import FULL_NAME, MOBILE, NATIONAL_CODE, OFFICE, make_app

T = TypeVar("T")

API_KEY = "test-open311-key-0123456789"
DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و جایگزینی هم نداشت"


def form(**overrides: Any) -> dict[str, str]:
    """An Open311 POST as a client app sends it (first/last name, phone, attributes)."""
    first, last = FULL_NAME.split(" ", 1)
    body = {
        "api_key": API_KEY,
        "service_code": "7",
        "attribute[unit_id]": OFFICE,
        "attribute[national_code]": NATIONAL_CODE,
        "attribute[incident_at]": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="seconds"),
        "first_name": first,
        "last_name": last,
        "phone": MOBILE,
        "description": DESCRIPTION,
    }
    return {k: v for k, v in (body | overrides).items() if v is not None}


async def serve(app) -> tuple[uvicorn.Server, asyncio.Task, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{sock.getsockname()[1]}/open311/v2"


@pytest.fixture
async def open311(temporal_env, seeded, task_queue, worker) -> AsyncIterator[str]:
    """The root address of the Open311 endpoint, on the real test server with a worker, one client app registered."""
    await register(seeded, "test-app", "برنامه آزمایشی", api_key=API_KEY)
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    server, task, url = await serve(app)
    yield url
    server.should_exit = True
    await task


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a blocking client call in a thread, so the server in this event loop can answer it."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def client(url: str, fmt: str) -> GeoReport:
    return GeoReport(url, api_key=API_KEY, output_format=fmt)
