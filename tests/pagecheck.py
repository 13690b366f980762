"""What a person checks on every page, at a phone's width and a laptop's, for the browser tests: nothing scrolls
sideways, every radio, rating, header link and button is a 44x44 CSS px target, and an accessibility audit by
axe-core (the npm package of package.json, installed by `make install`, read from node_modules and evaluated in
the page: nothing is fetched) finds no serious or critical violation. A refused form: each reason beside its
field, what was typed kept, and the cursor on the first field at fault."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"360x740": PHONE, "1366x768": LAPTOP}
TARGET = 44  # CSS px, each way
WEIGHTS: dict[str, int] = {}  # every page check_page weighed, by URL: the tests print the heaviest

# Every tap target a finger must hit: the radio (by the label it sits in), the header's links and buttons, and
# every button on the page. Answers those smaller than TARGET, each with what it is.
_SMALL_TARGETS = """(min) => {
  const small = [];
  const box = (el) => el.getBoundingClientRect();
  const visible = (el) => {
    const r = box(el);
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const name = (el) => (el.id ? '#' + el.id : el.tagName.toLowerCase())
    + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  for (const radio of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    if (!visible(radio)) continue;
    const label = radio.closest('label');
    const r = box(radio), t = label ? box(label) : r;
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const inside = cx >= t.left && cx <= t.right && cy >= t.top && cy <= t.bottom;
    if (!inside || t.width < min || t.height < min) {
      small.push('radio ' + name(radio) + ' ' + Math.round(t.width) + 'x' + Math.round(t.height));
    }
  }
  for (const el of document.querySelectorAll('header a, header button, button, .button, input[type=submit]')) {
    if (!visible(el) || el.classList.contains('skip') || el.classList.contains('visually-hidden')) continue;
    const r = box(el);
    if (r.width < min || r.height < min) small.push(name(el) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
  return small;
}"""

_OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  wide: [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().left < -1
    || el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((el) => el.outerHTML.slice(0, 120))})"""

_ITALIC = """() => [...document.querySelectorAll('body *')].filter((el) => el.innerText && el.innerText.trim()
  && getComputedStyle(el).fontStyle !== 'normal').map((el) => el.tagName)"""


HEAVIEST = 150_000  # bytes a page may weigh cold (150 KB): its HTML and everything it loads


async def cold_bytes(
    browser, url: str, storage_state=None, decoded: dict[str, int] | None = None
) -> tuple[int, dict[str, int]]:
    """What a page weighs on a first visit (an empty cache): the bytes the network carries for its HTML and for
    every file it loads (gzipped where the server compresses it), each by its URL. `storage_state` (a context's
    cookies) opens it as the same person. `decoded`, if given, gets each file's bytes once uncompressed."""
    context = await browser.new_context(viewport=PHONE, storage_state=storage_state)
    try:
        page = await context.new_page()
        sizes: dict[str, int] = {}

        async def weigh(response) -> None:
            if response.request.method == "GET" and response.status < 300:
                sizes[response.url] = (await response.request.sizes())["responseBodySize"]
                if decoded is not None:
                    decoded[response.url] = len(await response.body())

        page.on("response", weigh)
        await page.goto(url, wait_until="load")
        await page.wait_for_load_state("networkidle")
        return sum(sizes.values()), sizes
    finally:
        await context.close()


async def axe_violations(page, levels: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the page at `levels`, one line each (rule, impact, the first offending nodes)."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: `make install` installs it (npm ci, package.json)")
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, not as a <script>: the pages' CSP (script-src 'self') stays
        # in force for everything else.
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
        }"""
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in result if v["impact"] in levels]


async def check_page(page, shots: Path, name: str, *, viewports: dict[str, dict] = VIEWPORTS) -> None:
    """The page as it is now, at each viewport: no sideways scroll, no target under 44 px, nothing slanted, and
    no serious or critical axe violation; a full-page screenshot of each under `shots`. The page at its URL,
    loaded again cold by the same person, weighs less than HEAVIEST."""
    problems = []
    if page.url.startswith("http"):
        weight, files = await cold_bytes(page.context.browser, page.url, await page.context.storage_state())
        WEIGHTS[page.url.split("?")[0]] = max(weight, WEIGHTS.get(page.url.split("?")[0], 0))
        if weight > HEAVIEST:
            problems.append(f"{weight} bytes cold, more than {HEAVIEST}: {files}")
    for label, size in viewports.items():
        await page.set_viewport_size(size)
        overflow = await page.evaluate(_OVERFLOW)
        if overflow["scroll"] > overflow["inner"]:
            problems.append(
                f"{label}: scrolls sideways ({overflow['scroll']} > {overflow['inner']}): {overflow['wide']}"
            )
        if small := await page.evaluate(_SMALL_TARGETS, TARGET):
            problems.append(f"{label}: targets under {TARGET} px: {small}")
        if slanted := await page.evaluate(_ITALIC):
            problems.append(f"{label}: slanted text in {slanted[:5]}")
        if violations := await axe_violations(page):
            problems.append(f"{label}: axe: {violations}")
        await page.screenshot(path=shots / f"{name}-{label}.png", full_page=True)
    await page.set_viewport_size(PHONE)
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)


async def assert_error_beside(page, field: str, reason: str) -> None:
    """The field's Persian reason is shown right under it (nothing else between), and named by its
    aria-describedby, so a screen reader reads it with the field."""
    control = page.locator(f"#{field}")
    error_id = await control.evaluate(
        """(el) => {
          const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/);
          const own = ids.map((id) => document.getElementById(id))
            .find((e) => e && e.classList.contains('field-error'));
          return own ? own.id : null;
        }"""
    )
    assert error_id, f"#{field} names no field error in aria-describedby"
    assert await control.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{error_id}")
    assert await error.inner_text() == reason
    field_box, error_box = await control.bounding_box(), await error.bounding_box()
    gap = error_box["y"] - (field_box["y"] + field_box["height"])
    assert -1 <= gap <= 48, f"the reason for #{field} is {gap:.0f} px from it"
    between = await control.evaluate(
        """(el, id) => {
          const error = document.getElementById(id);
          const all = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')];
          return all.filter((c) => c !== el && (el.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING)
            && (c.compareDocumentPosition(error) & Node.DOCUMENT_POSITION_FOLLOWING)).length;
        }""",
        error_id,
    )
    assert between == 0, f"{between} other controls stand between #{field} and its reason"
