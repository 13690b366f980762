"""The clocks in a real browser, at 360 px and 1366 px: the inbox, the case page and the tracking page show the
task's own time and the case's deadline, each labelled; the script counts a running clock down in hours and
minutes; once the citizen is asked, every clock stands still and says why. Screenshots go under tmp_path."""

import pytest

from tests.apiutil import file, login, open_task, projected
from tests.browserutil import PHONE, log_in, reload_until
from tests.polling import eventually_async
from tests.test_pages_clocks import QUESTION, _paused

WIDE = {"width": 1366, "height": 768}
ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "جایگزین به باجه بفرستید"}


async def _labels_and_texts(page) -> list[tuple[str, str]]:
    labels = await page.locator("#main .clock .clock-label").all_inner_texts()
    texts = await page.locator("#main .clock .clock-text").all_inner_texts()
    return list(zip(labels, texts, strict=True))


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
async def test_every_page_shows_two_labelled_clocks_that_stop_while_the_citizen_is_asked(
    site, browsing, api, seeded, tmp_path, viewport
):
    code = await file(api)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), code, "handling")
    await projected(seeded, code, status="in_handling")
    width = viewport["width"]

    unit = await browsing.page(viewport)
    await log_in(unit, site, "sso-takestan")
    await reload_until(unit, f"{site}/inbox", f"a[href='/cases/{code}']")
    shown = await _labels_and_texts(unit)
    assert [label for label, _ in shown] == ["زمان این سطح پیش از انتقال به سطح بالاتر:", "مهلت سه‌ساعته پرونده:"]
    assert all(text.endswith("مانده") and "ثانیه" not in text for _, text in shown), shown
    await unit.screenshot(path=tmp_path / f"inbox-{width}.png", full_page=True)

    await unit.goto(f"{site}/cases/{code}")
    await unit.wait_for_timeout(1200)  # the script has ticked
    shown = await _labels_and_texts(unit)
    assert len(shown) == 2 and all(t.endswith("مانده") and "ثانیه" not in t for _, t in shown), shown
    await unit.screenshot(path=tmp_path / f"case-{width}.png", full_page=True)

    citizen = await browsing.page(viewport)
    await citizen.goto(f"{site}/track/{code}")
    shown = await _labels_and_texts(citizen)
    assert shown[0][0] == "مهلت سه‌ساعته پرونده:" and "سطح بالاتر" in shown[1][0]
    await citizen.screenshot(path=tmp_path / f"track-{width}.png", full_page=True)

    takestan = await login(api, "sso-takestan")
    assert (await api.post(f"/cases/{code}/request-information", json=QUESTION, headers=takestan)).status_code == 200
    await eventually_async(lambda: _paused(seeded, code), timeout=30, what="the pause in the read model")
    for page, url, name in ((unit, f"/cases/{code}", "case"), (citizen, f"/track/{code}", "track")):
        await page.goto(f"{site}{url}")
        await page.wait_for_timeout(1200)  # a paused clock must not be counted down by the script
        shown = await _labels_and_texts(page)
        assert len(shown) == 2 and all(text == "متوقف" for _, text in shown), shown
        notes = await page.locator("#main .clock-paused .clock-note").all_inner_texts()
        assert len(notes) == 2 and all("در انتظار پاسخ" in n for n in notes)
        await page.screenshot(path=tmp_path / f"{name}-paused-{width}.png", full_page=True)
    await unit.goto(f"{site}/inbox")
    assert await unit.locator("#main .clock-paused").count() == 2
    await unit.screenshot(path=tmp_path / f"inbox-paused-{width}.png", full_page=True)
