"""Helpers for the browser tests (the fixtures `site`, `browser` and `browsing` are in tests/fixtures/browser.py):
viewports, the staff login, waiting for the read model, and numbers read off a page."""

import re

from schemas.text import latin_digits
from tests.factories import PASSWORD
from tests.polling import eventually_async

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


async def log_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("نام کاربری").fill(username)
    await page.get_by_label("گذرواژه").fill(PASSWORD)
    await page.get_by_role("button", name="ورود").click()
    await page.wait_for_load_state()


async def reload_until(page, url: str, selector: str, *, timeout: float = 20.0) -> None:
    """The read model is projected a moment after each step: reload until `selector` shows."""

    async def shown() -> int:
        await page.goto(url)
        return await page.locator(selector).count()

    await eventually_async(shown, timeout=timeout, interval=0.3, what=f"{selector} on {url}")


def digits(text: str) -> str:
    """A number read off a page (Persian digits, spaces) as Latin digits."""
    return re.sub(r"\D", "", latin_digits(text))
