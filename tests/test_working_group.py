"""The working group: out-of-scope cases never make a hotspot (SQLite and PostgreSQL); over the JSON API, a
member sees its agency's reviews only, keeps one note of its own, and the decision is the centre's."""

from datetime import UTC, datetime, timedelta

import pytest

from api.auth.tokens import create_token
from database.models import HotspotReview, User
from database.sessions import transaction
from reports.hotspots import find_hotspots
from schemas.hotspot import HotspotRule
from tests.apiutil import api_settings, http, make_app
from tests.reportcases import case_row, seed_offices

NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)
RULE = HotspotRule(window_days=30, min_complaints=3, relative_factor=2.0, history_windows=6)


async def test_rejected_referred_forwarded_and_other_contacts_do_not_count_toward_a_hotspot(report_db):
    async with transaction(report_db) as session:
        for i, status in enumerate(("closed", "closed", "rejected", "referred", "forwarded")):
            session.add(case_row(f"H{i}", NOW - timedelta(days=2, minutes=i), status=status))
        request = case_row("H9", NOW - timedelta(days=3))
        request.contact_kind = "suggestion"
        session.add(request)
    async with report_db() as session:
        assert await find_hotspots(session, now=NOW, rule=RULE) == [], "two in-scope complaints: under three"
    async with transaction(report_db) as session:
        session.add(case_row("H10", NOW - timedelta(days=4)))
    async with report_db() as session:
        [unit, agency] = await find_hotspots(session, now=NOW, rule=RULE)
    assert (unit.subject_id, unit.complaints, agency.subject_id, agency.complaints) == ("aa-takestan", 3, "aa", 3)


USERS = {
    "admin": ("admin", None),
    "auditor": ("auditor", None),
    "wg-centre": ("working_group", None),
    "wg-aa": ("working_group", "aa"),
    "wg-bb": ("working_group", "bb"),
}


def auth(username: str) -> dict[str, str]:
    user_id = list(USERS).index(username) + 1
    token, _ = create_token(user_id=user_id, role=USERS[username][0], settings=api_settings())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(sessions):
    await seed_offices(sessions)
    async with transaction(sessions) as session:
        for user_id, (username, (role, agency)) in enumerate(USERS.items(), start=1):
            session.add(
                User(
                    id=user_id,
                    username=username,
                    full_name=f"نام {username}",
                    role=role,
                    password_hash="-",
                    agency_id=agency,
                )
            )
        for agency in ("aa", "bb"):
            session.add(
                HotspotReview(
                    review_id=f"hotspot-agency-{agency}-20250614",
                    scope="agency",
                    subject_id=agency,
                    agency_id=agency,
                    window_start=NOW - timedelta(days=30),
                    window_end=NOW,
                    complaints=9,
                    baseline=1,
                    top_indicator=7,
                    top_indicator_count=5,
                    status="closed",
                    opened_at=NOW,
                    due_at=NOW + timedelta(days=14),
                    decision="no_action",
                )
            )
    async with http(make_app(sessions=sessions), citizen=None) as c:
        yield c


async def test_a_member_of_an_agency_sees_that_agencys_reviews_and_the_centre_every_one(client):
    listed = await client.get("/hotspots", headers=auth("wg-aa"))
    assert [r["agency_id"] for r in listed.json()] == ["aa"]
    assert (await client.get("/hotspots/hotspot-agency-bb-20250614", headers=auth("wg-aa"))).status_code == 403
    everyone = await client.get("/hotspots", headers=auth("wg-centre"))
    assert sorted(r["agency_id"] for r in everyone.json()) == ["aa", "bb"]


async def test_each_member_keeps_one_note_and_an_auditor_writes_none(client):
    review = "/hotspots/hotspot-agency-aa-20250614/note"
    first = await client.put(review, json={"note": "نوبت‌دهی شلوغ است"}, headers=auth("wg-aa"))
    assert first.status_code == 200 and first.json()["agency_id"] == "aa"
    edited = await client.put(review, json={"note": "نوبت‌دهی اینترنتی لازم است"}, headers=auth("wg-aa"))
    assert edited.json()["note"] == "نوبت‌دهی اینترنتی لازم است"
    assert (await client.put(review, json={"note": "ab"}, headers=auth("wg-aa"))).status_code == 422
    assert (await client.put(review, json={"note": "یادداشت"}, headers=auth("auditor"))).status_code == 403
    other = "/hotspots/hotspot-agency-bb-20250614/note"
    assert (await client.put(other, json={"note": "یادداشت"}, headers=auth("wg-aa"))).status_code == 403


async def test_an_agency_member_may_not_decide(client):
    body = {"decision": "process_reform", "note": "بازطراحی نوبت‌دهی"}
    response = await client.post("/hotspots/hotspot-agency-aa-20250614/decision", json=body, headers=auth("wg-aa"))
    assert response.status_code == 403
