"""One clock language: every page shows the open task's own time and the case's 3-hour deadline, each with its
label; a deadline past in words and colour; a paused clock as paused, with why, and not counting down; a
duration as a person says it (hours and minutes, never «۰ دقیقه و ۳۲ ثانیه")."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.pages.clocks import CASE_LABEL_FA, TASK_LABELS_FA, ClockState, case_clock, task_clock
from database.models import Case
from schemas.enums import TaskKind
from tests.apiutil import file, login, make_app, open_task, projected
from tests.polling import eventually_async
from tests.test_pages_access import log_in

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
QUESTION = {"what_is_needed": "شماره باجه‌ای که به آن مراجعه کردید را بنویسید"}


def running(**overrides):
    args = {"status": "in_handling", "due_at": NOW + timedelta(minutes=95), "breached": False, "paused": False}
    return case_clock(**(args | overrides), now=NOW)


def test_a_running_deadline_is_labelled_and_worded_in_hours_and_minutes():
    clock = running()
    assert clock.label == CASE_LABEL_FA == "مهلت سه‌ساعته پرونده"
    assert clock.state is ClockState.OK and clock.text == "۱ ساعت و ۳۵ دقیقه مانده"
    assert clock.ticking and clock.note.startswith("تا ۱۴۰۵/")
    assert running(due_at=NOW + timedelta(seconds=32)).text == "کمتر از یک دقیقه مانده"
    assert running(due_at=NOW + timedelta(minutes=12)).state is ClockState.NEAR


def test_a_breached_deadline_reads_as_past_in_words_and_red():
    past = running(due_at=NOW - timedelta(minutes=45), breached=True)
    assert past.state is ClockState.PASSED and past.css_class == "clock clock-passed"
    assert past.text == "۴۵ دقیقه از مهلت گذشته"
    # A breach on record never reads as time left, nor counts down to a due time still ahead.
    early = running(due_at=NOW + timedelta(seconds=45), breached=True)
    assert early.state is ClockState.PASSED and "مانده" not in early.text and not early.ticking
    # After the result: whether the deadline was kept, not a countdown.
    kept = running(status="awaiting_feedback", result_approved=True)
    assert kept.state is ClockState.MET and not kept.ticking and kept.text == "نتیجه در مهلت اعلام شد"
    missed = running(status="closed", result_approved=True, breached=True)
    assert missed.state is ClockState.PASSED and missed.text == "مهلت رعایت نشد"


def test_a_paused_clock_says_why_and_does_not_count_down():
    for audience, who in (("staff", "پاسخ شهروند"), ("citizen", "پاسخ شما")):
        clock = case_clock(status="in_handling", due_at=NOW, breached=False, paused=True, audience=audience, now=NOW)
        assert clock.state is ClockState.PAUSED and clock.text == "متوقف" and who in clock.note
        assert not clock.ticking and clock.due_iso == ""
    task = task_clock(kind="handling", status="open", due_at=NOW, paused=True, now=NOW)
    assert task.state is ClockState.PAUSED and not task.ticking


def test_the_tasks_own_time_names_what_happens_when_it_runs_out():
    handling = task_clock(kind="handling", status="open", due_at=NOW + timedelta(minutes=40), paused=False, now=NOW)
    assert handling.label == TASK_LABELS_FA[TaskKind.HANDLING] and "سطح بالاتر" in handling.label
    assert handling.text == "۴۰ دقیقه مانده" and handling.label != CASE_LABEL_FA
    review = task_clock(kind="review", status="open", due_at=NOW - timedelta(minutes=5), paused=False, now=NOW)
    assert review.label == "زمان بررسی" and review.text == "۵ دقیقه از مهلت گذشته"
    assert task_clock(kind="approval", status="open", due_at=NOW, paused=False, now=NOW) is None, "due with the case"
    assert task_clock(kind="handling", status="completed", due_at=NOW, paused=False, now=NOW) is None


def test_the_countdown_script_words_time_as_the_server_does():
    script = open("api/static/js/app.js", encoding="utf-8").read()
    assert "ثانیه" not in script and "کمتر از یک دقیقه" in script
    assert ".clock[data-due]" in script, "only a running clock, which has data-due, is counted down"


async def _paused(sessions, code: str) -> bool:
    async with sessions() as session:
        case = await session.get(Case, code)
        return case is not None and case.paused_since is not None


def _clocks(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<div class="clock [^"]*".*?</div>', html, re.S)]


@pytest.fixture
def pages(seeded, temporal_env, task_queue):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    return lambda: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


async def test_inbox_case_page_and_tracking_page_speak_one_clock_language(api, seeded, pages):
    code = await file(api)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    accept = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "جایگزین به باجه بفرستید"}
    assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), code, "handling")
    await projected(seeded, code, status="in_handling")

    async with pages() as browser:
        await log_in(browser, "sso-takestan")
        inbox = _clocks((await browser.get("/inbox")).text)
        case_page = (await browser.get(f"/cases/{code}")).text
        on_case = _clocks(case_page)
        tracking = _clocks((await browser.get(f"/track/{code}")).text)
    task_label = TASK_LABELS_FA[TaskKind.HANDLING]
    for clocks in (inbox, on_case):
        assert [c.split(":")[0] for c in clocks] == [task_label, CASE_LABEL_FA]
        assert all("مانده" in c for c in clocks)
    assert [c.split(":")[0] for c in tracking] == [
        CASE_LABEL_FA,
        "زمان پاسخ اداره در این سطح پیش از رفتن به سطح بالاتر",
    ]
    assert case_page.count("data-due=") == 2, "both clocks count down"

    # The unit asks the citizen: every clock stands still, and says why.
    takestan = await login(api, "sso-takestan")
    assert (await api.post(f"/cases/{code}/request-information", json=QUESTION, headers=takestan)).status_code == 200
    await eventually_async(lambda: _paused(seeded, code), timeout=30, what="the pause in the read model")
    async with pages() as browser:
        await log_in(browser, "sso-takestan")
        inbox_html = (await browser.get("/inbox")).text
        case_html = (await browser.get(f"/cases/{code}")).text
        track_html = (await browser.get(f"/track/{code}")).text
    for html in (inbox_html, case_html, track_html):
        clocks = _clocks(html)
        assert len(clocks) == 2 and all("متوقف" in c and "در انتظار پاسخ" in c for c in clocks), clocks
        assert "data-due=" not in html and "ثانیه" not in html
