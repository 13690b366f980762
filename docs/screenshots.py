"""The README's pictures, taken from a running stack at phone width (360x740): the citizen's form, the tracking
page, a unit's inbox and a report. Each run files one real complaint and walks it as the people would.

    make run                                  # in one terminal (development mode: the SMS outbox page is on)
    .venv/bin/python docs/screenshots.py      # in another; writes docs/screenshots/*.png

Options: --base (the stack's URL, default http://localhost:8000), --out (default docs/screenshots),
--chromium (default /usr/bin/chromium: Debian's, as the browser tests use; `make chromium` installs it).
It needs the test extras (playwright), which `make install` puts in .venv.
"""

import argparse
import asyncio
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright

PHONE = {"width": 360, "height": 740}
PASSWORD = "foad-demo-128"  # the demo users' password (README, Demo users)
MOBILE = "09121234567"
DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی هم جای او نبود؛ یک ساعت منتظر ماندم."
PERSIAN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


async def log_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_load_state()


async def citizen(page: Page, base: str, out: Path) -> str:
    """Proves the mobile with the code from the outbox, fills the form, files it: returns the tracking code."""
    await page.goto(f"{base}/complaint")
    await page.locator("#mobile").fill(MOBILE)
    await page.locator("form button[type=submit]").click()
    outbox = await page.context.new_page()
    await outbox.goto(f"{base}/dev/outbox")
    sms = await outbox.locator(".sms-body").first.inner_text()
    await outbox.close()
    code = re.search(r"کد تأیید شما (\S+)", sms).group(1).translate(PERSIAN)
    await page.locator("#code").fill(re.sub(r"\D", "", code))
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{base}/complaint")
    await page.locator("#indicator-7").check()
    await page.locator("#full_name").fill("مریم احمدی")
    await page.locator("#national_code").fill("0499370899")
    await page.locator("#province").select_option("IR-26")
    await page.locator("#county").select_option("IR-26-takestan")
    await page.locator("#agency").select_option("sso")
    await page.locator("#unit_id").select_option("sso-qazvin-takestan")
    await page.locator("#incident_time").fill("10:30")
    await page.locator("#description").fill(DESCRIPTION)
    await page.screenshot(path=out / "1-citizen-form.png", full_page=True)
    await page.locator("form button[type=submit]").last.click()
    tracking_code = (await page.locator("#tracking-code").inner_text()).translate(PERSIAN).strip()
    return re.sub(r"\D", "", tracking_code)


async def review_by_api(base: str, tracking_code: str) -> None:
    """The senior coordinator orders the Takestan branch to act (by the API, as its own page would)."""
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=30) as api:
        token = await api.post("/auth/token", data={"username": "sso-senior", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for _ in range(100):  # the review task reaches the read model a moment after filing
            tasks = (await api.get("/tasks", headers=headers)).json()
            if any(t["tracking_code"] == tracking_code and t["kind"] == "review" for t in tasks):
                break
            await asyncio.sleep(0.2)
        review = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "نیروی جایگزین بگذارید"}
        response = await api.post(f"/cases/{tracking_code}/review", json=review, headers=headers)
        response.raise_for_status()


async def take(base: str, out: Path, chromium: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            phone = await (await browser.new_context(viewport=PHONE, locale="fa-IR")).new_page()
            tracking_code = await citizen(phone, base, out)
            await review_by_api(base, tracking_code)
            await phone.goto(f"{base}/track/{tracking_code}")
            await phone.screenshot(path=out / "2-tracking.png", full_page=True)

            unit = await (await browser.new_context(viewport=PHONE, locale="fa-IR")).new_page()
            await log_in(unit, base, "sso-takestan")
            for _ in range(50):
                await unit.goto(f"{base}/inbox")
                if await unit.locator(f"a[href='/cases/{tracking_code}']").count():
                    break
                await asyncio.sleep(0.3)
            await unit.screenshot(path=out / "3-unit-inbox.png", full_page=True)

            admin = await (await browser.new_context(viewport=PHONE, locale="fa-IR")).new_page()
            await log_in(admin, base, "admin")
            await admin.goto(f"{base}/dashboard")
            await admin.locator("#report-links a").first.click()
            await admin.wait_for_load_state()
            await admin.screenshot(path=out / "4-report.png", full_page=True)
        finally:
            await browser.close()
    return sorted(out.glob("*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://localhost:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    for path in asyncio.run(take(args.base.rstrip("/"), args.out, args.chromium)):
        print(f"screenshots: {path}")
    print(f"screenshots: done in {(datetime.now(UTC) - started) / timedelta(seconds=1):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
