"""Triage and identity in a real browser: the operator proves the caller's mobile with a code read back (and a
filing without one is marked unverified for the senior coordinator), a citizen's suggestion lands among the
senior's information items, and a content question is referred with the target shown. Screenshots at 360 px and
on a desktop go under tmp_path."""

import re
from datetime import datetime, timedelta

from tests.browserutil import DESKTOP, PHONE, digits, log_in, reload_until
from tests.factories import NATIONAL_CODE, OFFICE
from timekeeping.tehran import TEHRAN

CALLER = "09351234567"
WIDE = {"width": 1366, "height": 768}


async def _fill_office_and_time(page, description: str) -> None:
    await page.get_by_label("استان").select_option("IR-26")
    await page.get_by_label("شهرستان").select_option("IR-26-takestan")
    await page.get_by_label("دستگاه").select_option("sso")
    await page.get_by_label("اداره یا واحد").select_option(OFFICE)
    yesterday = (datetime.now(TEHRAN) - timedelta(days=1)).date().isoformat()
    await page.get_by_label("روز (تقویم شمسی)").select_option(yesterday)
    await page.get_by_label("ساعت (به وقت تهران، مثل ۱۰:۳۰)").fill("۱۰:۳۰")
    await page.get_by_label("شرح ماجرا").fill(description)


async def _operator_fills(page, *, mobile: str) -> None:
    await page.get_by_label("شماره همراه تماس‌گیرنده").fill(mobile)
    await page.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await page.get_by_label("نام و نام خانوادگی").fill("رضا کاظمی")
    await page.get_by_label("شاخص").select_option("7")
    await _fill_office_and_time(page, "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی جای او نبود")


