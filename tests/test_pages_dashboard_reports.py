"""The admin's dashboard for people: satisfaction per agency this month, links to the report pages (which open
with the same session), and chart labels whole (text that wraps between words, never cut with an ellipsis)."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.pages.session import COOKIE
from database.models import User
from database.sessions import transaction
from schemas.enums import INDICATOR_LABELS_FA, Indicator
from tests.apiutil import make_app
from tests.reportcases import case_row, seed_offices
from tests.test_reports_api import session_cookie


@pytest.fixture
async def admin_browser(sessions):
    await seed_offices(sessions)
    now = datetime.now(UTC) - timedelta(minutes=5)
    async with transaction(sessions) as session:
        session.add(User(id=1, username="admin", full_name="مدیر مرکز", role="admin", password_hash="-"))
        session.add_all(
            [
                case_row("D1", now, result_minutes=1, satisfied=True, rating=5),
                case_row("D2", now, result_minutes=1, satisfied=False, rating=2),
                case_row("D3", now, unit="bb-takestan", result_minutes=1, satisfied=True, rating=4),
                case_row("D4", now, unit="bb-takestan", status="in_handling"),  # no answer yet: not counted
            ]
        )
    app = make_app(sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        browser.cookies.set(COOKIE, session_cookie(app, user_id=1))
        yield browser


async def test_the_dashboard_shows_satisfaction_per_agency(admin_browser):
    html = (await admin_browser.get("/dashboard")).text
    table = re.search(r'<table class="report-figures" id="satisfaction".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td><td class="num">(.*?)</td>', table)
    assert rows == [("سازمان الف", "۲", "۵۰٫۰٪"), ("سازمان ب", "۱", "۱۰۰٫۰٪")]
    assert "۳٫۵" in table and "۴٫۰" in table  # the mean ratings


async def test_the_dashboard_links_report_pages_that_open_with_the_same_session(admin_browser):
    html = (await admin_browser.get("/dashboard")).text
    links = re.findall(r'<a href="(/api/v1/reports/[^"]+)">([^<]+)</a>', html)
    assert len(links) == 5 and all(label.startswith("گزارش ") for _, label in links)  # 3 reports, 2 breakdowns
    for url, _ in links:
        response = await admin_browser.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, (url, response.text[:200])
        assert "گزارش فواد ۱۲۸ — " in response.text and "/static/css/app.css?v=" in response.text


async def test_the_dashboard_shows_satisfaction_by_province_and_for_today_and_the_year(admin_browser):
    html = (await admin_browser.get("/dashboard")).text
    for table in ("satisfaction-province-month", "satisfaction-agency-today", "satisfaction-province-year"):
        body = re.search(rf'<table class="report-figures" id="{table}">.*?</table>', html, re.S).group(0)
        rows = re.findall(r'<tr><th scope="row">(.*?)</th>((?:<td class="num">.*?</td>)+)</tr>', body)
        cells = {name: re.findall(r'<td class="num">(.*?)</td>', tds) for name, tds in rows}
        if "province" in table:  # D1..D3 answered (2 satisfied), D4 has no result: 3 of 3 answered
            assert cells == {"قزوین": ["۳", "۶۶٫۷٪", "۳٫۷", "۱۰۰٫۰٪"]}
        else:
            assert cells["سازمان ب"] == ["۱", "۱۰۰٫۰٪", "۴٫۰", "۱۰۰٫۰٪"]


async def test_chart_labels_are_whole_words_never_cut(admin_browser):
    html = (await admin_browser.get("/dashboard")).text
    labels = re.findall(r'<span class="bar-label">(.*?)</span>', html)
    assert set(INDICATOR_LABELS_FA[i] for i in Indicator) <= set(labels)
    assert "…" not in html and 'viewBox="0 0 600' not in html
