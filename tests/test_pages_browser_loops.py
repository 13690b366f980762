"""The citizen's whole loop in a real browser at phone width (360x740), in five steps: (1) the senior orders an
on-site inspection by a named inspector and asks the citizen a question on the case page; (2) the citizen answers
on the tracking page, which shows the paused clock as paused; (3) the inspector records the inspection (arrival
time, outcome, findings); (4) the senior approves, through the page that asks first; (5) the citizen gives
feedback by answering the result SMS with "4" through the gateway's receive callback (the fake gateway delivers
it). Each step's page is checked (tests/pagecheck.py: no sideways scroll, 44 px targets, axe) and photographed
under the test's tmp_path (FOAD_SHOTS=dir keeps them in dir instead)."""

import asyncio
import os
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from database.models import SmsOutbox
from schemas.enums import CaseStatus
from tests.apiutil import file, http, make_app, projected, served
from tests.browserutil import PHONE, digits, log_in, reload_until
from tests.factories import MOBILE
from tests.fakegateway import deliver_inbound
from tests.fixtures.browser import STRICT_CSP
from tests.pagecheck import check_page
from timekeeping.tehran import TEHRAN

SECRET = "inbound-secret-for-the-browser-test"
AT_PHONE = {"360x740": PHONE}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FOAD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def loop_site(temporal_env, seeded, task_queue, worker) -> AsyncIterator[tuple[str, object]]:
    """The whole app on a free port, in development (the outbox page is on), with the inbound SMS secret set."""
    app = make_app(
        sessions=seeded,
        client=temporal_env.client,
        task_queue=task_queue,
        environment="development",
        sms_inbound_secret=SECRET,
    )

    @app.middleware("http")
    async def strict_csp(request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    async with served(app) as root:
        yield root, app


async def test_inspection_question_answer_approval_and_feedback_by_sms_at_phone_width(
    loop_site, seeded, browsing, shots
):
    site, app = loop_site
    async with http(app) as api:
        code = await file(api)
    await projected(seeded, code)
    case_url = f"{site}/cases/{code}"

    # 1. The senior coordinator, on a phone: the review sends the case to the office, then an on-site inspection by
    # a named inspector, then a question for the citizen.
    senior = await browsing.page(PHONE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, case_url, "#form-review")
    await senior.get_by_label("دستور اقدام").fill("با باجه مستمری تماس بگیرید و نیروی جایگزین بگذارید")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    assert await senior.locator("#case-status").inner_text() == CaseStatus.IN_HANDLING.label_fa
    order = senior.locator("#form-order-inspection")
    await order.get_by_label("بازرس").select_option("inspector1")
    await order.get_by_label("آنچه باید در محل بررسی شود").fill("حضور کارمند باجه مستمری بررسی شود")
    await order.get_by_role("button", name="اعزام بازرس").click()
    assert await senior.locator("#action-done").inner_text() == "دستور بازرسی حضوری ثبت شد و در کارتابل بازرس است."
    await reload_until(senior, case_url, "#inspection .inspection")
    assert await senior.locator("#form-order-inspection").count() == 0, "one inspection at a time"
    await senior.get_by_label("آنچه شهروند باید بفرستد").fill("شماره باجه و ساعت مراجعه را بنویسید")
    await senior.get_by_role("button", name="ارسال پرسش").click()
    assert "پیامک شد" in await senior.locator("#action-done").inner_text()
    paused = senior.locator("#case-clocks .clock-paused").first
    assert "متوقف" in await paused.inner_text() and "در انتظار پاسخ شهروند" in await paused.inner_text()
    await check_page(senior, shots, "loop-1-senior-inspection-and-question", viewports=AT_PHONE)
    async with seeded() as session:
        asked = await session.scalar(
            select(SmsOutbox.body).where(SmsOutbox.tracking_code == code, SmsOutbox.template == "information_requested")
        )
    assert f"/track/{code}" in asked, "the question's SMS carries the tracking page's link"

    # 2. The citizen proves the mobile and answers on the tracking page, whose clock stands still meanwhile.
    phone = await browsing.page(PHONE)
    await phone.goto(f"{site}/verify?next=/track/{code}")
    await phone.get_by_label("شماره همراه").fill(MOBILE)
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    outbox = await browsing.open(phone.context)
    await outbox.goto(f"{site}/dev/outbox")
    otp = digits(re.search(r"کد تأیید شما (\S+)", await outbox.locator(".sms-body").first.inner_text()).group(1))
    await outbox.close()
    await phone.get_by_label("کد تأیید").fill(otp)
    await phone.get_by_role("button", name="تأیید").click()
    await phone.wait_for_url(f"{site}/track/{code}")
    assert "شماره باجه" in await phone.locator("#question").inner_text()
    still = phone.locator("#case-clocks .clock-paused")
    assert await still.count() >= 1, "the tracking page shows the paused clock as paused"
    assert "متوقف" in await still.first.inner_text() and "پاسخ شما" in await still.first.inner_text()
    assert await phone.locator("#case-clocks [data-due]").count() == 0, "a paused clock does not count down"
    await check_page(phone, shots, "loop-2-citizen-question-paused", viewports=AT_PHONE)
    await phone.get_by_label("پاسخ شما").fill("باجه ۴، ساعت ۱۰ صبح")
    await phone.get_by_role("button", name="ارسال پاسخ").click()
    assert "پاسخ شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    assert await phone.locator("#reply-title").count() == 0
    assert await phone.locator("#case-clocks .clock-paused").count() == 0, "answered: the clock runs again"

    # 3. The inspector finds the case in the inbox and records the visit: arrival, outcome, findings.
    inspector = await browsing.page(PHONE)
    await log_in(inspector, site, "inspector1")
    await reload_until(inspector, f"{site}/inbox", f"a[href='/cases/{code}']")
    await inspector.locator(f"a[href='/cases/{code}']").click()
    record = inspector.locator("#form-record-inspection")
    # The minute about to begin: after the order, and within the two minutes a phone's clock may run ahead.
    arrived = datetime.now(TEHRAN) + timedelta(minutes=1)
    await record.get_by_label("ساعت رسیدن به محل").fill(arrived.strftime("%H:%M"))
    await record.get_by_label("نتیجه بازرسی").select_option("resolved_on_site")
    await record.get_by_label("یافته‌ها").fill("کارمند باجه در محل نبود؛ مدیر شعبه جایگزین گذاشت")
    await record.get_by_role("button", name="ثبت گزارش بازرسی").click()
    assert await inspector.locator("#action-done").inner_text() == "گزارش بازرسی حضوری ثبت شد."
    await reload_until(inspector, case_url, "#inspection .findings")
    assert "مدیر شعبه جایگزین گذاشت" in await inspector.locator("#inspection .findings").inner_text()
    assert await inspector.locator("#case-status").inner_text() == CaseStatus.AWAITING_APPROVAL.label_fa
    await check_page(inspector, shots, "loop-3-inspector-recorded", viewports=AT_PHONE)

    # 4. The senior approves, and is asked first.
    await reload_until(senior, case_url, "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("نیروی جایگزین در باجه مستقر شد و کار شما انجام می‌شود")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.locator("#confirm-consequence").wait_for()
    assert "نیروی جایگزین" in await senior.locator("#confirm-typed").inner_text()
    await check_page(senior, shots, "loop-4a-senior-confirms", viewports=AT_PHONE)
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()
    await senior.locator("#action-done").wait_for()
    assert await senior.locator("#case-status").inner_text() == CaseStatus.AWAITING_FEEDBACK.label_fa
    await check_page(senior, shots, "loop-4-senior-approved", viewports=AT_PHONE)
    await projected(seeded, code, status="awaiting_feedback")

    # 5. The citizen answers the result SMS with "4"; the gateway hands it to the receive callback.
    status, answer = await asyncio.to_thread(
        deliver_inbound, f"{site}/api/v1/sms/inbound", flavour="kavenegar", mobile=MOBILE, text="۴", secret=SECRET
    )
    assert (status, answer["outcome"]) == (200, "feedback_recorded"), answer
    case = await projected(seeded, code, status="closed")
    assert (case.satisfied, case.rating) == (True, 4)
    await reload_until(phone, f"{site}/track/{code}", "text=بسته‌شده")
    assert await phone.locator("ol.progress li.done").count() == 6, "a closed case has every step done"
    assert await phone.locator("#feedback-title").count() == 0, "the feedback came by SMS: no form left"
    await check_page(phone, shots, "loop-5-citizen-closed", viewports=AT_PHONE)
