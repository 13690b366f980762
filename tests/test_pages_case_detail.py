"""GET /api/v1/cases/{code} and the staff case page are one view of the case (api.services.case_detail): the
same status, citizen (masked the same way), named employee, timeline and tasks, for each viewer."""

import re

import httpx
import pytest
from sqlalchemy import select

from database.models import AccessRecord
from schemas.enums import CaseStatus
from tests.apiutil import file, login, make_app, open_task, projected
from tests.factories import FULL_NAME, complaint
from tests.test_pages_access import log_in
from timekeeping.persian import persian_digits

EMPLOYEE = "آقای کریمی"
ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "جایگزین به باجه بفرستید"}


@pytest.fixture
async def case_in_handling(api, seeded) -> str:
    """A case the senior coordinator accepted for the Takestan office: three events' worth of timeline, two tasks."""
    code = await file(api, complaint(employee_name=EMPLOYEE))
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), code, "handling")
    await projected(seeded, code, status="in_handling")
    return code


def _between(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found is not None, pattern
    return found.group(1)


@pytest.mark.parametrize(("username", "personal"), [("sso-senior", True), ("sso-takestan", False)])
async def test_the_json_detail_and_the_case_page_show_the_same_case(
    api, seeded, temporal_env, task_queue, case_in_handling, username, personal
):
    code = case_in_handling
    detail = (await api.get(f"/cases/{code}", headers=await login(api, username))).json()
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test") as browser:
        await log_in(browser, username)
        response = await browser.get(f"/cases/{code}")
    assert response.status_code == 200
    html = response.text

    assert detail["live"]["status"] == "in_handling" and detail["live_error"] is None
    assert _between(html, r'id="case-status">([^<]+)<') == CaseStatus(detail["live"]["status"]).label_fa
    citizen = detail["citizen"]
    assert citizen["masked"] is not personal
    shown = _between(html, r"<dt>شهروند</dt><dd>(.*?)</dd>")
    assert citizen["full_name"] in shown
    assert persian_digits(citizen["mobile"]) in shown and persian_digits(citizen["national_code"]) in shown
    assert (detail["employee_name"] == EMPLOYEE) is personal and (EMPLOYEE in html) is personal
    timeline = _between(html, r'<ol class="timeline" id="timeline">(.*?)</ol>')
    assert timeline.count("<li>") == len(detail["events"]) == 2
    rows = _between(html, r"<h2>کارها</h2>.*?<tbody>(.*?)</tbody>")
    assert rows.count("<tr>") == len(detail["tasks"]) == 2

    async with seeded() as session:
        seen = list(await session.scalars(select(AccessRecord.what).where(AccessRecord.tracking_code == code)))
    assert sorted(seen) == ["case_detail", "case_page"]  # every view, masked or not
    assert (FULL_NAME in html) is personal and (FULL_NAME in str(detail)) is personal
