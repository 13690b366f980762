"""The journeys tests/test_pages_small_screens.py does not walk, each page checked at 360x740 and at 1366x768
(tests/pagecheck.py: no sideways scroll, 44 px targets, nothing slanted, no serious or critical axe violation,
under 150 KB cold), with the new state asserted after each action and a refused form's reason beside its field
with what was typed kept:

- the unit coordinator claims and releases, the senior reassigns, the unit escalates through its confirmation,
  the notifications page; the senior orders an inspection; the inspector's inbox and case, a refused record that
  keeps its values, the record; the senior sends back and closes (confirming first); the citizen's written
  answer, downloaded from the tracking page;
- the senior rejects at review to a referral target (confirming first); the operator triages at intake (a
  request, an out-of-scope contact with its authority) and proves a caller on the caller page; the citizen's
  received page for a suggestion, a request and an out-of-scope contact; the auditor's audit pages; the admin's
  dashboard and its report pages.

Screenshots go to the test's tmp_path (FOAD_SHOTS=dir keeps them in dir instead)."""

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from database.models import SmsOutbox
from schemas.enums import CaseStatus
from tests.apiutil import citizen_auth, file, projected
from tests.browserutil import digits, log_in, reload_until
from tests.factories import MOBILE, NATIONAL_CODE, OFFICE
from tests.pagecheck import PHONE, assert_error_beside, check_page
from tests.test_notifications_browser import ACCEPT, SECOND, _token
from timekeeping.persian import persian_digits
from timekeeping.tehran import TEHRAN

DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی جای او نبود"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FOAD_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _reviewed_case(site, seeded, *, second_coordinator: bool = False) -> str:
    async with httpx.AsyncClient(base_url=f"{site}/api/v1", headers=citizen_auth()) as api:
        if second_coordinator:
            assert (await api.post("/users", json=SECOND, headers=await _token(api, "admin"))).status_code == 201
        code = await file(api)
        await projected(seeded, code)
        reviewed = await api.post(f"/cases/{code}/review", json=ACCEPT, headers=await _token(api, "sso-senior"))
        assert reviewed.status_code == 200, reviewed.text
    return code


