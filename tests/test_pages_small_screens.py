"""Every role's journey in a real browser, each page checked at 360x740 and at 1366x768 (tests/pagecheck.py): no
sideways scroll, 44 px tap targets, nothing slanted, no serious or critical axe-core violation. A refused form
shows each Persian reason beside its field and keeps what was typed (the place lists included), with the
cursor on the first field at fault; after each action the page shows the case's new state.

Screenshots go to the test's tmp_path (FOAD_SHOTS=dir keeps them in dir instead)."""

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from api.pages.labels import EVENT_LABELS_FA
from schemas.enums import CaseStatus, EventKind
from tests.browserutil import digits, log_in, reload_until
from tests.factories import MOBILE, NATIONAL_CODE, OFFICE
from tests.pagecheck import PHONE, assert_error_beside, check_page
from timekeeping.persian import persian_digits
from timekeeping.tehran import TEHRAN

DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی جای او نبود"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FOAD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _pick_place(page) -> None:
    await page.get_by_label("استان").select_option("IR-26")
    await page.get_by_label("شهرستان").select_option("IR-26-takestan")
    await page.get_by_label("دستگاه").select_option("sso")
    await page.get_by_label("اداره یا واحد").select_option(OFFICE)


async def _place_kept(page) -> None:
    for field, value in (("province", "IR-26"), ("county", "IR-26-takestan"), ("agency", "sso"), ("unit_id", OFFICE)):
        assert await page.locator(f"#{field}").input_value() == value, f"#{field} lost its choice"


async def _focused(page) -> str:
    return await page.evaluate("() => document.activeElement && document.activeElement.id")


