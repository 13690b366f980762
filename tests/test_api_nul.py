"""A NUL character in an identifier (query, path, JSON body, login form) is a client error, never a 500.

SQLite stores NUL; PostgreSQL refuses it in text and the query fails, which used to surface as a 500. Runs
on SQLite, and on PostgreSQL when FOAD_TEST_POSTGRES_URL names a server (a throwaway database per test).
"""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.apiutil import http, login, make_app
from tests.dbutil import seed_demo
from tests.factories import complaint


@pytest.fixture
async def seeded_db(db, monkeypatch) -> tuple[str, async_sessionmaker[AsyncSession]]:
    """The shipped reference data and demo users in the read model of each kind; which kind it is."""
    await seed_demo(db, monkeypatch)
    return db.kw["bind"].dialect.name, db


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
