"""Helpers for the tests of the app in process (its fixtures `api`, `worker` and `cases_terminated` are in
tests/fixtures/app.py): the app itself, an HTTP client of it, a staff token, the case's steps over HTTP, and the
app served on a real port."""

import asyncio
import base64
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.auth.tokens import create_citizen_token
from database.models import Case
from infra.settings import Settings
from tests.factories import MOBILE, PASSWORD, complaint
from tests.polling import eventually_async

# What production refuses to start without: a real secret and payload keys of its own.
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "secret_key": "a-real-production-secret-0123456789abcdef",
    "payload_keys": "prod:" + base64.b64encode(b"k" * 32).decode(),
    "payload_key_id": "prod",
}


def api_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"temporal_rpc_timeout_seconds": 3.0, "environment": "test"}
    return Settings(**(values | overrides))


def make_app(*, sessions, client=None, task_queue: str = "unused", **settings: Any) -> FastAPI:
    app = create_app(api_settings(**settings))
    app.state.sessions = sessions
    app.state.temporal_client = client
    app.state.task_queue = task_queue
    return app


def citizen_auth(mobile: str = MOBILE) -> dict[str, str]:
    """The header of a citizen who proved `mobile` by one-time code (the OTP flow itself is tested on its own)."""
    token, _ = create_citizen_token(mobile=mobile, settings=api_settings())
    return {"Authorization": f"Bearer {token}"}


def http(app: FastAPI, *, citizen: str | None = MOBILE) -> httpx.AsyncClient:
    """A client of the app; by default it speaks as the citizen who proved MOBILE, unless a request names
    other credentials in its own Authorization header."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://foad.test/api/v1",
        headers=citizen_auth(citizen) if citizen else None,
    )


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a staff user, from POST /auth/token."""
    response = await client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def file(
    client: httpx.AsyncClient,
    body: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Files `body` (tests.factories.complaint() by default) and returns its tracking code."""
    headers = {"Idempotency-Key": key or f"test-{uuid.uuid4()}"} | (headers or {})
    response = await client.post("/complaints", json=body or complaint(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"]


async def projected(sessions, tracking_code: str, **expected: Any) -> Case:
    """The case's read-model row, once it exists (and has the expected column values)."""

    async def probe() -> Case | None:
        async with sessions() as session:
            case = await session.get(Case, tracking_code)
        if case is None or any(getattr(case, k) != v for k, v in expected.items()):
            return None
        return case

    return await eventually_async(probe, what=f"case {tracking_code} in the read model {expected}")


async def open_task(client: httpx.AsyncClient, headers: dict[str, str], tracking_code: str, kind: str) -> dict:
    """The open task of this kind on the case in the inbox of `headers`' user, once the read model shows it."""

    async def probe() -> dict | None:
        response = await client.get("/tasks", headers=headers)
        assert response.status_code == 200, response.text
        return next((t for t in response.json() if t["tracking_code"] == tracking_code and t["kind"] == kind), None)

    return await eventually_async(probe, what=f"an open {kind} task of {tracking_code}")


@asynccontextmanager
async def served(app: FastAPI, **config: Any) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port of 127.0.0.1, in this event loop, for clients that need a real
    socket (a browser, a synchronous client in a thread); yields its root URL. `config` goes to uvicorn.Config."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, **({"log_level": "warning", "lifespan": "off"} | config)))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # it failed to start: say why
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
