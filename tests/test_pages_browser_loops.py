"""The citizen's loop in a real browser at phone width: the senior asks the citizen a question on the case page,
the citizen answers on the tracking page, the unit completes, the senior approves (confirming first), and the
citizen gives feedback by answering the result SMS with "4" through the gateway's receive callback (the fake
gateway delivers it). Then an operator's caller page. Screenshots at 360 and 1366 px under the test's tmp_path."""

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from database.models import SmsOutbox
from tests.apiutil import file, http, make_app, projected, served
from tests.browserutil import PHONE, digits, log_in, reload_until
from tests.factories import MOBILE
from tests.fakegateway import deliver_inbound
from tests.fixtures.browser import STRICT_CSP

SECRET = "inbound-secret-for-the-browser-test"
WIDE = {"width": 1366, "height": 768}


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


async def no_sideways_scroll(page) -> None:
    assert (await page.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"], page.url


async def test_question_answer_approval_and_feedback_by_sms_at_phone_width(loop_site, seeded, browsing, tmp_path):
    site, app = loop_site
    async with http(app) as api:
        code = await file(api)
    await projected(seeded, code)

    # The senior coordinator asks the citizen a question from the case page, on a phone.
    senior = await browsing.page(PHONE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/cases/{code}", "#form-request-information")
    await senior.get_by_label("آنچه شهروند باید بفرستد").fill("شماره باجه و ساعت مراجعه را بنویسید")
    await senior.screenshot(path=tmp_path / "1-senior-asks-360.png", full_page=True)
    await no_sideways_scroll(senior)
    await senior.get_by_role("button", name="ارسال پرسش").click()
    assert "پیامک شد" in await senior.locator("#action-done").inner_text()
    paused = senior.locator(".clock-paused").first
    assert "متوقف" in await paused.inner_text() and "در انتظار پاسخ شهروند" in await paused.inner_text()

    # The SMS asks the citizen to answer on the tracking page, and carries its link.
    async with seeded() as session:
        asked = await session.scalar(
            select(SmsOutbox.body).where(SmsOutbox.tracking_code == code, SmsOutbox.template == "information_requested")
        )
    assert f"/track/{code}" in asked

    # The citizen proves the mobile and answers on the tracking page.
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
    await phone.screenshot(path=tmp_path / "2-citizen-question-360.png", full_page=True)
    await no_sideways_scroll(phone)
    await phone.get_by_label("پاسخ شما").fill("باجه ۴، ساعت ۱۰ صبح")
    await phone.get_by_role("button", name="ارسال پاسخ").click()
    assert "پاسخ شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    assert await phone.locator("#reply-title").count() == 0

    # The senior reviews; the Takestan coordinator completes, on a phone.
    await reload_until(senior, f"{site}/cases/{code}", "#form-review")
    await senior.get_by_label("دستور اقدام").fill("با باجه ۴ تماس بگیرید و نیروی جایگزین بگذارید")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await senior.locator("#action-done").wait_for()
    unit = await browsing.page(PHONE)
    await log_in(unit, site, "sso-takestan")
    await reload_until(unit, f"{site}/cases/{code}", "#form-complete")
    assert await unit.locator("#form-escalate").count() == 1  # the unit may escalate with a reason instead
    await unit.screenshot(path=tmp_path / "3-unit-case-360.png", full_page=True)
    await unit.get_by_label("شرح اقدام").fill("نیروی جایگزین در باجه ۴ مستقر شد")
    await unit.get_by_role("button", name="ثبت گزارش").click()
    assert await unit.locator("#action-done").inner_text() == "گزارش اقدام ثبت شد."

    # The senior approves, and is asked first.
    await reload_until(senior, f"{site}/cases/{code}", "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("نیروی جایگزین در باجه مستقر شد و کار شما انجام می‌شود")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.locator("#confirm-consequence").wait_for()
    assert "نیروی جایگزین" in await senior.locator("#confirm-typed").inner_text()
    await senior.screenshot(path=tmp_path / "4-senior-confirms-360.png", full_page=True)
    await no_sideways_scroll(senior)
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()
    await senior.locator("#action-done").wait_for()
    await projected(seeded, code, status="awaiting_feedback")

    # The citizen answers the result SMS with "4"; the gateway hands it to the receive callback.
    status, answer = await asyncio.to_thread(
        deliver_inbound, f"{site}/api/v1/sms/inbound", flavour="kavenegar", mobile=MOBILE, text="۴", secret=SECRET
    )
    assert (status, answer["outcome"]) == (200, "feedback_recorded"), answer
    await reload_until(phone, f"{site}/track/{code}", "text=بسته‌شده")
    await phone.screenshot(path=tmp_path / "5-citizen-closed-360.png", full_page=True)
    await no_sideways_scroll(phone)
    case = await projected(seeded, code, status="closed")
    assert (case.satisfied, case.rating) == (True, 4)

    # The same pages at 1366 px: the closed case for the senior, and the operator's caller page.
    wide = await browsing.page(WIDE)
    await log_in(wide, site, "sso-senior")
    await wide.goto(f"{site}/cases/{code}")
    await wide.screenshot(path=tmp_path / "6-senior-case-1366.png", full_page=True)
    for viewport, name in ((WIDE, "1366"), (PHONE, "360")):
        operator = await browsing.page(viewport)
        await log_in(operator, site, "operator1")
        await operator.get_by_role("link", name=re.compile("نظر تماس‌گیرنده")).click()
        await operator.get_by_label("کد رهگیری شکایت").fill(code)
        await operator.get_by_role("button", name="ارسال کد به شماره شکایت").click()
        await operator.get_by_label("کدی که تماس‌گیرنده می‌خواند").wait_for()
        await operator.screenshot(path=tmp_path / f"7-operator-caller-{name}.png", full_page=True)
        async with seeded() as session:
            sent = await session.scalar(
                select(SmsOutbox.body).where(SmsOutbox.template == "otp").order_by(SmsOutbox.id.desc()).limit(1)
            )
        await operator.get_by_label("کدی که تماس‌گیرنده می‌خواند").fill(digits(sent)[-6:])
        await operator.get_by_role("button", name="تأیید کد").click()
        assert code in digits(await operator.locator("#caller-cases").inner_text())
        await operator.screenshot(path=tmp_path / f"8-operator-caller-cases-{name}.png", full_page=True)
    await no_sideways_scroll(operator)
