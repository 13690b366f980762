"""The admin's and the auditor's pages in a real browser, at 360 px and 1366 px: the dashboard's report link opens
the report under the same session, its charts fit the screen, and the auditor's history opens a raw event with
one click; no page scrolls sideways. Screenshots go under tmp_path."""

import pytest

from tests.browserutil import PHONE, log_in
from tests.test_pages_people import handled_case  # noqa: F401 - the fixture: a case three people worked on

WIDE = {"width": 1366, "height": 768}


async def _fits(page, width: int) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
async def test_reports_and_history_for_people(site, browsing, handled_case, tmp_path, viewport):  # noqa: F811
    width = viewport["width"]
    admin = await browsing.page(viewport)
    await log_in(admin, site, "admin")
    await admin.goto(f"{site}/dashboard")
    assert await admin.locator("#satisfaction").count() == 1
    await _fits(admin, width)
    await admin.screenshot(path=tmp_path / f"dashboard-{width}.png", full_page=True)
    await admin.locator("#report-links a").first.click()
    await admin.wait_for_load_state()
    assert (await admin.locator("h1").inner_text()).startswith("گزارش فواد ۱۲۸ — ")
    assert "سراسر کشور" in await admin.locator("#report-slice").inner_text()
    for bar in await admin.locator("#chart-indicator .bar-track").all():
        box = await bar.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    await _fits(admin, width)
    await admin.screenshot(path=tmp_path / f"report-{width}.png", full_page=True)

    auditor = await browsing.page(viewport)
    await log_in(auditor, site, "auditor")
    await auditor.goto(f"{site}/audit/{handled_case}")
    first = auditor.locator("details.raw").first
    assert not await first.locator("pre").is_visible()
    await first.locator("summary").click()
    assert "workflow_started" in await first.locator("pre").inner_text()
    await _fits(auditor, width)
    await auditor.screenshot(path=tmp_path / f"audit-{width}.png", full_page=True)
