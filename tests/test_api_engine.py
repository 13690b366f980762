"""When the workflow engine is down or no worker answers: 503, and nothing lost."""

import socket

from sqlalchemy import select

from foad.models import IntakeKey
from tests.apiutil import (
    api,  # noqa: F401 - fixture
    complaint,
    http,
    login,
    make_app,
    projected,
    seeded,  # noqa: F401 - fixture
    worker,  # noqa: F401 - fixture
)
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


async def test_update_with_no_worker_polling_is_503(temporal_env, seeded, task_queue):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue, temporal_rpc_timeout_seconds=0.5)
    async with http(app) as client:
        async with build_worker(temporal_env.client, sessions=seeded, task_queue=task_queue):
            response = await client.post("/complaints", json=complaint())
            code = response.json()["tracking_code"]
            await projected(seeded, code)
        # The worker is gone: the update waits for a workflow task nobody picks up.
        senior = await login(client, "sso-senior")
        body = {"decision": "reject", "referral_note": "به شعبه مراجعه کنید"}
        review = await client.post(f"/cases/{code}/review", json=body, headers=senior)
        assert review.status_code == 503
        assert review.json()["error"]["code"] == "engine_unavailable"
        detail = await client.get(f"/cases/{code}", headers=senior)
        assert detail.status_code == 200
        assert detail.json()["live"] is None and detail.json()["live_error"]
