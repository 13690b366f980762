"""The pages in a real browser: a complaint from a citizen's phone (a question answered on the way) to its
feedback, an operator's intake, a stale action refused with the workflow's Persian reason, and the auditor's and
the admin's pages. Each test saves screenshots under its tmp_path."""

import re
from datetime import datetime, timedelta

from tests.browserutil import DESKTOP, PHONE, digits, log_in, reload_until
from tests.factories import MOBILE, NATIONAL_CODE, OFFICE
from timekeeping.persian import persian_digits
from timekeeping.tehran import TEHRAN

DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی جای او نبود"


async def _fill_complaint(page, *, with_identity: bool) -> None:
    """The fields the citizen form and the operator form share."""
    if with_identity:
        await page.get_by_label("نام و نام خانوادگی").fill("مریم احمدی")
        await page.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await page.get_by_label("استان").select_option("IR-26")
    await page.get_by_label("شهرستان").select_option("IR-26-takestan")
    await page.get_by_label("دستگاه").select_option("sso")
    # The pickers narrow: with Takestan chosen, an office in Tehran province is no longer offered.
    assert await page.locator("#unit_id option[value='sso-tehran-eslamshahr']").is_disabled()
    await page.get_by_label("اداره یا واحد").select_option(OFFICE)
    yesterday = (datetime.now(TEHRAN) - timedelta(days=1)).date().isoformat()
    await page.get_by_label("روز (تقویم شمسی)").select_option(yesterday)
    await page.get_by_label("ساعت (به وقت تهران، مثل ۱۰:۳۰)").fill("۱۰:۳۰")
    await page.get_by_label("شرح ماجرا").fill(DESCRIPTION)


