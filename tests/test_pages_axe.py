"""The page checks of the browser tests (tests/pagecheck.py) catch what they are meant to: axe-core, installed
from its npm package at the version package.json pins, runs in the page and reports a serious violation; a page
wider than the phone, a radio without a big enough label, a small button and slanted text are each reported."""

import json

import pytest

from tests.pagecheck import AXE, PHONE, ROOT, axe_violations, check_page

BAD_PAGE = """<!doctype html><html lang="fa" dir="rtl"><head><title>بد</title></head><body><main>
<h1>صفحه بد</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" id="nameless">
<input type="radio" id="tiny" name="r"><label for="tiny">ریز</label>
<button style="padding:0;min-height:0;font-size:10px">ب</button>
<em>کج</em>
<div style="width:600px">پهن</div>
</main></body></html>"""


def test_the_axe_in_node_modules_is_the_pinned_one():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/axe-core"]["version"]
    assert pinned == locked
    assert f"axe v{pinned}" in AXE.read_text(encoding="utf-8")[:200]


async def test_every_check_reports_what_a_person_would_trip_on(browser, tmp_path):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.set_content(BAD_PAGE)
    found = "\n".join(await axe_violations(page))
    assert "image-alt (critical)" in found and "label (critical)" in found
    with pytest.raises(AssertionError) as failed:
        await check_page(page, tmp_path, "bad", viewports={"360x740": PHONE})
    report = str(failed.value)
    assert "scrolls sideways" in report
    assert "radio #tiny" in report and "targets under 44 px" in report and 'button "ب"' in report
    assert "slanted text in ['EM']" in report
    assert "axe:" in report
    await context.close()
