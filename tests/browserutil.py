"""Browser tests: the in-process app served by uvicorn on a free port (on the time-skipping test server with
a real worker and a seeded SQLite database), driven by Playwright through Debian's chromium.

Playwright's own browser download does not work on these machines: `make test` installs chromium with apt,
and the tests skip (saying why) when /usr/bin/chromium is missing.
"""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from cli.devstack import free_port
from schemas.text import latin_digits
from tests.apiutil import PASSWORD, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The policy another change will send in production; here the test server sends it, so a page that needs an
# inline script or style fails its test.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def site(temporal_env, seeded, task_queue, worker) -> AsyncIterator[str]:
    """The whole app (pages and API) on a free port; development mode, so the SMS outbox page is on."""
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue, environment="development")

    @app.middleware("http")
    async def strict_csp(request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


@pytest.fixture(scope="module")
async def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make test` installs it with apt (apt-get install -y chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


class Browsing:
    """Opens pages in fresh contexts and collects every Content-Security-Policy violation they report."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.violations: list[str] = []
        self.contexts: list = []

    async def page(self, viewport: dict[str, int]):
        context = await self.browser.new_context(viewport=viewport, locale="fa-IR")
        self.contexts.append(context)
        return await self.open(context)

    async def open(self, context):
        page = await context.new_page()
        page.on("console", self._console)
        return page

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def browsing(browser) -> AsyncIterator[Browsing]:
    session = Browsing(browser)
    yield session
    await session.close()
    assert not session.violations, session.violations


async def log_in(page, base: str, username: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("نام کاربری").fill(username)
    await page.get_by_label("گذرواژه").fill(PASSWORD)
    await page.get_by_role("button", name="ورود").click()
    await page.wait_for_load_state()


async def reload_until(page, url: str, selector: str, *, timeout: float = 20.0) -> None:
    """The read model is projected a moment after each step: reload until `selector` shows."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await page.goto(url)
        if await page.locator(selector).count():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{selector} did not appear on {url}")
        await asyncio.sleep(0.3)


def digits(text: str) -> str:
    """A number read off a page (Persian digits, spaces) as Latin digits."""
    return re.sub(r"\D", "", latin_digits(text))
