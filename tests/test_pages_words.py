"""Plain, consistent Persian: one term for the tracking code in every SMS, page and API message; the citizen's
pages in the citizen's words, not the centre's internal titles; «ارجاع» only for the referral of an out-of-scope
complaint, never for an escalation; and no parentheses inside parentheses."""

import re
from pathlib import Path

import httpx
import pytest

from api.pages.labels import CITIZEN_STATUS_FA, CITIZEN_STEP_FA, EVENT_LABELS_FA, TASK_STATUS_FA
from schemas.enums import LEVEL_LABELS_FA, EventKind, TaskStatus
from sms.sender import TEMPLATES
from tests.apiutil import file, login, make_app, open_task
from tests.test_pages_access import log_in

ROOT = Path(__file__).resolve().parent.parent
READ_BY_PEOPLE = [*ROOT.glob("api/**/*.py"), *ROOT.glob("api/templates/**/*.html"), *ROOT.glob("sms/*.py")]
READ_BY_PEOPLE += [ROOT / "workflows/rules.py", ROOT / "schemas/enums.py", ROOT / "api/static/js/app.js"]


def nested_parentheses(text: str) -> list[str]:
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            if depth == 1:
                start = i
        elif ch == ")" and depth:
            depth -= 1
        if depth == 2:
            found.append(text[start : i + 40])
    return found


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_tracking_code_has_one_name_everywhere():
    assert all("کد رهگیری" in t for t in (TEMPLATES["registered"],))
    for path in READ_BY_PEOPLE:
        assert "کد پیگیری" not in path.read_text(encoding="utf-8"), path


def test_escalation_is_never_called_a_referral():
    for kind in (EventKind.ESCALATED, EventKind.ESCALATION_EXHAUSTED, EventKind.TASK_OPENED):
        assert "ارجاع" not in EVENT_LABELS_FA[kind]
    assert "ارجاع" not in TASK_STATUS_FA[TaskStatus.EXPIRED]
    assert "ارجاع" in EVENT_LABELS_FA[EventKind.REFERRED], "a referral is to another authority"
    assert "ارجاع" not in EVENT_LABELS_FA[EventKind.REJECTED], "a rejection without a target refers to no one"
    for path in READ_BY_PEOPLE:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not re.search(r"ارجاع[^\n]{0,12}سطح|سطح[^\n]{0,12}ارجاع", line), (path, line)
    assert "ارجاع" not in TEMPLATES["accepted"]


def test_the_citizen_reads_no_internal_title():
    for label in (*CITIZEN_STEP_FA.values(), *CITIZEN_STATUS_FA.values()):
        assert "راهبر" not in label and "هماهنگ" not in label


def test_no_label_holds_parentheses_inside_parentheses():
    for label in LEVEL_LABELS_FA.values():
        assert "(" not in label, "shown as «unit (level)», a level in parentheses would nest"
    assert nested_parentheses("الف (ب (ج))") and not nested_parentheses("الف (ب) (ج)")


@pytest.fixture
def pages(seeded, temporal_env, task_queue):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    return lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


async def test_pages_say_tracking_code_and_nest_no_parentheses(api, pages):
    code = await file(api)
    await open_task(api, await login(api, "sso-senior"), code, "review")
    async with pages() as browser:
        track = visible_text((await browser.get(f"/track/{code}")).text)
        lookup = visible_text((await browser.get("/track")).text)
        await log_in(browser, "sso-senior")
        case = visible_text((await browser.get(f"/cases/{code}")).text)
    assert "راهبر ارشد" not in track and "بررسی در دستگاه" in track
    assert "کد رهگیری" in lookup
    assert "ستاد ملی دستگاه" in case  # the review form offers the national unit, its level in one pair of parens
    for text in (track, lookup, case):
        assert not nested_parentheses(text), nested_parentheses(text)
        assert "کد پیگیری" not in text
