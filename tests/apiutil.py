"""Helpers for the API tests: the app wired to the real test server, worker and a seeded database."""

import asyncio
import base64
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from temporalio.service import RPCError

import cli.seed
from api.app import create_app
from api.auth.tokens import create_citizen_token
from database.models import Case, IntakeKey
from infra.passwords import hash_password
from infra.settings import Settings
from worker import build_worker
from workflows.visibility import workflow_id

REFDATA = Path(__file__).resolve().parent.parent / "refdata"
PASSWORD = "foad-demo-128"

# A county office of the Social Security Organization in Takestan (Qazvin), and its coordinators.
OFFICE = "sso-qazvin-takestan"
NATIONAL_CODE = "0499370899"
MOBILE = "09121234567"
FULL_NAME = "مریم احمدی"

T = TypeVar("T")


def complaint(**overrides: Any) -> dict[str, Any]:
    body = {
        "national_code": NATIONAL_CODE,
        "mobile": MOBILE,
        "full_name": FULL_NAME,
        "channel": "phone",
        "indicator": 7,
        "unit_id": OFFICE,
        "description": "کارمند باجه مستمری ساعت ۱۱ در محل نبود و جایگزینی هم نداشت",
        "incident_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }
    return body | overrides


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
    response = await client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0) -> T:
    """Polls until `probe` returns something truthy: the read model is projected asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def file(
    client: httpx.AsyncClient,
    body: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
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

    return await eventually(probe)


async def open_task(client: httpx.AsyncClient, headers: dict[str, str], tracking_code: str, kind: str) -> dict:
    async def probe() -> dict | None:
        response = await client.get("/tasks", headers=headers)
        assert response.status_code == 200, response.text
        return next((t for t in response.json() if t["tracking_code"] == tracking_code and t["kind"] == kind), None)

    return await eventually(probe)


@functools.cache
def _hash_once(password: str) -> str:
    return hash_password(password)


@pytest.fixture
async def seeded(sessions, monkeypatch):
    """The shipped reference data and demo users; argon2 runs once per password, not once per user and test."""
    monkeypatch.setattr(cli.seed, "hash_password", _hash_once)
    await cli.seed.seed(sessions, REFDATA)
    return sessions


@pytest.fixture
async def cases_terminated(temporal_env, seeded) -> AsyncIterator[None]:
    """Terminates every case the test filed: the time-skipping server is shared by the session, and a case
    left running with no worker (its timers firing into an empty task queue) would stall time skipping for
    every later test."""
    yield
    async with seeded() as session:
        codes = list(await session.scalars(select(IntakeKey.tracking_code)))
    for code in codes:
        try:
            await temporal_env.client.get_workflow_handle(workflow_id(code)).terminate(reason="test over")
        except RPCError:
            pass  # never started, or already finished


@pytest.fixture
async def worker(temporal_env, seeded, task_queue, cases_terminated) -> AsyncIterator[None]:
    async with build_worker(temporal_env.client, sessions=seeded, task_queue=task_queue):
        yield


@pytest.fixture
async def api(temporal_env, seeded, task_queue, worker) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the real test server with a worker polling its task queue."""
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with http(app) as client:
        yield client
