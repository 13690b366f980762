"""The public performance page: hand counts per agency and province on SQLite and PostgreSQL, a cell under
FOAD_PUBLIC_MIN_CASES suppressed (and a share whose own denominator is under it), the figures cached, and the
page open to anyone with no personal data, linked from the citizen's home page."""

import httpx
import pytest

from database.sessions import transaction
from reports.public import PublicCache, public_figures
from tests.apiutil import make_app
from tests.factories import FULL_NAME, MOBILE, NATIONAL_CODE
from tests.reportcases import load_fixed_cases, seed_offices, tehran

NOW = tehran(1404, 1, 10)


async def test_each_cell_counts_its_month_agency_and_province_by_hand(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        figures = await public_figures(session, year=1403, min_cases=2, now=NOW)
    assert [m.month for m in figures.months] == [12, 11]
    esfand = figures.months[0]
    aa, bb = esfand.by_agency
    assert (aa.name_fa, aa.received, aa.within_share, aa.satisfied_share) == ("سازمان الف", 3, 0.5, 0.5)
    assert bb.name_fa == "سازمان ب" and bb.suppressed  # one complaint, under two
    (qazvin,) = esfand.by_province
    assert qazvin.received == 4 and qazvin.within_share == pytest.approx(2 / 3) and qazvin.satisfied_share == 0.5


async def test_a_share_whose_denominator_is_under_the_threshold_is_suppressed(report_db):
    await load_fixed_cases(report_db)
    async with report_db() as session:
        figures = await public_figures(session, year=1403, min_cases=3, now=NOW)
    aa = figures.months[0].by_agency[0]
    assert aa.received == 3  # three complaints: shown
    assert aa.within_share is None and aa.satisfied_share is None  # two decided, two answers: not shown


async def test_the_cache_reads_the_database_once_per_ttl(report_db):
    await load_fixed_cases(report_db)
    clock = [0.0]
    cache = PublicCache(ttl=60, clock=lambda: clock[0])
    first = await cache.get(report_db, year=1403, min_cases=2, now=NOW)
    async with transaction(report_db) as session:  # a new complaint: not seen until the TTL passes
        from tests.reportcases import case_row

        session.add(case_row("E9", tehran(1403, 12, 28), unit="bb-takestan"))
    clock[0] = 59
    assert await cache.get(report_db, year=1403, min_cases=2, now=NOW) is first and cache.reads == 1
    clock[0] = 61
    again = await cache.get(report_db, year=1403, min_cases=2, now=NOW)
    assert cache.reads == 2 and again.months[0].by_agency[1].received == 2


async def test_the_page_is_open_to_anyone_and_shows_no_person(sessions):
    await seed_offices(sessions)
    await load_fixed_cases(sessions)
    app = make_app(sessions=sessions, public_min_cases=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        home = (await browser.get("/")).text
        response = await browser.get("/performance", params={"year": 1403})
    assert 'href="/performance"' in home
    page = response.text
    assert response.status_code == 200 and 'dir="rtl"' in page
    assert "اسفند ۱۴۰۳" in page and "سازمان الف" in page
    assert "کمتر از ۲ شکایت؛ نشان داده نمی‌شود" in page  # agency b's one complaint
    assert "۵۰٫۰٪" in page
    for personal in (FULL_NAME, MOBILE, NATIONAL_CODE, "E1", "شرح"):
        assert personal not in page


async def test_a_year_out_of_range_is_a_422(sessions):
    app = make_app(sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        response = await browser.get("/performance", params={"year": 99})
    assert response.status_code == 422
