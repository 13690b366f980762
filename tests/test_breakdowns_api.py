"""The breakdown API: JSON, CSV, XLSX and the page carry the same rows; an unknown grouping, an unknown sort or
a year with no data is a 422 naming its field; a senior coordinator sees only its own agency."""

import csv
import io

from openpyxl import load_workbook

from tests.test_reports_api import auth, client  # noqa: F401 (the fixture)

PARAMS = {"year": 1403, "month": 12, "group_by": "unit"}


async def test_csv_and_xlsx_carry_the_rows_of_the_json(client):  # noqa: F811
    headers = auth("admin")
    rows = (await client.get("/reports/breakdown", params=PARAMS, headers=headers)).json()["rows"]
    assert [r["subject"] for r in rows] == ["aa-takestan", "aa-ziaran", "bb-takestan"]  # 2, 1, 1 then by name
    response = await client.get("/reports/breakdown", params=PARAMS | {"format": "csv"}, headers=headers)
    assert response.status_code == 200 and "by-unit" in response.headers["content-disposition"]
    exported = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["subject"] for r in exported] == ["aa-takestan", "aa-ziaran", "bb-takestan", ""]
    assert [int(r["received"]) for r in exported] == [2, 1, 1, 4]
    assert exported[0]["within_sla_share"] == "0.5" and exported[0]["decided"] == "2"
    response = await client.get("/reports/breakdown", params=PARAMS | {"format": "xlsx"}, headers=headers)
    sheet = load_workbook(io.BytesIO(response.content)).active
    keys = [c.value for c in sheet[2]]
    assert sheet.sheet_view.rightToLeft
    assert [row[keys.index("received")].value for row in sheet.iter_rows(min_row=3)] == [2, 1, 1, 4]


async def test_the_page_shows_one_row_per_subject_with_sorting_links(client):  # noqa: F811
    response = await client.get(
        "/reports/breakdown", params=PARAMS | {"format": "html", "sort": "received", "order": "asc"},
        headers=auth("admin"),
    )  # fmt: skip
    page = response.text
    assert response.status_code == 200
    assert page.count('<tr><th scope="row">') == 3 + 1  # three offices and the total
    assert "شعبه تاکستان" in page and "دفتر زیاران" in page
    assert 'aria-sort="ascending"' in page and "sort=received&amp;order=desc" in page
    assert "۱ از ۲" in page  # aa-takestan: one within the deadline of two decided


async def test_an_unknown_grouping_is_a_422_naming_the_field(client):  # noqa: F811
    response = await client.get("/reports/breakdown", params=PARAMS | {"group_by": "city"}, headers=auth("admin"))
    assert response.status_code == 422
    assert "group_by" in response.text


async def test_an_unknown_sort_is_a_422_naming_the_field(client):  # noqa: F811
    response = await client.get("/reports/breakdown", params=PARAMS | {"sort": "speed"}, headers=auth("admin"))
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "query.sort"


async def test_a_year_outside_the_data_is_a_422_naming_the_years_there_are(client):  # noqa: F811
    response = await client.get("/reports/breakdown", params=PARAMS | {"year": 1399}, headers=auth("admin"))
    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "query.year" and "1403..1404" in detail["reason"]


async def test_a_senior_coordinator_breaks_down_only_its_own_agency(client):  # noqa: F811
    params = PARAMS | {"group_by": "agency"}
    rows = (await client.get("/reports/breakdown", params=params, headers=auth("aa-senior"))).json()["rows"]
    assert [r["subject"] for r in rows] == ["aa"]
    refused = await client.get("/reports/breakdown", params=params | {"agency_id": "bb"}, headers=auth("aa-senior"))
    assert refused.status_code == 403