async def test_a_complaint_from_a_citizens_phone_to_feedback(site, browsing, tmp_path):
    phone = await browsing.page(PHONE)

    # The citizen proves the mobile with the code the SMS carried (in development, the outbox page shows it).
    await phone.goto(f"{site}/complaint")
    await phone.get_by_label("شماره همراه").fill("۰۹۱۲۱۲۳۴۵۶۷")
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    outbox = await browsing.open(phone.context)
    await outbox.goto(f"{site}/dev/outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    code = digits(re.search(r"کد تأیید شما (\S+)", sms).group(1))
    await outbox.close()
    await phone.get_by_label("کد تأیید").fill(code)
    await phone.get_by_role("button", name="تأیید").click()

    await phone.wait_for_url(f"{site}/complaint")
    await phone.get_by_label("عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین").check()
    await _fill_complaint(phone, with_identity=True)
    assert await phone.locator("#description-count").inner_text() == persian_digits(f"{len(DESCRIPTION)} از 2000 نویسه")
    await phone.screenshot(path=tmp_path / "1-citizen-form.png", full_page=True)
    await phone.get_by_role("button", name="ثبت شکایت").click()

    tracking_code = digits(await phone.locator("#tracking-code").inner_text())
    assert len(tracking_code) == 11
    await phone.screenshot(path=tmp_path / "2-citizen-received.png", full_page=True)
    await phone.get_by_role("link", name="پیگیری شکایت").click()
    await phone.locator("#case-status").wait_for()
    assert await phone.locator("[aria-current=step]").inner_text() == "۳ بررسی در دستگاه"
    assert "مانده" in await phone.locator("#case-clocks .clock-ok .clock-text").first.inner_text()
    await phone.screenshot(path=tmp_path / "3-citizen-tracking.png", full_page=True)

    # The senior coordinator reviews it from the inbox.
    senior = await browsing.page(DESKTOP)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/inbox", f"a[href='/cases/{tracking_code}']")
    await senior.screenshot(path=tmp_path / "4-senior-inbox.png", full_page=True)
    await senior.locator(f"a[href='/cases/{tracking_code}']").click()
    await senior.get_by_label("دستور اقدام").fill("با اداره تماس بگیرید و نیروی جایگزین بگذارید")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    assert await senior.locator("#action-done").inner_text() == "بررسی ثبت شد."

    # The unit coordinator of the Takestan branch completes it.
    unit = await browsing.page(DESKTOP)
    await log_in(unit, site, "sso-takestan")
    await reload_until(unit, f"{site}/inbox", f"a[href='/cases/{tracking_code}']")
    await unit.locator(f"a[href='/cases/{tracking_code}']").click()
    # It first asks the citizen a question: the clock stops, and the citizen answers on the tracking page.
    await unit.get_by_label("آنچه شهروند باید بفرستد").fill("شماره باجه‌ای که به آن مراجعه کردید را بنویسید")
    await unit.get_by_role("button", name="ارسال پرسش").click()
    assert "پیامک شد" in await unit.locator("#action-done").inner_text()
    assert await unit.locator("#form-complete").count() == 0, "the rule book offers no completion while paused"
    await unit.screenshot(path=tmp_path / "5a-unit-asked-the-citizen.png", full_page=True)
    await reload_until(phone, f"{site}/track/{tracking_code}", "#reply-title")
    assert "شماره باجه" in await phone.locator("#question").inner_text()
    await phone.screenshot(path=tmp_path / "5b-citizen-question.png", full_page=True)
    await phone.get_by_label("پاسخ شما").fill("باجه شماره ۴")
    await phone.get_by_role("button", name="ارسال پاسخ").click()
    assert "پاسخ شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    assert await phone.locator("#reply-title").count() == 0, "answered: the form is no longer offered"
    await reload_until(unit, f"{site}/cases/{tracking_code}", "#form-complete")
    await unit.get_by_label("شرح اقدام").fill("نیروی جایگزین در باجه مستقر شد")
    await unit.get_by_role("button", name="ثبت گزارش").click()
    assert await unit.locator("#action-done").inner_text() == "گزارش اقدام ثبت شد."
    await unit.screenshot(path=tmp_path / "5-unit-completed.png", full_page=True)

    # The senior coordinator approves the result.
    await reload_until(senior, f"{site}/cases/{tracking_code}", "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("کارمند جایگزین در باجه حاضر شد و کار شما انجام می‌شود")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()  # it asks first
    await senior.locator("#action-done").wait_for()

    # The citizen sees the result and leaves feedback.
    await reload_until(phone, f"{site}/track/{tracking_code}", "#feedback-title")
    assert "کارمند جایگزین" in await phone.locator("#result-note").inner_text()
    await phone.get_by_label("بله، راضی‌ام").check()
    await phone.get_by_label("۵").check()
    await phone.screenshot(path=tmp_path / "6-citizen-result.png", full_page=True)
    await phone.get_by_role("button", name="ثبت بازخورد").click()
    assert "بازخورد شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    await reload_until(phone, f"{site}/track/{tracking_code}", "text=بسته‌شده")
    await phone.screenshot(path=tmp_path / "7-citizen-closed.png", full_page=True)
    assert (await phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]


async def test_a_stale_action_shows_the_workflows_reason_in_persian(site, browsing, tmp_path):
    operator = await browsing.page(DESKTOP)
    await log_in(operator, site, "operator1")
    await operator.get_by_label("شماره همراه تماس‌گیرنده").fill(MOBILE)
    await operator.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await operator.get_by_label("نام و نام خانوادگی").fill("رضا کاظمی")
    await operator.get_by_label("شاخص").select_option("5")
    await _fill_complaint(operator, with_identity=False)
    # Keyboard-first: Enter in the last field files the complaint.
    await operator.get_by_label("نام کارمند (اگر تماس‌گیرنده می‌داند)").press("Enter")
    tracking_code = digits(await operator.locator("#tracking-code").inner_text())
    await operator.screenshot(path=tmp_path / "1-operator-filed.png", full_page=True)

    senior = await browsing.page(DESKTOP)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/cases/{tracking_code}", "#form-review")
    await senior.get_by_label("دستور اقدام").fill("پیگیری ساعت کاری باجه")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await senior.locator("#action-done").wait_for()

    first = await browsing.page(DESKTOP)
    second = await browsing.open(first.context)
    await log_in(first, site, "sso-takestan")
    for tab in (first, second):
        await reload_until(tab, f"{site}/cases/{tracking_code}", "#form-complete")
    await first.get_by_label("شرح اقدام").fill("با مدیر اداره تماس گرفته شد")
    await first.get_by_role("button", name="ثبت گزارش").click()
    await first.locator("#action-done").wait_for()

    # The stale tab still offers escalation of a task that is done. (Pressing "complete" again would not do:
    # the same user's second press of the same action attaches to the first and gets its result.)
    await second.locator("#escalate-reason").fill("واحد پاسخ نمی‌دهد")
    await second.locator("#form-escalate").get_by_role("button", name="انتقال").click()
    reason = await second.locator("#action-error").inner_text()
    assert re.search(r"[\u0600-\u06ff]", reason) and "Traceback" not in reason
    await second.screenshot(path=tmp_path / "2-stale-action-refused.png", full_page=True)

    # The auditor reads the case's history from Temporal and runs the replay check.
    auditor = await browsing.page(DESKTOP)
    await log_in(auditor, site, "auditor")
    await auditor.goto(f"{site}/audit/{tracking_code}")
    await auditor.get_by_role("button", name="بازپخش و مقایسه با پایگاه داده").click()
    report = await auditor.locator("#replay-report").inner_text()
    assert "بی‌خطا بازپخش شد" in report
    await auditor.screenshot(path=tmp_path / "3-audit-replay.png", full_page=True)

    # The admin's dashboard counts the open case.
    admin = await browsing.page(PHONE)
    await log_in(admin, site, "admin")
    assert admin.url == f"{site}/dashboard"
    assert digits(await admin.locator("#stat-open").inner_text()) == "1"
    await admin.screenshot(path=tmp_path / "4-dashboard.png", full_page=True)
    assert (await admin.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]
