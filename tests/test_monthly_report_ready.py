"""The compiled monthly report: nationwide, per agency and per province (hand counts on SQLite and PostgreSQL),
stored once, and a report_ready notification to the centre and each agency's senior coordinators, by SMS too for
an account with a mobile; inactive accounts are not told, and a second compile tells nobody again."""

from sqlalchemy import select

from database.models import Notification, SmsOutbox, User
from database.sessions import transaction
from reports.monthly import compile_month, notify_ready
from schemas.notifications import NotificationKind
from tests.reportcases import load_fixed_cases, tehran

NOW = tehran(1404, 1, 2, 3)


async def people(sessions) -> None:
    async with transaction(sessions) as session:
        session.add_all(
            [
                User(id=1, username="centre", full_name="مرکز", role="admin", password_hash="-", mobile="09120000001"),
                User(id=2, username="aa-senior", full_name="الف", role="senior_coordinator", password_hash="-",
                     agency_id="aa"),
                User(id=3, username="bb-senior", full_name="ب", role="senior_coordinator", password_hash="-",
                     agency_id="bb", mobile="09120000003"),
                User(id=4, username="bb-gone", full_name="رفته", role="senior_coordinator", password_hash="-",
                     agency_id="bb", active=False),
                User(id=5, username="operator1", full_name="اپراتور", role="operator", password_hash="-"),
            ]
        )  # fmt: skip


async def test_the_month_is_compiled_nationwide_per_agency_and_per_province(report_db):
    await load_fixed_cases(report_db)
    async with transaction(report_db) as session:
        row = await compile_month(session, year=1403, month=12, now=NOW)
    figures = row.figures
    assert figures["received"] == 4 and figures["within_sla"] == 2 and figures["decided"] == 3
    assert {k: v["received"] for k, v in figures["by_agency"].items()} == {"aa": 3, "bb": 1}
    assert figures["by_agency"]["aa"]["within_sla_share"] == 0.5
    assert {k: v["received"] for k, v in figures["by_province"].items()} == {"IR-26": 4}
    async with transaction(report_db) as session:
        assert await compile_month(session, year=1403, month=12, now=NOW) is None


async def test_the_centre_and_every_agencys_seniors_are_told_it_is_ready(report_db):
    await load_fixed_cases(report_db)
    await people(report_db)
    async with transaction(report_db) as session:
        told = await notify_ready(session, year=1403, month=12, now=NOW)
    assert told == ["aa-senior", "bb-senior", "centre"]
    async with report_db() as session:
        rows = list(await session.scalars(select(Notification).order_by(Notification.username)))
        sms = list(await session.scalars(select(SmsOutbox).order_by(SmsOutbox.mobile)))
    assert {(n.username, n.tracking_code, n.kind) for n in rows} == {(name, "1403-12", "report_ready") for name in told}
    assert "اسفند ۱۴۰۳" in rows[0].body and "۱۴۰۳-۱۲" in rows[0].body
    assert [s.mobile for s in sms] == ["09120000001", "09120000003"] and sms[0].body == rows[0].body


async def test_report_ready_turned_off_tells_nobody(report_db):
    await people(report_db)
    async with transaction(report_db) as session:
        told = await notify_ready(session, year=1403, month=12, now=NOW, off=[NotificationKind.REPORT_READY])
    assert told == []


async def test_the_notification_links_the_months_report_page(sessions):
    import httpx

    from api.pages.session import COOKIE
    from tests.apiutil import make_app
    from tests.reportcases import seed_offices
    from tests.test_reports_api import session_cookie

    await seed_offices(sessions)
    await people(sessions)
    async with transaction(sessions) as session:
        await notify_ready(session, year=1403, month=12, now=NOW)
    app = make_app(sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        browser.cookies.set(COOKIE, session_cookie(app, user_id=3))
        html = (await browser.get("/notifications")).text
    assert 'href="/api/v1/reports/monthly?year=1403&amp;month=12&amp;format=html"' in html
    assert "/cases/1403-12" not in html
