"""The public performance page and the breakdown page in chromium at 360 px and 1366 px (tests/pagecheck.py: no
sideways scroll, 44 px targets, axe): the home page's link opens the public page with no login, and a column
header of the breakdown sorts it. Screenshots go under tmp_path, or FOAD_SHOTS when set."""

import os
from pathlib import Path

import pytest

from api.pages.session import COOKIE
from database.models import User
from database.sessions import transaction
from tests.apiutil import make_app, served
from tests.fixtures.browser import STRICT_CSP
from tests.pagecheck import PHONE, check_page
from tests.reportcases import load_fixed_cases, seed_offices
from tests.test_reports_api import session_cookie


@pytest.fixture
async def reports_site(sessions):
    await seed_offices(sessions)
    await load_fixed_cases(sessions)
    async with transaction(sessions) as session:
        session.add(User(id=1, username="admin", full_name="مدیر مرکز", role="admin", password_hash="-"))
    app = make_app(sessions=sessions, public_min_cases=2)

    @app.middleware("http")
    async def strict_csp(request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    async with served(app) as root:
        yield app, root


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("FOAD_SHOTS", tmp_path))


async def test_the_home_page_links_the_public_page_which_fits_a_phone(reports_site, browsing, tmp_path):
    _, root = reports_site
    page = await browsing.page(PHONE)
    await page.goto(f"{root}/")
    await page.locator("#public-link a").click()
    await page.wait_for_load_state()
    assert page.url.endswith("/performance")
    await page.select_option("#year", "1403")
    await page.locator("form.inline-year button").click()
    await page.wait_for_load_state()
    assert "اسفند ۱۴۰۳" in await page.locator("#month-12 h2").inner_text()
    assert "نشان داده نمی‌شود" in await page.locator("#agency-12 tr.suppressed").inner_text()
    await check_page(page, _shots(tmp_path), "public-performance")


async def test_a_breakdown_header_sorts_the_table(reports_site, browsing, tmp_path):
    app, root = reports_site
    page = await browsing.page(PHONE)
    host = root.split("//")[1].split(":")[0]
    await page.context.add_cookies(
        [{"name": COOKIE, "value": session_cookie(app, user_id=1), "domain": host, "path": "/"}]
    )
    await page.goto(f"{root}/api/v1/reports/breakdown?year=1403&month=12&group_by=unit&format=html")
    first = page.locator("#breakdown tbody tr th").first
    assert await first.inner_text() == "شعبه تاکستان"  # two complaints, the most
    await page.locator("#breakdown thead a", has_text="شکایات دریافتی").click()
    await page.wait_for_load_state()
    assert await page.locator('#breakdown thead th[aria-sort="ascending"]').count() == 1
    assert await first.inner_text() != "شعبه تاکستان"
    await check_page(page, _shots(tmp_path), "breakdown-unit")


async def test_the_dashboards_satisfaction_tables_fit_a_phone(reports_site, browsing, tmp_path):
    app, root = reports_site
    page = await browsing.page(PHONE)
    host = root.split("//")[1].split(":")[0]
    cookie = {"name": COOKIE, "value": session_cookie(app, user_id=1), "domain": host, "path": "/"}
    await page.context.add_cookies([cookie])
    await page.goto(f"{root}/dashboard")
    assert await page.locator("#satisfaction").is_visible()  # this month's, open
    await page.locator("#satisfaction-year summary").click()
    assert await page.locator("#satisfaction-province-year").is_visible()
    await check_page(page, _shots(tmp_path), "dashboard-satisfaction")