async def _latest_code(browsing, context, site: str) -> str:
    outbox = await browsing.open(context)
    await outbox.goto(f"{site}/dev/outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    await outbox.close()
    return digits(re.search(r"کد تأیید شما (\S+)", sms).group(1))


async def _no_sideways_scroll(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


async def test_operator_proves_the_caller_and_an_unproved_filing_is_marked_for_the_senior(site, browsing, tmp_path):
    operator = await browsing.page(WIDE)
    await log_in(operator, site, "operator1")
    await _operator_fills(operator, mobile=CALLER)
    await operator.get_by_role("button", name="ارسال کد به همراه تماس‌گیرنده").click()
    await operator.locator("#code-sent").wait_for()
    assert await operator.get_by_label("شرح ماجرا").input_value()  # what was typed is kept
    await operator.get_by_label("کدی که تماس‌گیرنده از پیامک خواند").fill(
        await _latest_code(browsing, operator.context, site)
    )
    await operator.screenshot(path=tmp_path / "1-operator-code-sent-1366.png", full_page=True)
    await operator.get_by_label("نام کارمند (اگر تماس‌گیرنده می‌داند)").press("Enter")  # Enter still files
    verified = digits(await operator.locator("#tracking-code").inner_text())

    await operator.goto(f"{site}/operator/intake")
    await _operator_fills(operator, mobile=CALLER)
    await operator.get_by_role("button", name="ثبت و دریافت کد رهگیری").click()
    unverified = digits(await operator.locator("#tracking-code").inner_text())
    assert len(unverified) == 11 and unverified != verified

    senior = await browsing.page(WIDE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/inbox", f"a[href='/cases/{unverified}']")
    row = senior.locator("tr", has=senior.locator(f"a[href='/cases/{unverified}']"))
    assert "هویت تأییدنشده" in await row.inner_text()
    proved = senior.locator("tr", has=senior.locator(f"a[href='/cases/{verified}']"))
    assert "هویت تأییدنشده" not in await proved.inner_text()
    await senior.screenshot(path=tmp_path / "2-senior-inbox-1366.png", full_page=True)

    await senior.goto(f"{site}/cases/{unverified}")
    assert "تأیید نشده" in await senior.locator("#identity").inner_text()
    await senior.goto(f"{site}/cases/{verified}")
    assert "کد یک‌بارمصرفی که تماس‌گیرنده خواند" in await senior.locator("#identity").inner_text()
    narrow = await browsing.page(PHONE)
    await log_in(narrow, site, "sso-senior")
    await narrow.goto(f"{site}/cases/{unverified}")
    await narrow.screenshot(path=tmp_path / "3-senior-case-unverified-360.png", full_page=True)
    await narrow.locator("dl.facts").screenshot(path=tmp_path / "3b-senior-case-facts-360.png")
    await _no_sideways_scroll(narrow)
    await narrow.goto(f"{site}/operator/intake")  # a senior may not: a Persian 403, not this page
    narrow_operator = await browsing.page(PHONE)
    await log_in(narrow_operator, site, "operator1")
    await narrow_operator.locator("#caller-code").screenshot(path=tmp_path / "4-operator-caller-code-360.png")
    await _no_sideways_scroll(narrow_operator)


async def _citizen_on_the_form(browsing, site: str):
    phone = await browsing.page(PHONE)
    await phone.goto(f"{site}/complaint")
    await phone.get_by_label("شماره همراه").fill("۰۹۱۲۱۲۳۴۵۶۷")
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    await phone.get_by_label("کد تأیید").fill(await _latest_code(browsing, phone.context, site))
    await phone.get_by_role("button", name="تأیید").click()
    await phone.wait_for_url(f"{site}/complaint")
    await phone.get_by_label("نام و نام خانوادگی").fill("مریم احمدی")
    await phone.get_by_label("کد ملی").fill(NATIONAL_CODE)
    return phone


async def test_a_citizens_suggestion_reaches_the_seniors_information_items(site, browsing, tmp_path):
    phone = await _citizen_on_the_form(browsing, site)
    await phone.get_by_label("پیشنهاد (ثبت و ارسال برای آگاهی مسئولان؛ بدون مهلت سه‌ساعته)").check()
    await phone.get_by_label("عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین").check()
    text = "پیشنهاد می‌کنم برای سالمندان باجه جداگانه‌ای باز شود"
    await _fill_office_and_time(phone, text)
    await phone.screenshot(path=tmp_path / "5-citizen-form-triage-360.png", full_page=True)
    await phone.locator("#contact-kind").screenshot(path=tmp_path / "5b-citizen-contact-kind-360.png")
    await _no_sideways_scroll(phone)
    await phone.get_by_role("button", name="ثبت شکایت").click()
    assert "پیشنهاد شما ثبت شد" in await phone.locator("h1").inner_text()
    assert "سه‌ساعته نیست" in await phone.locator(".card").inner_text()
    code = digits(await phone.locator("#tracking-code").inner_text())

    senior = await browsing.page(DESKTOP)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/inbox", f"#information a[href='/cases/{code}']")
    item = senior.locator("#information li", has=senior.locator(f"a[href='/cases/{code}']"))
    assert "پیشنهاد" in await item.inner_text() and text in await item.inner_text()
    assert await senior.locator(f"table.inbox a[href='/cases/{code}']").count() == 0  # not a task with a clock
    await senior.screenshot(path=tmp_path / "6-senior-information-1280.png", full_page=True)


async def test_a_content_question_is_referred_and_the_citizen_sees_where_to_go(site, browsing, tmp_path):
    phone = await _citizen_on_the_form(browsing, site)
    await phone.get_by_label("خارج از حیطه فواد: ارجاع به مرجع صالح").check()
    await phone.get_by_label("مرجع صالح (فقط برای موضوع خارج از حیطه؛ نام و تلفن آن پیامک می‌شود)").select_option(
        "samad-111"
    )
    await phone.get_by_label("عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین").check()
    await _fill_office_and_time(phone, "مبلغ مستمری من اشتباه محاسبه شده است")
    await phone.get_by_role("button", name="ثبت شکایت").click()
    referral = await phone.locator("#referral").inner_text()
    assert "سامانه ارتباط مردم و دولت (سامد)" in referral and "۱۱۱" in referral
    await phone.screenshot(path=tmp_path / "7-citizen-referred-360.png", full_page=True)
    await _no_sideways_scroll(phone)
    code = digits(await phone.locator("#tracking-code").inner_text())
    await reload_until(phone, f"{site}/track/{code}", "text=به مرجع صالح ارجاع داده شد")
    await phone.screenshot(path=tmp_path / "8-citizen-track-referred-360.png", full_page=True)
    await _no_sideways_scroll(phone)