async def test_claims_escalation_inspection_send_back_and_close_at_both_widths(site, seeded, browsing, shots):
    code = await _reviewed_case(site, seeded, second_coordinator=True)
    case_url = f"{site}/cases/{code}"

    # The unit coordinator reads the arrival, claims the task and gives it back.
    unit = await browsing.page(PHONE)
    await log_in(unit, site, "sso-takestan")
    await reload_until(unit, f"{site}/inbox", "#unread-count")
    await unit.locator("#notifications-link").click()
    assert "برای رسیدگی به «" in await unit.locator("#notifications li").first.inner_text()
    await check_page(unit, shots, "40-notifications")
    await unit.goto(case_url)
    await unit.get_by_role("button", name="برداشتن این کار").click()
    assert "کار را برداشتید" in await unit.locator("#action-done").inner_text()
    assert "امیر قاسمی" in await unit.locator("#task-holder").inner_text()
    await check_page(unit, shots, "41-unit-claimed")
    await unit.get_by_role("button", name="واگذاشتن این کار").click()
    assert "کار را واگذاشتید" in await unit.locator("#action-done").inner_text()
    assert "هنوز کسی برنداشته" in await unit.locator("#task-holder").inner_text()
    assert await unit.get_by_role("button", name="برداشتن این کار").count() == 1

    # The senior gives it to the other coordinator, then takes it back to the first.
    senior = await browsing.page(PHONE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, case_url, "#form-reassign")
    await check_page(senior, shots, "42-senior-reassign")
    await senior.get_by_label("سپردن کار به").select_option("sso-takestan2")
    await senior.get_by_role("button", name="سپردن").click()
    assert "سپرده شد" in await senior.locator("#action-done").inner_text()
    assert "مریم کاظمی" in await senior.locator("#task-holder").inner_text()
    await senior.get_by_label("سپردن کار به").select_option("sso-takestan")
    await senior.get_by_role("button", name="سپردن").click()
    assert "امیر قاسمی" in await senior.locator("#task-holder").inner_text()

    # The unit escalates: too short a reason is refused beside its box; then the confirmation, then the move.
    await unit.goto(case_url)
    await unit.get_by_label("دلیل انتقال").fill("نه")
    await unit.get_by_role("button", name="انتقال").click()
    await assert_error_beside(unit, "escalate-reason", "دست‌کم ۳ نویسه بنویسید.")
    assert await unit.locator("#escalate-reason").input_value() == "نه"
    await check_page(unit, shots, "43-unit-escalate-refused")
    await unit.get_by_label("دلیل انتقال").fill("این اداره نیروی جایگزین ندارد؛ استان باید بفرستد")
    await unit.get_by_role("button", name="انتقال").click()
    await unit.locator("#confirm-consequence").wait_for()
    assert "استان باید بفرستد" in await unit.locator("#confirm-typed").inner_text()
    await check_page(unit, shots, "44-unit-escalate-confirm")
    await unit.get_by_role("button", name="بله، به سطح بالاتر منتقل شود").click()
    assert await unit.locator("#action-done").inner_text() == "پرونده به سطح بالاتر منتقل شد."
    assert await unit.locator("#form-escalate").count() == 0, "moved up: no longer this unit's to escalate"

    # The senior sends an inspector; the inspector's inbox and case.
    await reload_until(senior, case_url, "#form-order-inspection")
    assert "استانی" in await senior.locator("#case-status + dt + dd + dt + dd").inner_text()
    order = senior.locator("#form-order-inspection")
    await order.get_by_label("آنچه باید در محل بررسی شود").fill("حضور کارمند باجه مستمری بررسی شود")
    await order.get_by_role("button", name="اعزام بازرس").click()
    assert "در کارتابل بازرس است" in await senior.locator("#action-done").inner_text()
    inspector = await browsing.page(PHONE)
    await log_in(inspector, site, "inspector1")
    await reload_until(inspector, f"{site}/inbox", f"a[href='/cases/{code}']")
    await check_page(inspector, shots, "45-inspector-inbox")
    await inspector.locator(f"a[href='/cases/{code}']").click()
    await check_page(inspector, shots, "46-inspector-case")

    # A record with findings too short: refused beside the findings, the time and outcome kept.
    arrived = (datetime.now(TEHRAN) + timedelta(minutes=1)).strftime("%H:%M")  # after the order, within the skew
    record = inspector.locator("#form-record-inspection")
    await record.get_by_label("ساعت رسیدن به محل").fill(arrived)
    await record.get_by_label("نتیجه بازرسی").select_option("resolved_on_site")
    await record.get_by_label("یافته‌ها").fill("ok")
    await record.get_by_role("button", name="ثبت گزارش بازرسی").click()
    await assert_error_beside(inspector, "record-findings", "دست‌کم ۳ نویسه بنویسید.")
    assert await inspector.locator("#record-findings").input_value() == "ok"
    assert await inspector.locator("#record-arrived").input_value() == arrived
    assert await inspector.locator("#record-outcome").input_value() == "resolved_on_site"
    await check_page(inspector, shots, "47-inspector-record-refused")
    await inspector.get_by_label("یافته‌ها").fill("کارمند باجه در محل نبود؛ مدیر شعبه جایگزین گذاشت")
    await inspector.get_by_role("button", name="ثبت گزارش بازرسی").click()
    assert await inspector.locator("#action-done").inner_text() == "گزارش بازرسی حضوری ثبت شد."
    assert await inspector.locator("#case-status").inner_text() == CaseStatus.AWAITING_APPROVAL.label_fa

    # The senior sends it back, then closes it, confirming first.
    await reload_until(senior, case_url, "#form-send-back")
    await senior.locator("#send-back-reason").fill("گزارش کامل نیست؛ نام مدیر شعبه را بنویسید")
    await senior.locator("#form-send-back button").click()
    assert await senior.locator("#action-done").inner_text() == "پرونده برای رسیدگی دوباره برگشت داده شد."
    assert await senior.locator("#case-status").inner_text() == CaseStatus.IN_HANDLING.label_fa
    await check_page(senior, shots, "48-senior-sent-back")
    # Done again (the senior may report it), approved, then closed without waiting for the citizen.
    await senior.locator("#complete-note").fill("نام مدیر شعبه: آقای رضایی؛ جایگزین مستقر شد")
    await senior.get_by_role("button", name="ثبت گزارش").click()
    await reload_until(senior, case_url, "#form-approve")
    await senior.get_by_label("نتیجه برای شهروند").fill("نیروی جایگزین در باجه مستقر شد")
    await senior.get_by_role("button", name="تأیید و اطلاع به شهروند").click()
    await senior.get_by_role("button", name="بله، نتیجه تأیید و به شهروند اعلام شود").click()
    assert await senior.locator("#case-status").inner_text() == CaseStatus.AWAITING_FEEDBACK.label_fa
    await senior.locator("#close-reason").fill("شهروند تماس گرفت و گفت کارش انجام شده است")
    await senior.locator("#form-close button").click()
    await senior.locator("#confirm-consequence").wait_for()
    await check_page(senior, shots, "49-senior-close-confirm")
    await senior.get_by_role("button", name="بله، پرونده بسته شود").click()
    assert await senior.locator("#action-done").inner_text() == "پرونده بسته شد."
    assert await senior.locator("#case-status").inner_text() == CaseStatus.CLOSED.label_fa
    assert await senior.locator("#form-close").count() == 0
    await check_page(senior, shots, "50-senior-closed")

    # The citizen proves the mobile and downloads the written answer from the tracking page.
    citizen = await browsing.page(PHONE)
    await citizen.goto(f"{site}/verify?next=/track/{code}")
    await citizen.get_by_label("شماره همراه").fill(MOBILE)
    await citizen.get_by_role("button", name="ارسال کد تأیید").click()
    async with seeded() as session:
        sent = await session.scalar(
            select(SmsOutbox.body).where(SmsOutbox.template == "otp").order_by(SmsOutbox.id.desc()).limit(1)
        )
    await citizen.get_by_label("کد تأیید").fill(digits(sent)[-6:])
    await citizen.get_by_role("button", name="تأیید").click()
    await citizen.wait_for_url(f"{site}/track/{code}")
    link = citizen.locator("#written-answer")
    assert await link.inner_text() == "دریافت پاسخ مکتوب (PDF)"
    await check_page(citizen, shots, "51-citizen-written-answer")
    download = await citizen.context.request.get(f"{site}{await link.get_attribute('href')}")
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"


