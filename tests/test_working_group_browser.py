"""The annual evaluation and the working group in a real browser, in Persian, at 360 px and 1366 px
(tests/pagecheck.py: no sideways scroll, 44 px targets, axe): the admin's league and an agency's sheet, a senior
coordinator taken to its own agency's sheet and refused another's; a member's note, and the centre member's
decision, on a hotspot review opened by its workflow. Screenshots go under tmp_path."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from database.models import HotspotReview
from database.sessions import transaction
from schemas.hotspot import HotspotFinding, HotspotOpen, HotspotScope
from tests.browserutil import log_in
from tests.factories import OFFICE
from tests.pagecheck import check_page
from tests.reportcases import case_row
from workflows.hotspot import HotspotReviewWorkflow


async def _seed(seeded) -> datetime:
    """Six complaints at the demo office over the last days (one breached, one rejected)."""
    now = datetime.now(UTC)
    async with transaction(seeded) as session:
        for i in range(6):
            row = case_row(
                f"WG{uuid.uuid4().hex[:8]}",
                now - timedelta(days=1 + i, hours=2),
                result_minutes=40 + 30 * i,
                breached=i == 1,
                satisfied=i % 2 == 0,
                rating=4,
                indicator=7 if i < 4 else 3,
                status="rejected" if i == 5 else "closed",
            )
            row.agency_id, row.office_unit_id, row.unit_id = "sso", OFFICE, OFFICE
            session.add(row)
    return now


async def _open_review(temporal_env, task_queue, seeded, now: datetime) -> str:
    end = now + timedelta(hours=1)
    finding = HotspotFinding(
        scope=HotspotScope.UNIT,
        subject_id=OFFICE,
        agency_id="sso",
        window_start=end - timedelta(days=30),
        window_end=end,
        complaints=5,
        baseline=0.5,
        top_indicator=7,
        top_indicator_count=4,
    )
    start = HotspotOpen(review_id=finding.review_id, finding=finding, review_period=timedelta(days=14))
    await temporal_env.client.start_workflow(
        HotspotReviewWorkflow.run, start, id=finding.review_id, task_queue=task_queue
    )
    for _ in range(200):
        async with seeded() as session:
            if await session.get(HotspotReview, finding.review_id) is not None:
                return finding.review_id
        await asyncio.sleep(0.05)
    raise AssertionError("the review was never projected")


async def test_the_evaluation_pages_for_the_centre_and_a_senior_coordinator(site, seeded, browsing, tmp_path):
    await _seed(seeded)
    admin = await browsing.page({"width": 360, "height": 740})
    await log_in(admin, site, "admin")
    await admin.goto(f"{site}/evaluation")
    assert (await admin.locator("h1").inner_text()).startswith("ارزیابی سالانه دستگاه‌ها — سال ۱۴")
    await check_page(admin, tmp_path, "evaluation-league")
    await admin.locator("#league a", has_text="تأمین اجتماعی").click()
    await admin.wait_for_load_state()
    assert "ارزیابی سالانه سازمان تأمین اجتماعی" in await admin.locator("h1").inner_text()
    components = await admin.locator("#components li").all_inner_texts()
    assert len(components) == 4 and "وزن ۰٫۴۰" in components[0]
    await check_page(admin, tmp_path, "evaluation-sheet")
    href = await admin.locator("#evaluation-downloads a").first.get_attribute("href")
    pdf = await admin.request.get(f"{site}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    senior = await browsing.page({"width": 360, "height": 740})
    await log_in(senior, site, "nigc-senior")
    response = await senior.goto(f"{site}/evaluation/sso")
    assert response.status == 403
    await senior.goto(f"{site}/evaluation")
    assert senior.url.split("?")[0].endswith("/evaluation/nigc") or "شکایتی ندارد" in await senior.content()


async def test_members_note_and_the_centre_decides_on_the_hotspot_page(
    site, seeded, browsing, tmp_path, temporal_env, task_queue
):
    now = await _seed(seeded)
    review_id = await _open_review(temporal_env, task_queue, seeded, now)

    agency_member = await browsing.page({"width": 360, "height": 740})
    await log_in(agency_member, site, "wg-sso")
    assert agency_member.url.endswith("/working-group")
    await agency_member.locator("#reviews a").first.click()
    await agency_member.wait_for_load_state()
    assert "۵" in await agency_member.locator("#complaints-title").inner_text(), "the rejected case is not counted"
    indicators = await agency_member.locator("#indicators li").all_inner_texts()
    assert len(indicators) == 2 and "۴" in indicators[0]
    assert await agency_member.locator("#form-decision").count() == 0, "an agency's member notes; the centre decides"
    await agency_member.locator("#note").fill("ab")
    await agency_member.get_by_role("button", name="ثبت یادداشت").click()
    assert "دست‌کم ۳" in await agency_member.locator("#note-error").inner_text()
    await agency_member.locator("#note").fill("صف باجه مستمری از ساعت ۸ شلوغ است؛ نوبت‌دهی اینترنتی لازم است")
    await agency_member.get_by_role("button", name="ثبت یادداشت").click()
    await agency_member.wait_for_load_state()
    assert "نوبت‌دهی اینترنتی" in await agency_member.locator(".member-note").inner_text()
    await check_page(agency_member, tmp_path, "working-group-review-member")

    centre = await browsing.page({"width": 1366, "height": 768})
    await log_in(centre, site, "wg-centre")
    await centre.goto(f"{site}/working-group/{review_id}")
    assert "سعید رحمانی" in await centre.locator(".member-note").inner_text()
    await centre.get_by_label("بازرسی").check()
    await centre.locator("#decision_note").fill("بازرسی سرزده از شعبه در هفته آینده")
    await centre.get_by_role("button", name="ثبت تصمیم").click()
    await centre.wait_for_load_state()
    for _ in range(100):
        if "بسته با تصمیم «بازرسی»" in await centre.locator("#review-status").inner_text():
            break
        await asyncio.sleep(0.1)
        await centre.reload()
    assert "بسته با تصمیم «بازرسی»" in await centre.locator("#review-status").inner_text()
    await check_page(centre, tmp_path, "working-group-review-centre")
    await centre.goto(f"{site}/working-group")
    await check_page(centre, tmp_path, "working-group-reviews")
