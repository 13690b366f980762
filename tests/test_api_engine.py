"""When the workflow engine is down or no worker answers: 503, and nothing lost."""

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from database.models import IntakeKey
from tests.apiutil import http, login, make_app, projected
from tests.factories import complaint
from tests.test_pages_access import csrf_of, log_in
from tests.testserver import start_test_server
from worker import build_worker


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_app_starts_without_temporal_and_intake_answers_503(seeded):
    database_url = seeded.kw["bind"].url.render_as_string(hide_password=False)
    app = make_app(sessions=None, temporal_address=f"127.0.0.1:{_closed_port()}", database_url=database_url)
    async with app.router.lifespan_context(app), http(app) as client:
        assert (await client.get("/units", params={"agency_id": "sso", "level": "national"})).status_code == 200
        response = await client.post("/complaints", json=complaint(), headers={"Idempotency-Key": "key-engine-down"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "engine_unavailable"
    assert response.headers["Retry-After"]


async def test_intake_retried_after_a_503_completes_with_the_reserved_code(api, seeded):
    down = make_app(sessions=seeded, temporal_address=f"127.0.0.1:{_closed_port()}")
    body = complaint()
    async with http(down) as client:
        failed = await client.post("/complaints", json=body, headers={"Idempotency-Key": "key-retry-after-503"})
    assert failed.status_code == 503
    async with seeded() as session:
        reserved = await session.scalar(select(IntakeKey.tracking_code).where(IntakeKey.key == "key-retry-after-503"))
    retried = await api.post("/complaints", json=body, headers={"Idempotency-Key": "key-retry-after-503"})
    assert retried.status_code == 201
    assert retried.json()["tracking_code"] == reserved
    await projected(seeded, reserved)


@pytest.fixture
async def own_test_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server for this test alone: the Java test server keeps time skipping locked for good
    once a client abandons an update or query RPC (its deadline passed), even after the workflow is
    terminated, which would stall every later test sharing the server."""
    env = await start_test_server()
    yield env
    await env.shutdown()


async def test_update_with_no_worker_polling_is_503(own_test_server, seeded, task_queue):
    client = own_test_server.client
    app = make_app(sessions=seeded, client=client, task_queue=task_queue, temporal_rpc_timeout_seconds=0.5)
    async with http(app) as api_client:
        async with build_worker(client, sessions=seeded, task_queue=task_queue):
            response = await api_client.post("/complaints", json=complaint())
            code = response.json()["tracking_code"]
            await projected(seeded, code)
        # The worker is gone: the update waits for a workflow task nobody picks up.
        senior = await login(api_client, "sso-senior")
        body = {"decision": "reject", "referral_note": "به شعبه مراجعه کنید"}
        review = await api_client.post(f"/cases/{code}/review", json=body, headers=senior)
        assert review.status_code == 503
        assert review.json()["error"]["code"] == "engine_unavailable"
        detail = await api_client.get(f"/cases/{code}", headers=senior)
        assert detail.status_code == 200
        assert detail.json()["live"] is None and detail.json()["live_error"]


def test_no_poller_refusal_from_the_server_is_a_503_not_a_502():
    from temporalio.service import RPCError, RPCStatusCode

    from api.edge.errors import engine_error

    refusal = RPCError("no poller seen for task queue recently", RPCStatusCode.FAILED_PRECONDITION, b"")
    error = engine_error(refusal)
    assert (error.status_code, error.code) == (503, "engine_unavailable")


def test_an_update_refused_while_the_workflow_task_is_retried_is_a_503_not_a_502():
    """The server's WorkflowNotReady, met by the fault run (bench/faults.py) just after a worker SIGKILL: the case's
    workflow task is being retried, so the update (or query) is refused for a moment. A client must try again."""
    from temporalio.service import RPCError, RPCStatusCode

    from api.edge.errors import engine_error

    for refused in ("perform workflow execution update", "query workflow"):
        message = f"Unable to {refused} due to Workflow Task in failed state."
        error = engine_error(RPCError(message, RPCStatusCode.FAILED_PRECONDITION, b""))
        assert (error.status_code, error.code) == (503, "engine_unavailable"), refused
        assert error.headers["Retry-After"] == "5"


async def _review_pressed(app, code: str, *, via: str) -> httpx.Response:
    """The senior coordinator rejects the case, through the JSON API or the staff case page's form."""
    body = {"decision": "reject", "referral_note": "به شعبه مراجعه کنید"}
    if via == "json":
        async with http(app) as api_client:
            return await api_client.post(
                f"/cases/{code}/review", json=body, headers=await login(api_client, "sso-senior")
            )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        await log_in(browser, "sso-senior")
        form = body | {"csrf": await csrf_of(browser, "/inbox")}
        return await browser.post(f"/cases/{code}/review", data=form)


@pytest.mark.parametrize("via", ["json", "page"])
async def test_an_action_waiting_on_the_engine_holds_no_database_connection(own_test_server, seeded, task_queue, via):
    """An update waits for a worker for up to the RPC timeout; the request's connection goes back to the pool
    first, so a slow engine does not drain the pool every other request of the process needs. The pages'
    actions go through the same request session and hand the connection back the same way."""
    client = own_test_server.client
    app = make_app(sessions=seeded, client=client, task_queue=task_queue, temporal_rpc_timeout_seconds=3)
    pool = seeded.kw["bind"].pool
    async with http(app) as api_client, build_worker(client, sessions=seeded, task_queue=task_queue):
        code = (await api_client.post("/complaints", json=complaint())).json()["tracking_code"]
        await projected(seeded, code)
    review = asyncio.create_task(_review_pressed(app, code, via=via))
    await asyncio.sleep(1.5)  # its reads take milliseconds; the update then waits for the missing worker
    assert not review.done() and pool.checkedout() == 0
    response = await review
    assert response.status_code == 503
    if via == "page":
        assert "سامانه گردش کار در دسترس نیست" in response.text  # the case page, with the reason above its forms
    else:
        assert response.json()["error"]["code"] == "engine_unavailable"
