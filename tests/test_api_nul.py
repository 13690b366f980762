"""A NUL character in an identifier (query, path, JSON body, login form) is a client error, never a 500.

SQLite stores NUL; PostgreSQL refuses it in text and the query fails, which used to surface as a 500. Runs
on SQLite, and on PostgreSQL when FOAD_TEST_POSTGRES_URL names a server (a throwaway database per test).
"""

import os
from collections.abc import AsyncIterator

import pytest

import cli.seed
from database.sessions import create_engine, sessionmaker
from tests.apiutil import REFDATA, _hash_once, complaint, http, login, make_app
from tests.dbutil import create_postgres_database, drop_postgres_database, migrate

POSTGRES_URL = os.environ.get("FOAD_TEST_POSTGRES_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="FOAD_TEST_POSTGRES_URL unset")),
    ]
)
async def seeded_db(request, tmp_path, monkeypatch) -> AsyncIterator[tuple[str, object]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'foad.db'}" if request.param == "sqlite" else None
    if url is None:
        url = await create_postgres_database(POSTGRES_URL)
    try:
        migrate(url)
        engine = create_engine(url)
        monkeypatch.setattr(cli.seed, "hash_password", _hash_once)
        await cli.seed.seed(sessionmaker(engine), REFDATA)
        yield request.param, sessionmaker(engine)
        await engine.dispose()
    finally:
        if request.param == "postgresql":
            await drop_postgres_database(POSTGRES_URL, url)


async def test_a_nul_character_anywhere_is_a_client_error(seeded_db):
    kind, sessions = seeded_db
    async with http(make_app(sessions=sessions)) as api:
        auditor = await login(api, "auditor")
        responses = {
            "query": await api.get("/cases", params={"agency_id": "sso\x00"}, headers=auditor),
            "public query": await api.get("/units", params={"county_code": "\x00"}),
            "path": await api.get("/cases/1%002", headers=auditor),
            "json body": await api.post("/complaints", json=complaint(unit_id="sso-qazvin\x00")),
            "login form": await api.post("/auth/token", data={"username": "admin\x00", "password": "x"}),
        }
    for where, response in responses.items():
        assert response.status_code < 500, (where, response.text)  # SQLite simply finds nothing: 200 or 404
    if kind == "postgresql":
        assert all(400 <= r.status_code < 500 for r in responses.values())
        assert responses["query"].status_code == 422
        assert responses["query"].json()["error"]["details"][0]["type"] == "nul_character"
