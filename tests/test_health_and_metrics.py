"""/healthz, /readyz (the API's and the worker's probe port) and /metrics, on real components: the time-skipping
server, a migrated database, a closed port where a dependency is down."""

import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from database.models import Case, SmsOutbox
from database.sessions import create_engine, sessionmaker, transaction
from infra.health import ProbeServer, database_check, temporal_check
from infra.settings import Settings
from tests.apiutil import make_app
from tests.reportcases import case_row


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_healthz_answers_with_every_dependency_down():
    app = make_app(sessions=None, temporal_address=f"127.0.0.1:{_closed_port()}")
    async with _client(app) as client:
        response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_when_temporal_and_the_database_answer(temporal_env, sessions):
    app = make_app(sessions=sessions, client=temporal_env.client)
    async with _client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["temporal"]["ok"] and body["checks"]["database"]["ok"]


async def test_readyz_names_temporal_when_it_is_unreachable(sessions):
    app = make_app(sessions=sessions, temporal_address=f"127.0.0.1:{_closed_port()}")
    async with _client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["temporal"]
    assert response.json()["checks"]["database"]["ok"]


async def test_readyz_names_the_database_when_it_is_unreachable(temporal_env):
    engine = create_engine(f"postgresql+asyncpg://foad@127.0.0.1:{_closed_port()}/foad")
    app = make_app(sessions=sessionmaker(engine), client=temporal_env.client)
    try:
        async with _client(app) as client:
            response = await client.get("/readyz")
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


async def test_worker_probe_port_answers_healthz_and_readyz(temporal_env, sessions):
    port, other = _closed_port(), _closed_port()
    engine = create_engine(f"postgresql+asyncpg://foad@127.0.0.1:{_closed_port()}/foad")
    checks = {"temporal": temporal_check(temporal_env.client, 2.0), "database": database_check(sessions)}
    down = {"temporal": temporal_check(temporal_env.client, 2.0), "database": database_check(sessionmaker(engine))}
    up = ProbeServer(f"127.0.0.1:{port}", checks, timeout=2.0)
    broken = ProbeServer(f"127.0.0.1:{other}", down, timeout=2.0)
    await up.start()
    await broken.start()
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://127.0.0.1:{port}/healthz")).json() == {"status": "ok"}
            assert (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
            refused = await client.get(f"http://127.0.0.1:{other}/readyz")
            assert (await client.get(f"http://127.0.0.1:{port}/elsewhere")).status_code == 404
    finally:
        await up.close()
        await broken.close()
        await engine.dispose()
    assert refused.status_code == 503 and refused.json()["failed"] == ["database"]


async def test_request_metrics_are_labelled_by_route_template_not_by_path(sessions):
    app = make_app(sessions=sessions)
    async with _client(app) as client:
        for code in ("12345678903", "23456789014"):
            await client.get(f"/api/v1/complaints/{code}")
        await client.get("/no/such/page/12345678903")
        text = (await client.get("/metrics")).text
    assert "12345678903" not in text and "23456789014" not in text
    samples = _samples(text)
    route = "/api/v1/complaints/{tracking_code}"
    by_status = {
        labels: value
        for (name, labels), value in samples.items()
        if name == "foad_http_requests_total" and ("route", route) in labels
    }
    assert sum(by_status.values()) == 2
    unmatched = frozenset({("method", "GET"), ("route", "unmatched"), ("status", "404")})
    assert samples[("foad_http_requests_total", unmatched)] == 1
    assert samples[("foad_http_request_duration_seconds_count", frozenset({("method", "GET"), ("route", route)}))] == 2


def _case(code: str, at: datetime, step: str, **fields) -> Case:
    row = case_row(code, at, **fields)
    row.step = step
    return row


async def test_product_gauges_count_the_cases_and_outbox_in_the_read_model(report_db):
    now = datetime.now(UTC)
    async with transaction(report_db) as session:
        session.add_all(
            [
                _case("R1", now, "review", status="in_review", level=None),
                _case("H1", now, "handling", status="in_handling", level="county"),
                _case("H2", now, "handling", status="in_handling", level="provincial", breached=True),
                _case("C1", now, "feedback", status="closed", breached=True),
                _case("X1", now, "review", status="rejected"),
            ]
        )
        session.add_all(
            [
                SmsOutbox(
                    key=f"k{i}",
                    tracking_code="H1",
                    mobile="09121234567",
                    template="registered",
                    body="-",
                    status=status,
                    created_at=now - timedelta(minutes=minutes),
                )
                for i, (status, minutes) in enumerate([("pending", 10), ("pending", 1), ("failed", 30), ("sent", 60)])
            ]
        )
    app = make_app(sessions=report_db, metrics_cache_seconds=60)
    async with _client(app) as client:
        samples = _samples((await client.get("/metrics")).text)
        async with transaction(report_db) as session:
            session.add(_case("R2", now, "review", status="in_review", level=None))
        cached = _samples((await client.get("/metrics")).text)
        app.state.product_metrics.cache_seconds = 0
        fresh = _samples((await client.get("/metrics")).text)

    def open_cases(values, step, level):
        return values[("foad_open_cases", frozenset({("step", step), ("level", level)}))]

    assert open_cases(samples, "review", "none") == 1
    assert open_cases(samples, "handling", "county") == 1
    assert open_cases(samples, "handling", "provincial") == 1
    assert open_cases(samples, "feedback", "county") == 0
    assert samples[("foad_open_breached_cases", frozenset())] == 1
    assert samples[("foad_case_breaches_total", frozenset())] == 2
    assert samples[("foad_sms_outbox", frozenset({("status", "pending")}))] == 2
    assert samples[("foad_sms_outbox", frozenset({("status", "failed")}))] == 1
    assert 9 * 60 < samples[("foad_sms_outbox_oldest_pending_age_seconds", frozenset())] < 11 * 60
    assert open_cases(cached, "review", "none") == 1  # within the cache, no new read
    assert open_cases(fresh, "review", "none") == 2


async def test_metrics_want_the_bearer_token_when_one_is_set(sessions):
    token = "scrape-token-0123456789"
    app = make_app(sessions=sessions, metrics_token=token)
    async with _client(app) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer wrong-token-0123456"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200 and "foad_open_cases" in allowed.text


@pytest.mark.parametrize(
    "setting",
    [{"temporal_metrics_address": "9464"}, {"worker_health_address": "0.0.0.0:99999"}, {"metrics_token": "short"}],
)
def test_observability_settings_are_refused_when_malformed(setting):
    with pytest.raises(ValueError, match="FOAD_"):
        Settings(**setting)
