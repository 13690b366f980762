"""The reports API: JSON, CSV and XLSX carry the same numbers; who may see which agency; bad input is a 422."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from openpyxl import load_workbook

from api.auth.tokens import create_token
from api.pages.session import COOKIE
from database.models import User
from database.sessions import transaction
from schemas.enums import INDICATOR_LABELS_FA, Indicator
from tests.apiutil import api_settings, http, make_app
from tests.reportcases import case_row, load_fixed_cases, seed_offices, tehran
from timekeeping.persian import persian_number

USERS = {
    "admin": ("admin", None),
    "auditor": ("auditor", None),
    "aa-senior": ("senior_coordinator", "aa"),
    "operator1": ("operator", None),
}


@pytest.fixture
async def client(sessions):
    await seed_offices(sessions)
    await load_fixed_cases(sessions)
    async with transaction(sessions) as session:
        for user_id, (username, (role, agency)) in enumerate(USERS.items(), start=1):
            session.add(
                User(id=user_id, username=username, full_name=username, role=role, password_hash="-", agency_id=agency)
            )
    app = make_app(sessions=sessions, ranking_min_cases=1)
    async with http(app, citizen=None) as c:
        yield c


def auth(username: str) -> dict[str, str]:
    """A bearer token of one of USERS (ids follow their order of insertion)."""
    user_id = list(USERS).index(username) + 1
    token, _ = create_token(user_id=user_id, role=USERS[username][0], settings=api_settings())
    return {"Authorization": f"Bearer {token}"}


async def test_csv_and_xlsx_exports_carry_the_numbers_of_the_json(client):
    headers = auth("admin")
    params = {"year": 1403, "month": 12}
    page = (await client.get("/reports/monthly", params=params, headers=headers)).json()
    figures = page["period"]["figures"]
    assert figures["received"] == 4 and figures["p90_minutes_to_result"] == 184.0

    response = await client.get("/reports/monthly", params=params | {"format": "csv"}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["month"] for r in rows] == ["12", "11"]
    assert rows[0]["received"] == "4" and rows[0]["indicator_7"] == "2" and rows[0]["escalations_provincial"] == "1"
    assert float(rows[0]["within_sla_share"]) == figures["within_sla_share"]
    assert rows[0]["mean_rating"] == "3.5" and rows[0]["period"] == "اسفند ۱۴۰۳"

    response = await client.get("/reports/monthly", params=params | {"format": "xlsx"}, headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    keys = [cell.value for cell in sheet[2]]
    esfand = dict(zip(keys, [cell.value for cell in sheet[3]], strict=True))
    assert sheet.sheet_view.rightToLeft and sheet["D1"].value == "شکایات دریافتی"
    assert esfand["received"] == figures["received"] and esfand["breaches"] == figures["breaches"]
    assert esfand["median_minutes_to_result"] == figures["median_minutes_to_result"]
    assert esfand["share_satisfied"] == figures["satisfaction"]["share_satisfied"]
    assert esfand["indicator_3"] == figures["by_indicator"]["3"]


async def test_annual_export_has_the_year_then_each_month(client):
    headers = auth("auditor")
    response = await client.get("/reports/annual", params={"year": 1403, "format": "xlsx"}, headers=headers)
    sheet = load_workbook(io.BytesIO(response.content)).active
    received = [row[3].value for row in sheet.iter_rows(min_row=3)]
    assert received == [5] + [0] * 10 + [1, 4]


async def test_a_senior_coordinator_sees_only_its_agency(client):
    headers = auth("aa-senior")
    own = await client.get("/reports/monthly", params={"year": 1403, "month": 12}, headers=headers)
    assert own.status_code == 200 and own.json()["period"]["figures"]["received"] == 3
    assert own.json()["slice"]["agency_id"] == "aa"
    other = await client.get("/reports/monthly", params={"year": 1403, "month": 12, "agency_id": "bb"}, headers=headers)
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"


async def test_an_operator_may_not_read_reports(client):
    response = await client.get("/reports/annual", params={"year": 1403}, headers=auth("operator1"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": 1403, "month": 13}, "month"),
        ({"year": 1403, "month": 1, "indicator": 9}, "indicator"),
        ({"year": 1403, "month": 1, "channel": "fax"}, "channel"),
        ({"month": 1}, "year"),
    ],
)
async def test_bad_report_parameters_are_a_422_naming_the_field(client, params, field):
    response = await client.get("/reports/monthly", params=params, headers=auth("admin"))
    assert response.status_code == 422
    assert field in str(response.json()["error"]["details"])


async def test_rankings_and_staff_answer_with_the_configured_minimum(client):
    headers = auth("admin")
    ranked = (await client.get("/reports/rankings", params={"year": 1403, "scope": "unit"}, headers=headers)).json()
    assert ranked["min_cases"] == 1 and ranked["unranked"] == []
    assert {e["subject_id"] for e in ranked["ranked"]} == {"aa-takestan", "aa-ziaran", "bb-takestan"}
    assert [c["name"] for c in ranked["ranked"][0]["components"]] == ["sla", "satisfaction", "reopen", "volume"]
    staff = await client.get("/reports/staff", params={"year": 1403, "month": 12}, headers=headers)
    assert staff.status_code == 200 and staff.json()["senior_coordinators"] == []


async def test_the_page_shows_the_same_figures_in_persian_digits_by_name_with_charts_that_fit(client):
    response = await client.get(
        "/reports/monthly",
        params={"year": 1403, "month": 12, "format": "html", "agency_id": "aa", "indicator": 7},
        headers=auth("admin"),
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fa" dir="rtl">' in page and "/static/css/app.css?v=" in page, "the app's layout and font"
    assert "گزارش فواد ۱۲۸ — اسفند ۱۴۰۳" in page
    slice_shown = re.search(r'id="report-slice">(.*?)</p>', page).group(1)
    assert "agency_id" not in slice_shown and "=" not in slice_shown
    assert "موضوع: " + INDICATOR_LABELS_FA[Indicator(7)] in slice_shown
    assert '<th scope="row">شکایات دریافتی</th><td class="num">' in page
    assert "شاخص ۱" not in page and all(INDICATOR_LABELS_FA[i] in page for i in Indicator)
    assert 'width="640"' not in page and page.count('<rect class="bar"') == 8 + 2  # indicators, and the trend


async def test_each_share_on_the_page_says_what_it_counts(client, sessions):
    async with transaction(sessions) as session:  # a case still open: in scope, without a result
        session.add(case_row("E5", tehran(1403, 12, 25), status="in_handling"))
    response = await client.get(
        "/reports/monthly", params={"year": 1403, "month": 12, "format": "html"}, headers=auth("admin")
    )
    figures = (await client.get("/reports/monthly", params={"year": 1403, "month": 12}, headers=auth("admin"))).json()
    f = figures["period"]["figures"]
    rows = dict(re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', response.text))
    over_results = rows["نتیجه در مهلت خود پرونده، از پرونده‌های دارای نتیجه"]
    over_in_scope = rows["در مهلت، از پرونده‌های در مهلت یا مهلت‌گذشته؛ پرونده باز تا مهلتش نگذشته شمرده نمی‌شود"]
    assert over_results == persian_number(f"{f['within_sla'] / f['results'] * 100:.1f}") + "٪"
    assert over_in_scope == persian_number(f"{f['within_sla_share'] * 100:.1f}") + "٪"
    assert f["results"] < f["decided"], "the open case past its deadline is a miss without a result"
    assert over_results != over_in_scope


def session_cookie(app, *, user_id: int) -> str:
    """The pages' session cookie of a logged-in staff user (the login form itself is tested in test_pages_access)."""
    now = datetime.now(UTC)
    claims = {"typ": "page", "csrf": "c", "uid": user_id, "iat": now, "exp": now + timedelta(minutes=5)}
    return jwt.encode(claims, app.state.settings.secret_key, algorithm="HS256")


async def test_the_report_page_opens_with_the_staff_session_of_the_pages(client, sessions):
    app = make_app(sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        anonymous = await browser.get("/api/v1/reports/monthly", params={"year": 1403, "month": 12, "format": "html"})
        assert anonymous.status_code == 401
        browser.cookies.set(COOKIE, session_cookie(app, user_id=list(USERS).index("admin") + 1))
        response = await browser.get("/api/v1/reports/monthly", params={"year": 1403, "month": 12, "format": "html"})
        assert response.status_code == 200 and "گزارش فواد ۱۲۸ — اسفند ۱۴۰۳" in response.text
        browser.cookies.set(COOKIE, session_cookie(app, user_id=list(USERS).index("operator1") + 1))
        refused = await browser.get("/api/v1/reports/annual", params={"year": 1403, "format": "html"})
        assert refused.status_code == 403
