"""The annual evaluation's API: who sees which agency's sheet, a year outside the data, and the XLSX and PDF
carrying the sheet's numbers (the cases of tests/test_evaluation.py)."""

import io
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from api.auth.tokens import create_token
from database.models import User
from database.sessions import transaction
from tests.apiutil import api_settings, http, make_app
from tests.reportcases import seed_offices
from tests.test_evaluation import load_year
from tests.test_written_answer import BIDI_CONTROLS

# As tests/test_written_answer.py reads a PDF back, with the Persian decimal separator inside a run of digits.
NUMBER_RUN = re.compile(r"[۰-۹0-9](?:[۰-۹0-9/:٫]*[۰-۹0-9])?")


def pdf_text(body: bytes) -> str:
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    text = unicodedata.normalize("NFKC", raw).translate(BIDI_CONTROLS)
    return re.sub(r"[ \t]+", " ", NUMBER_RUN.sub(lambda m: m.group()[::-1], text))


USERS = {
    "admin": ("admin", None),
    "auditor": ("auditor", None),
    "aa-senior": ("senior_coordinator", "aa"),
    "operator1": ("operator", None),
}


@pytest.fixture
async def client(sessions):
    await seed_offices(sessions)
    await load_year(sessions)
    async with transaction(sessions) as session:
        for user_id, (username, (role, agency)) in enumerate(USERS.items(), start=1):
            session.add(
                User(id=user_id, username=username, full_name=username, role=role, password_hash="-", agency_id=agency)
            )
    app = make_app(sessions=sessions, ranking_min_cases=2, evaluation_min_person_cases=1)
    async with http(app, citizen=None) as c:
        yield c


def auth(username: str) -> dict[str, str]:
    user_id = list(USERS).index(username) + 1
    token, _ = create_token(user_id=user_id, role=USERS[username][0], settings=api_settings())
    return {"Authorization": f"Bearer {token}"}


async def test_the_centre_sees_every_agency_ranked(client):
    for who in ("admin", "auditor"):
        response = await client.get("/evaluation/agencies", params={"year": 1403}, headers=auth(who))
        assert response.status_code == 200
        assert [(s["agency_id"], s["rank"]) for s in response.json()["sheets"]] == [("bb", 1), ("aa", 2)]


async def test_a_senior_coordinator_gets_its_own_sheet_and_a_403_for_another_agencys(client):
    own = await client.get("/evaluation/agencies/aa", params={"year": 1403}, headers=auth("aa-senior"))
    assert own.status_code == 200 and own.json()["sheet"]["rank"] == 2
    other = await client.get("/evaluation/agencies/bb", params={"year": 1403}, headers=auth("aa-senior"))
    assert other.status_code == 403
    league = await client.get("/evaluation/agencies", params={"year": 1403}, headers=auth("aa-senior"))
    assert [s["agency_id"] for s in league.json()["sheets"]] == ["aa"]


async def test_an_operator_may_not_read_the_evaluation(client):
    response = await client.get("/evaluation/agencies", params={"year": 1403}, headers=auth("operator1"))
    assert response.status_code == 403


async def test_a_year_outside_the_data_is_a_422_naming_the_field(client):
    for path in ("/evaluation/agencies", "/evaluation/agencies/aa"):
        response = await client.get(path, params={"year": 1399}, headers=auth("admin"))
        assert response.status_code == 422
        [detail] = response.json()["error"]["details"]
        assert detail["field"] == "query.year" and "1402, 1403" in detail["reason"]


async def test_an_unknown_agency_is_a_404(client):
    response = await client.get("/evaluation/agencies/zz", params={"year": 1403}, headers=auth("admin"))
    assert response.status_code == 404


async def test_the_xlsx_carries_the_components_weights_score_and_people(client):
    response = await client.get(
        "/evaluation/agencies/aa", params={"year": 1403, "format": "xlsx"}, headers=auth("admin")
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1:] for row in book["ارزیابی دستگاه"].iter_rows(values_only=True) if row[0]}
    # today A4's deadline has long passed: a miss, so the deadline is 2 of 4 and the score 0.4 * 0.5 + 0.3625
    assert summary["امتیاز"][0] == 0.5625
    assert summary["رتبه"][:3] == (2, "از", 2)
    sla = next(v for k, v in summary.items() if k.startswith("رسیدگی در مهلت"))
    assert sla[1:5] == (0.4, 2, 4, 0.5)
    assert book["ارزیابی افراد"].max_row >= 2


async def test_the_pdf_is_persian_and_names_the_agency_score_and_rank(client):
    response = await client.get(
        "/evaluation/agencies/aa", params={"year": 1403, "format": "pdf"}, headers=auth("admin")
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "ارزیابی سالانه سازمان الف — سال ۱۴۰۳" in text
    assert "امتیاز: ۰٫۵۶۲۵" in text and "رتبه: ۲ از ۲ دستگاه" in text
    assert "وزن ۰٫۴؛ مقدار ۰٫۵ (۲ از ۴" in text
