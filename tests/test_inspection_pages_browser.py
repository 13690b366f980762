"""The inspection and the written answer on the pages, in a real browser: the senior orders an on-site inspection
by a named inspector on a wide screen, the inspector records it from a phone, the citizen downloads the written
answer on a phone. Screenshots under the test's tmp_path (and /work/wt/... when a reviewer looks at them)."""

import re
from datetime import datetime

import httpx

from tests.browserutil import PHONE, digits, log_in, reload_until
from tests.factories import MOBILE, PASSWORD, complaint
from tests.test_written_answer import pdf_text
from timekeeping.persian import persian_digits
from timekeeping.tehran import TEHRAN

WIDE = {"width": 1366, "height": 768}


async def _filed(site: str) -> str:
    async with httpx.AsyncClient(base_url=f"{site}/api/v1") as api:
        token = await api.post("/auth/token", data={"username": "operator1", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Idempotency-Key": "pages-inspection"}
        filed = await api.post("/complaints", json=complaint(), headers=headers)
        assert filed.status_code == 201, filed.text
        return filed.json()["tracking_code"]


async def _no_sideways_scroll(page, selector: str | None = None) -> None:
    """The page (or, on the case page, whose task table is laid out elsewhere, this section) fits a phone."""
    if selector is None:
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        return
    box = await page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert await page.locator(selector).evaluate("e => e.scrollWidth <= e.clientWidth")


async def test_the_senior_orders_an_inspection_the_inspector_records_it_the_citizen_gets_the_answer(
    site, browsing, tmp_path
):
    code = await _filed(site)
    senior = await browsing.page(WIDE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/cases/{code}", "#form-review")
    await senior.get_by_label("دستور اقدام").fill("با شعبه تماس بگیرید")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await senior.locator("#action-done").wait_for()

    # In handling, the senior sends a named inspector.
    order = senior.locator("#form-order-inspection")
    await order.get_by_label("بازرس").select_option("inspector1")
    await order.get_by_label("آنچه باید در محل بررسی شود").fill("حضور کارمند باجه مستمری بررسی شود")
    await order.get_by_role("button", name="اعزام بازرس").click()
    assert await senior.locator("#action-done").inner_text() == "دستور بازرسی حضوری ثبت شد و در کارتابل بازرس است."
    await reload_until(senior, f"{site}/cases/{code}", "#inspection .inspection")
    assert "باز" in await senior.locator("#inspection .inspection-status").inner_text()
    assert await senior.locator("#form-order-inspection").count() == 0, "one inspection at a time"
    assert await senior.locator("#form-record-inspection").count() == 0, "only the named inspector records it"
    await senior.screenshot(path=tmp_path / "1-senior-ordered-inspection-1366.png", full_page=True)

    # The inspector finds it in the inbox on a phone, and records the visit.
    inspector = await browsing.page(PHONE)
    await log_in(inspector, site, "inspector1")
    await reload_until(inspector, f"{site}/inbox", f"a[href='/cases/{code}']")
    assert "بازرسی حضوری" in await inspector.locator("table.inbox tbody").inner_text()
    await inspector.screenshot(path=tmp_path / "2-inspector-inbox-360.png", full_page=True)
    await _no_sideways_scroll(inspector)
    await inspector.locator(f"a[href='/cases/{code}']").click()
    record = inspector.locator("#form-record-inspection")
    await _no_sideways_scroll(inspector, "#inspection")
    await inspector.screenshot(path=tmp_path / "3a-inspector-record-form-360.png", full_page=True)
    await record.get_by_label("ساعت رسیدن به محل").fill(datetime.now(TEHRAN).strftime("%H:%M"))
    await record.get_by_label("نتیجه بازرسی").select_option("resolved_on_site")
    await record.get_by_label("یافته‌ها").fill("کارمند باجه در محل نبود؛ مدیر شعبه جایگزین گذاشت")
    await record.get_by_role("button", name="ثبت گزارش بازرسی").click()
    assert await inspector.locator("#action-done").inner_text() == "گزارش بازرسی حضوری ثبت شد."
    await reload_until(inspector, f"{site}/cases/{code}", "#inspection .findings")
    assert "مدیر شعبه جایگزین گذاشت" in await inspector.locator("#inspection .findings").inner_text()
    assert await inspector.locator("#case-status").inner_text() == "در انتظار تأیید نتیجه"
    await inspector.screenshot(path=tmp_path / "3-inspector-recorded-360.png", full_page=True)
    await _no_sideways_scroll(inspector, "#inspection")

    # The senior approves; the citizen, with the mobile verified, downloads the written answer.
    await reload_until(senior, f"{site}/cases/{code}", "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("نیروی جایگزین در باجه مستقر شد")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()  # it asks first
    await senior.locator("#action-done").wait_for()

    stranger = await browsing.page(PHONE)
    await reload_until(stranger, f"{site}/track/{code}", "#written-answer-title")
    assert "شماره همراه خود را تأیید کنید" in await stranger.locator(".written-answer").inner_text()
    assert await stranger.locator("#written-answer").count() == 0

    citizen = await browsing.page(PHONE)
    await citizen.goto(f"{site}/verify?next=/track/{code}")
    await citizen.get_by_label("شماره همراه").fill(MOBILE)
    await citizen.get_by_role("button", name="ارسال کد تأیید").click()
    outbox = await browsing.open(citizen.context)
    await outbox.goto(f"{site}/dev/outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    await outbox.close()
    await citizen.get_by_label("کد تأیید").fill(digits(re.search(r"کد تأیید شما (\S+)", sms).group(1)))
    await citizen.get_by_role("button", name="تأیید").click()
    await citizen.wait_for_url(f"{site}/track/{code}")
    link = citizen.locator("#written-answer")
    await _no_sideways_scroll(citizen, ".written-answer")
    assert await link.inner_text() == "دریافت پاسخ مکتوب (PDF)"
    await citizen.screenshot(path=tmp_path / "4-citizen-written-answer-link-360.png", full_page=True)
    download = await citizen.context.request.get(f"{site}{await link.get_attribute('href')}")
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"
    assert f"کد رهگیری: {persian_digits(code)}" in pdf_text(await download.body())