async def _file_at_intake(operator, site, contact: str, *, target: str | None = None) -> str:
    await operator.goto(f"{site}/operator/intake")
    await operator.locator(f"input[name=contact][value={contact}]").check()
    if target:
        await operator.locator("#referral_target_id").select_option(target)
    await operator.get_by_label("شماره همراه تماس‌گیرنده").fill(MOBILE)
    await operator.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await operator.get_by_label("نام و نام خانوادگی").fill("رضا کاظمی")
    await operator.get_by_label("شاخص").select_option("5")
    await operator.get_by_label("اداره یا واحد").select_option(OFFICE)
    await operator.get_by_label("ساعت (به وقت تهران").fill("۸")
    await operator.get_by_label("شرح ماجرا").fill(DESCRIPTION)
    await operator.get_by_role("button", name="ثبت و دریافت کد رهگیری").click()
    return digits(await operator.locator("#tracking-code").inner_text())


async def test_referral_triage_caller_received_audit_and_reports_at_both_widths(site, seeded, browsing, shots):
    async with httpx.AsyncClient(base_url=f"{site}/api/v1", headers=citizen_auth()) as api:
        code = await file(api)
    await projected(seeded, code)

    # The senior rejects at review, naming the authority the citizen should go to; the page asks first.
    senior = await browsing.page(PHONE)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/cases/{code}", "#form-review")
    await senior.get_by_label("خارج از حیطه فواد").check()
    target = await senior.locator("#review-referral-target option").nth(1).get_attribute("value")
    await senior.get_by_label("مرجع ارجاع").select_option(target)
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await assert_error_beside(
        senior, "review-referral", "برای «خارج از حیطه»، بنویسید شهروند به کجا مراجعه کند (دست‌کم ۳ نویسه)."
    )
    assert await senior.locator("#review-referral-target").input_value() == target, "the authority chosen is kept"
    assert await senior.locator("#decision-reject").is_checked()
    await check_page(senior, shots, "60-senior-reject-refused")
    await senior.get_by_label("ارجاع به مرجع دیگر، اگر خارج از حیطه است").fill("مبلغ مستمری با دیوان عدالت است")
    await senior.get_by_role("button", name="ثبت بررسی").click()
    await senior.locator("#confirm-consequence").wait_for()
    await check_page(senior, shots, "61-senior-reject-confirm")
    await senior.get_by_role("button", name="بله، خارج از حیطه اعلام و بسته شود").click()
    await senior.locator("#action-done").wait_for()
    assert await senior.locator("#case-status").inner_text() == CaseStatus.REFERRED.label_fa
    assert await senior.locator("#form-review").count() == 0

    # The operator triages at intake: a request, and an out-of-scope contact sent to its authority.
    operator = await browsing.page(PHONE)
    await log_in(operator, site, "operator1")
    await check_page(operator, shots, "62-intake-triage")
    request_code = await _file_at_intake(operator, site, "request")
    assert len(request_code) == 11
    await check_page(operator, shots, "63-operator-filed-request")
    out_code = await _file_at_intake(operator, site, "out_of_scope", target=target)
    await check_page(operator, shots, "64-operator-filed-out-of-scope")
    await projected(seeded, request_code, status="forwarded")
    await projected(seeded, out_code, status="referred")

    # The caller page: the operator sends a code to the complaint's mobile and reads the caller's cases.
    await operator.goto(f"{site}/operator/intake")
    await operator.get_by_role("link", name=re.compile("نظر تماس‌گیرنده")).click()
    await operator.get_by_label("کد رهگیری شکایت").fill(code)
    await operator.get_by_role("button", name="ارسال کد به شماره شکایت").click()
    await operator.get_by_label("کدی که تماس‌گیرنده می‌خواند").wait_for()
    await check_page(operator, shots, "65-operator-caller-code")
    async with seeded() as session:
        sent = await session.scalar(
            select(SmsOutbox.body).where(SmsOutbox.template == "otp").order_by(SmsOutbox.id.desc()).limit(1)
        )
    await operator.get_by_label("کدی که تماس‌گیرنده می‌خواند").fill("۱۲۳")
    await operator.get_by_role("button", name="تأیید کد").click()
    await assert_error_beside(operator, "caller-code", "کد نادرست یا منقضی است؛ اگر باز نپذیرفت، کد تازه بفرستید.")
    assert await operator.locator("#caller-code").input_value() == "۱۲۳"
    await check_page(operator, shots, "65a-operator-caller-code-refused")
    await operator.get_by_label("کدی که تماس‌گیرنده می‌خواند").fill(digits(sent)[-6:])
    await operator.get_by_role("button", name="تأیید کد").click()
    assert code in digits(await operator.locator("#caller-cases").inner_text())
    await check_page(operator, shots, "66-operator-caller-cases")

    # The citizen's received page for each kind of contact that is not a complaint.
    citizen = await browsing.page(PHONE)
    for kind, query in (("suggestion", ""), ("request", ""), ("out_of_scope", f"&target={target}")):
        await citizen.goto(f"{site}/complaint/{request_code}/received?contact={kind}{query}")
        assert persian_digits(request_code) in await citizen.locator("#tracking-code").inner_text()
        assert "راهبر" not in await citizen.locator("main").inner_text(), "no internal title for a citizen"
        await check_page(citizen, shots, f"67-received-{kind}")
    assert "مراجعه کنید" in await citizen.locator("#referral").inner_text()

    # The auditor's pages, and the admin's dashboard with each of its report pages.
    auditor = await browsing.page(PHONE)
    await log_in(auditor, site, "auditor")
    await check_page(auditor, shots, "68-audit-home")
    await auditor.goto(f"{site}/audit/{code}")
    await check_page(auditor, shots, "69-audit-referred-case")
    admin = await browsing.page(PHONE)
    await log_in(admin, site, "admin")
    await check_page(admin, shots, "70-dashboard")
    links = [await a.get_attribute("href") for a in await admin.locator("a[href*='format=html']").all()]
    assert len(links) == 5, links  # the three report pages and the month by agency and by province
    for n, link in enumerate(links):
        await admin.goto(f"{site}{link}")
        assert await admin.locator("h1").count() == 1
        await check_page(admin, shots, f"71-report-{n}")
