"""People, not logins: the case page's timeline and tasks name each actor by full name and role, and the
auditor's history page reads in Persian (event names, Jalali times, names of units, provinces and levels), with
each decoded event one click away."""

import re

import httpx
import pytest
from sqlalchemy import select

from database.models import User
from tests.apiutil import file, login, make_app, open_task, projected
from tests.test_pages_access import log_in
from tests.test_pages_words import visible_text

ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "جایگزین به باجه بفرستید"}


@pytest.fixture
def pages(seeded, temporal_env, task_queue):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    return lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


@pytest.fixture
async def handled_case(api, seeded) -> str:
    """Reviewed by sso-senior, completed by sso-takestan: three people on the record."""
    code = await file(api)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    task = await open_task(api, takestan, code, "handling")
    done = {"outcome": "substitute_assigned", "note": "نیروی جایگزین مستقر شد"}
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=done, headers=takestan)).status_code == 200
    await projected(seeded, code, status="awaiting_approval")
    return code


async def _full_name(seeded, username: str) -> str:
    async with seeded() as session:
        return await session.scalar(select(User.full_name).where(User.username == username))


async def test_the_timeline_names_people_by_full_name_and_role(handled_case, seeded, pages):
    async with pages() as browser:
        await log_in(browser, "sso-senior")
        html = (await browser.get(f"/cases/{handled_case}")).text
    timeline = visible_text(re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', html, re.S).group(1))
    tasks = visible_text(re.search(r"<h2>کارها</h2>(.*?)</table>", html, re.S).group(1))
    senior, unit = await _full_name(seeded, "sso-senior"), await _full_name(seeded, "sso-takestan")
    assert f"{senior}، راهبر ارشد" in timeline and f"{unit}، هماهنگ‌کننده واحد" in timeline
    assert "sso-senior" not in timeline and "sso-takestan" not in timeline
    assert f"{unit}، هماهنگ‌کننده واحد" in tasks and f"{senior}، راهبر ارشد" in tasks
    assert "شهروند" in timeline or "سامانه" in timeline or "کارشناس" in timeline  # the filing, by what it is


async def test_the_auditors_history_reads_in_persian_with_the_raw_event_one_click_away(handled_case, seeded, pages):
    async with pages() as browser:
        await log_in(browser, "auditor")
        response = await browser.get(f"/audit/{handled_case}")
    assert response.status_code == 200
    html = response.text
    folded = re.findall(
        r'<details class="raw"><summary>رویداد خام</summary><pre dir="ltr">(.*?)</pre></details>', html, re.S
    )
    shown = visible_text(re.sub(r'<details class="raw">.*?</details>', " ", html, flags=re.S))
    assert folded and any("workflow_started" in raw for raw in folded), "the decoded event, one click away"
    assert "آغاز گردش کار پرونده" in shown and "workflow_started" not in shown and "update_accepted" not in shown
    assert "بررسی و دستور اقدام" in shown and "ارسال پیامک" in shown
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", shown), "times are Jalali, not ISO"
    assert "۱۴۰۵/" in shown
    assert "IR-26" not in shown and "قزوین" in shown, "a province by its name"
    assert "sso-qazvin-takestan" not in shown and "شعبه تأمین اجتماعی تاکستان" in shown, "a unit by its name"
    assert "None" not in shown and "FoadLevel" not in shown
    senior = await _full_name(seeded, "sso-senior")
    assert f"{senior}، راهبر ارشد" in shown
