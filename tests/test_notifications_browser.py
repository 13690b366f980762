"""Notifications and claiming on the pages, in chromium: a unit coordinator on a phone sees the unread count in
the header, reads the arrival on its notifications page, and claims the task from the case page; the senior
gives it to the other coordinator of the unit, and the timeline says who was told."""

import httpx

from tests.apiutil import citizen_auth, file, projected
from tests.browserutil import DESKTOP, PHONE, log_in, reload_until
from tests.factories import OFFICE, PASSWORD

ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و جایگزین بفرستید"}
SECOND = {
    "username": "sso-takestan2",
    "full_name": "مریم کاظمی",
    "role": "unit_coordinator",
    "agency_id": "sso",
    "unit_ids": [OFFICE],
    "password": PASSWORD,
}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


async def _token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_coordinator_is_told_claims_on_a_phone_and_the_senior_reassigns(site, seeded, browsing, tmp_path):
    async with httpx.AsyncClient(base_url=f"{site}/api/v1", headers=citizen_auth()) as api:
        assert (await api.post("/users", json=SECOND, headers=await _token(api, "admin"))).status_code == 201
        code = await file(api)
        await projected(seeded, code)
        senior_token = await _token(api, "sso-senior")
        reviewed = await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior_token)
        assert reviewed.status_code == 200, reviewed.text

    phone = await browsing.page(PHONE)
    await log_in(phone, site, "sso-takestan")
    await reload_until(phone, f"{site}/inbox", "#unread-count")
    assert await phone.locator("#unread-count").inner_text() == "۱"
    row = phone.locator("tr", has=phone.locator(f"a[href='/cases/{code}']"))
    assert "برداشته‌نشده" in await row.inner_text()
    assert await phone.evaluate(NO_SIDEWAYS_SCROLL)
    await phone.screenshot(path=tmp_path / "1-inbox-unread.png", full_page=True)

    await phone.locator("#notifications-link").click()
    first = phone.locator("#notifications li").first
    assert "برای رسیدگی به «" in await first.inner_text() and "تازه" in await first.inner_text()
    assert await phone.evaluate(NO_SIDEWAYS_SCROLL)
    await phone.screenshot(path=tmp_path / "2-notifications.png", full_page=True)
    await phone.reload()
    assert await phone.locator("#unread-count").count() == 0, "opening the list marked them read"
    assert "تازه" not in await phone.locator("#notifications li").first.inner_text()

    await phone.goto(f"{site}/cases/{code}")
    assert "هنوز کسی برنداشته" in await phone.locator("#task-holder").inner_text()
    await phone.get_by_role("button", name="برداشتن این کار").click()
    assert "کار را برداشتید" in await phone.locator("#action-done").inner_text()
    assert "امیر قاسمی" in await phone.locator("#task-holder").inner_text()
    assert await phone.get_by_role("button", name="واگذاشتن این کار").count() == 1
    await phone.screenshot(path=tmp_path / "3-claimed.png", full_page=True)
    # The holder's section fits the phone (the case page's older tasks table is wider: not this section's).
    box = await phone.locator("#holder").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    senior = await browsing.page(DESKTOP)
    await log_in(senior, site, "sso-senior")
    await reload_until(senior, f"{site}/cases/{code}", "#form-reassign")
    await senior.get_by_label("سپردن کار به").select_option("sso-takestan2")
    await senior.get_by_role("button", name="سپردن").click()
    assert "سپرده شد" in await senior.locator("#action-done").inner_text()
    await reload_until(senior, f"{site}/cases/{code}", "#timeline .notified")
    timeline = await senior.locator("#timeline").inner_text()
    assert "برداشتن کار — شهرستانی — امیر قاسمی، هماهنگ‌کننده واحد" in timeline
    assert (
        "سپردن کار به هماهنگ‌کننده دیگر — شهرستانی — مهدی حسینی، راهبر ارشد — به مریم کاظمی، هماهنگ‌کننده واحد"
        in timeline
    )
    assert "آگاه شدند: مریم کاظمی، هماهنگ‌کننده واحد" in timeline
    assert "مریم کاظمی" in await senior.locator("#task-holder").inner_text()
    await senior.screenshot(path=tmp_path / "4-reassigned.png", full_page=True)

    # The coordinator it was given to reads it on a wide screen.
    given = await browsing.page({"width": 1366, "height": 768})
    await log_in(given, site, "sso-takestan2")
    await reload_until(given, f"{site}/notifications", "#notifications li.unread")
    assert "به شما سپرده شد" in await given.locator("#notifications li.unread").first.inner_text()
    await given.screenshot(path=tmp_path / "5-assigned-wide.png")

    # The coordinator who held it may no longer complete it: the page offers it nothing but the holder's name.
    await phone.goto(f"{site}/cases/{code}")
    assert await phone.locator("#form-complete").count() == 0
    assert await phone.locator("#form-release").count() == 0