async def _verified_citizen(browsing, site, shots):
    phone = await browsing.page(PHONE)
    await phone.goto(f"{site}/")
    await check_page(phone, shots, "01-home")
    await phone.goto(f"{site}/complaint")
    # A mobile that is not one: the reason under the field, the number as typed still there.
    await phone.get_by_label("شماره همراه").fill("۰۹۱۲۱۲")
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    await assert_error_beside(phone, "mobile", "شماره همراه باید یازده رقم و به شکل ۰۹۱۲۱۲۳۴۵۶۷ باشد.")
    assert await phone.locator("#mobile").input_value() == "۰۹۱۲۱۲"
    assert await _focused(phone) == "mobile"
    await check_page(phone, shots, "02-verify-refused")
    await phone.get_by_label("شماره همراه").fill("۰۹۱۲۱۲۳۴۵۶۷")
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    await check_page(phone, shots, "03-verify-code")
    outbox = await browsing.open(phone.context)
    await outbox.goto(f"{site}/dev/outbox")
    await check_page(outbox, shots, "04-outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    code = digits(re.search(r"کد تأیید شما (\S+)", sms).group(1))
    await outbox.close()
    await phone.get_by_label("کد تأیید").fill("۱۲۳۴۵")
    await phone.get_by_role("button", name="تأیید").click()
    await assert_error_beside(phone, "code", "کد تأیید شش رقم است.")
    await check_page(phone, shots, "04a-verify-code-refused")
    await phone.get_by_label("کد تأیید").fill(code)
    await phone.get_by_role("button", name="تأیید").click()
    await phone.wait_for_url(f"{site}/complaint")
    return phone


async def test_a_citizen_files_from_a_phone_after_fixing_every_field_it_got_wrong(site, browsing, shots):
    phone = await _verified_citizen(browsing, site, shots)
    await check_page(phone, shots, "05-complaint-form")
    assert "دست‌کم ۱۰ و حداکثر ۲۰۰۰ نویسه" in await phone.locator("#description-limits").inner_text()

    # Everything half right: a short description, a future time typed with a dot, no topic; the place chosen.
    await phone.get_by_label("نام و نام خانوادگی").fill("مریم احمدی")
    await phone.get_by_label("کد ملی").fill("۰۴۹۹۳۷۰۸۹۸")
    await _pick_place(phone)
    today = datetime.now(TEHRAN)
    await phone.get_by_label("روز (تقویم شمسی)").select_option(today.date().isoformat())
    later = "23.59" if today.hour < 23 else None
    if later:
        await phone.get_by_label("ساعت (به وقت تهران").fill(later)
    await phone.get_by_label("شرح ماجرا").fill("کوتاه")
    await phone.get_by_label("نام کارمند").fill("آقای رضایی")
    await phone.get_by_role("button", name="ثبت شکایت").click()

    await phone.locator("#error-summary").wait_for()
    assert await _focused(phone) == "national_code", "the cursor is on the first field at fault"
    await assert_error_beside(phone, "national_code", "کد ملی باید ده رقم باشد و رقم آخرش (رقم کنترل) درست باشد.")
    await assert_error_beside(phone, "description", "دست‌کم ۱۰ نویسه بنویسید.")
    if later:
        await assert_error_beside(phone, "incident_time", "این زمان هنوز نرسیده است؛ روز و ساعت رخداد را بررسی کنید.")
    indicator_error = phone.locator("fieldset.indicators #indicator-error")
    assert await indicator_error.inner_text() == "موضوع شکایت را انتخاب کنید."
    # What was typed and chosen is all there: the text, the day, the time, and the four place lists.
    assert await phone.locator("#full_name").input_value() == "مریم احمدی"
    assert await phone.locator("#national_code").input_value() == "۰۴۹۹۳۷۰۸۹۸"
    assert await phone.locator("#description").input_value() == "کوتاه"
    assert await phone.locator("#employee_name").input_value() == "آقای رضایی"
    assert await phone.locator("#incident_day").input_value() == today.date().isoformat()
    await _place_kept(phone)
    await check_page(phone, shots, "06-complaint-refused")

    # Fixed: yesterday at "0930", typed without a colon on a number pad.
    await phone.get_by_label("عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین").check()
    await phone.get_by_label("کد ملی").fill(NATIONAL_CODE)
    yesterday = (today - timedelta(days=1)).date().isoformat()
    await phone.get_by_label("روز (تقویم شمسی)").select_option(yesterday)
    await phone.get_by_label("ساعت (به وقت تهران").fill("۰۹۳۰")
    await phone.get_by_label("شرح ماجرا").fill(DESCRIPTION)
    await phone.get_by_role("button", name="ثبت شکایت").click()
    tracking_code = digits(await phone.locator("#tracking-code").inner_text())
    assert len(tracking_code) == 11
    await check_page(phone, shots, "07-received")

    await phone.goto(f"{site}/track/{tracking_code}")
    assert "۰۹:۳۰" in await phone.locator("#mine-title + dl").inner_text()
    await check_page(phone, shots, "08-tracking")
    await phone.goto(f"{site}/track?code=123")
    await assert_error_beside(phone, "code", "کد رهگیری نادرست است؛ یازده رقم را دوباره بررسی کنید.")
    assert await phone.locator("#code").input_value() == "123"
    await check_page(phone, shots, "09-track-lookup-refused")


async def test_an_operator_files_for_a_caller_keeping_every_choice_after_an_error(site, browsing, shots):
    operator = await browsing.page(PHONE)
    await operator.goto(f"{site}/login")
    await check_page(operator, shots, "10-login")
    await log_in(operator, site, "operator1")
    await check_page(operator, shots, "11-intake")
    await operator.get_by_label("شماره همراه تماس‌گیرنده").fill(MOBILE)
    await operator.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await operator.get_by_label("نام و نام خانوادگی").fill("رضا کاظمی")
    await operator.get_by_label("شاخص").select_option("5")
    await _pick_place(operator)
    await operator.get_by_label("ساعت (به وقت تهران").fill("25.10")
    await operator.get_by_label("شرح ماجرا").fill(DESCRIPTION)
    await operator.get_by_role("button", name="ثبت و دریافت کد رهگیری").click()

    await assert_error_beside(operator, "incident_time", "ساعت باید بین ۰۰:۰۰ و ۲۳:۵۹ باشد.")
    assert await _focused(operator) == "incident_time"
    await _place_kept(operator)
    assert await operator.locator("#indicator").input_value() == "5"
    assert await operator.locator("#description").input_value() == DESCRIPTION
    await check_page(operator, shots, "12-intake-refused")

    await operator.get_by_label("ساعت (به وقت تهران").fill("10.10")
    await operator.get_by_label("نام کارمند (اگر تماس‌گیرنده می‌داند)").press("Enter")
    tracking_code = digits(await operator.locator("#tracking-code").inner_text())
    assert len(tracking_code) == 11
    await check_page(operator, shots, "13-filed")
    filed_row = f"#my-filings td:has-text('{persian_digits(tracking_code)}')"
    await reload_until(operator, f"{site}/operator/intake", filed_row)
    await check_page(operator, shots, "14-intake-with-filings")


async def _file_by_api(site, browsing) -> str:
    operator = await browsing.page(PHONE)
    await log_in(operator, site, "operator1")
    await operator.get_by_label("شماره همراه تماس‌گیرنده").fill(MOBILE)
    await operator.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await operator.get_by_label("نام و نام خانوادگی").fill("مریم احمدی")
    await operator.get_by_label("شاخص").select_option("7")
    await operator.get_by_label("اداره یا واحد").select_option(OFFICE)
    await operator.get_by_label("ساعت (به وقت تهران").fill("۸")
    await operator.get_by_label("شرح ماجرا").fill(DESCRIPTION)
    await operator.get_by_role("button", name="ثبت و دریافت کد رهگیری").click()
    code = digits(await operator.locator("#tracking-code").inner_text())
    await operator.context.close()
    return code


async def test_each_staff_role_and_the_citizen_follow_one_case_to_its_end(site, browsing, shots):
    tracking_code = await _file_by_api(site, browsing)
    case_url = f"{site}/cases/{tracking_code}"

    # The senior coordinator's inbox at 360 px: the task's deadline is on screen.
    senior = await browsing.page(PHONE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/inbox", f"a[href='/cases/{tracking_code}']")
    row = senior.locator("table.inbox tbody tr", has=senior.locator(f"a[href='/cases/{tracking_code}']"))
    deadline = await row.locator(".clock").first.bounding_box()
    assert deadline and 0 <= deadline["x"] and deadline["x"] + deadline["width"] <= PHONE["width"]
    assert deadline["y"] < 740 * 3, "the deadline is in the row's card, not far below"
    await check_page(senior, shots, "20-senior-inbox")

    # A review without its order: the reason at the order's box, the chosen unit and typed referral kept.
    await senior.goto(case_url)
    await check_page(senior, shots, "21-senior-case")
    await senior.get_by_label("واحد مسئول").select_option("sso-qazvin")
    await senior.get_by_label("ارجاع به مرجع دیگر، اگر خارج از حیطه است").fill("یادداشت")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await assert_error_beside(
        senior, "review-action-order", "برای پذیرش، واحد مسئول و دستور اقدام (دست‌کم ۳ نویسه) لازم است."
    )
    assert await senior.locator("#review-unit").input_value() == "sso-qazvin"
    assert await senior.locator("#review-referral").input_value() == "یادداشت"
    assert await _focused(senior) == "review-action-order"
    await check_page(senior, shots, "22-senior-review-refused")
    await senior.get_by_label("واحد مسئول").select_option(OFFICE)
    await senior.get_by_label("دستور اقدام").fill("با اداره تماس بگیرید و نیروی جایگزین بگذارید")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    assert await senior.locator("#action-done").inner_text() == "بررسی ثبت شد."
    assert await senior.locator("#case-status").inner_text() == CaseStatus.IN_HANDLING.label_fa
    assert await senior.locator("#form-review").count() == 0, "reviewed: the review form is gone"
    # The read model has caught up by the time the page answers: the timeline has the review, the task table
    # the unit's task, and the inbox no longer offers the review.
    assert await senior.locator("#timeline li").count() >= 2
    assert await senior.locator("table.tasks tbody tr").count() == 2
    await senior.goto(f"{site}/inbox")
    assert await senior.locator(f"a[href='/cases/{tracking_code}']").count() == 0

    # The unit coordinator: a note too short keeps the chosen outcome and says the limit.
    unit = await browsing.page(PHONE)
    await log_in(unit, site, "sso-takestan")
    await reload_until(unit, f"{site}/inbox", f"a[href='/cases/{tracking_code}']")
    await check_page(unit, shots, "23-unit-inbox")
    await unit.goto(case_url)
    await check_page(unit, shots, "24-unit-case")

    # The unit asks the citizen first: a question too short says the limit and keeps the text.
    await unit.get_by_label("آنچه شهروند باید بفرستد").fill("چه")
    await unit.get_by_role("button", name="ارسال پرسش").click()
    await assert_error_beside(unit, "request-information-what_is_needed", "دست‌کم ۳ نویسه بنویسید.")
    assert await unit.locator("#request-information-what_is_needed").input_value() == "چه"
    await unit.get_by_label("آنچه شهروند باید بفرستد").fill("شماره باجه‌ای که به آن مراجعه کردید را بنویسید")
    await unit.get_by_role("button", name="ارسال پرسش").click()
    assert "پیامک شد" in await unit.locator("#action-done").inner_text()
    assert await unit.locator("#form-complete").count() == 0, "paused: no completion offered"
    assert await unit.locator("#form-request-information").count() == 0, "asked: not offered again"

    # The citizen proves the mobile and answers; an empty answer is refused at its box.
    phone = await browsing.page(PHONE)
    await phone.goto(f"{site}/verify?next=/track/{tracking_code}")
    await phone.get_by_label("شماره همراه").fill(MOBILE)
    await phone.get_by_role("button", name="ارسال کد تأیید").click()
    outbox = await browsing.open(phone.context)
    await outbox.goto(f"{site}/dev/outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    await outbox.close()
    await phone.get_by_label("کد تأیید").fill(digits(re.search(r"کد تأیید شما (\S+)", sms).group(1)))
    await phone.get_by_role("button", name="تأیید").click()
    await reload_until(phone, f"{site}/track/{tracking_code}", "#reply-title")
    await check_page(phone, shots, "24a-citizen-question")
    await phone.get_by_role("button", name="ارسال پاسخ").click()
    await assert_error_beside(phone, "answer", "این بخش را خالی نگذارید.")
    await check_page(phone, shots, "24b-citizen-answer-refused")
    await phone.get_by_label("پاسخ شما").fill("باجه شماره ۴")
    await phone.get_by_role("button", name="ارسال پاسخ").click()
    assert "پاسخ شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    assert await phone.locator("#reply-title").count() == 0, "answered: the question is no longer open"
    await reload_until(unit, case_url, "#form-complete")
    outcome = await unit.locator("#complete-outcome option").nth(1).get_attribute("value")
    await unit.get_by_label("اقدام انجام‌شده").select_option(outcome)
    await unit.get_by_label("شرح اقدام").fill("ok")
    await unit.get_by_role("button", name="ثبت گزارش").click()
    await assert_error_beside(unit, "complete-note", "دست‌کم ۳ نویسه بنویسید.")
    assert await unit.locator("#complete-note").input_value() == "ok"
    assert await unit.locator("#complete-outcome").input_value() == outcome
    await check_page(unit, shots, "25-unit-complete-refused")
    await unit.get_by_label("شرح اقدام").fill("نیروی جایگزین در باجه مستقر شد")
    await unit.get_by_role("button", name="ثبت گزارش").click()
    assert await unit.locator("#action-done").inner_text() == "گزارش اقدام ثبت شد."
    assert await unit.locator("#case-status").inner_text() == CaseStatus.AWAITING_APPROVAL.label_fa
    assert await unit.locator("#form-complete").count() == 0

    # The senior coordinator approves: the page shows the case awaiting the citizen, no approval form.
    await reload_until(senior, case_url, "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("کارمند جایگزین در باجه حاضر شد")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()  # it asks first
    await senior.locator("#action-done").wait_for()
    assert await senior.locator("#case-status").inner_text() == CaseStatus.AWAITING_FEEDBACK.label_fa
    assert await senior.locator("#form-approve").count() == 0
    await check_page(senior, shots, "26-senior-approved")

    # The citizen's feedback: a missing rating says so and keeps the choice and the comment; then the page
    # shows the case closed at once, every step done, and no feedback form.
    await reload_until(phone, f"{site}/track/{tracking_code}", "#feedback-title")
    await check_page(phone, shots, "27-citizen-feedback-form")
    await phone.get_by_label("بله، راضی‌ام").check()
    await phone.get_by_label("توضیح (اختیاری)").fill("سریع بود")
    await phone.get_by_role("button", name="ثبت بازخورد").click()
    assert await phone.locator("#rating-error").inner_text() == "امتیازی از ۱ تا ۵ انتخاب کنید."
    assert await phone.locator("#satisfied-yes").is_checked()
    assert await phone.locator("#comment").input_value() == "سریع بود"
    assert await _focused(phone) == "rating-1"
    await check_page(phone, shots, "28-citizen-feedback-refused")
    await phone.get_by_label("۴").check()
    await phone.get_by_role("button", name="ثبت بازخورد").click()
    assert "بازخورد شما ثبت شد" in await phone.locator(".alert.success").inner_text()
    assert await phone.locator("#case-status").inner_text() == CaseStatus.CLOSED.label_fa
    assert await phone.locator("#feedback-title").count() == 0, "answered: no second feedback form"
    steps = phone.locator("ol.progress li")
    assert await steps.count() == 6
    assert await phone.locator("ol.progress li.done").count() == 6, "a closed case has every step done"
    assert await phone.locator("[aria-current=step]").count() == 0
    timeline = await phone.locator("ol.timeline li").all_text_contents()
    assert EVENT_LABELS_FA[EventKind.FEEDBACK] in timeline[-1], "the timeline ends with the feedback"
    await check_page(phone, shots, "29-citizen-closed")

    # The auditor and the admin.
    auditor = await browsing.page(PHONE)
    await log_in(auditor, site, "auditor")
    await check_page(auditor, shots, "30-audit-home")
    await auditor.goto(f"{site}/audit/{tracking_code}")
    await check_page(auditor, shots, "31-audit-case")
    await auditor.goto(case_url)
    await check_page(auditor, shots, "32-auditor-case-closed")
    admin = await browsing.page(PHONE)
    await log_in(admin, site, "admin")
    await check_page(admin, shots, "33-dashboard")
    toggle = admin.locator("#refresh-toggle")
    await toggle.click()
    assert await toggle.get_attribute("aria-pressed") == "true", "the dashboard's reloading can be paused"
    await admin.goto(f"{site}/cases/no-such-case")
    await check_page(admin, shots, "34-error-page")
