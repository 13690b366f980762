"""The pages' benchmark, run by hand: `python -m bench.pages [--runs 5]`.

It starts one stack (tests/e2e/stack.py: the dev server, worker.py and the API under uvicorn) and drives Debian's
chromium at 360x740, then prints:

1. a scripted citizen, from `/` to a tracking code: the home page, "file a complaint", the mobile, the one-time
   code (read from the SMS outbox, as the phone would show it), the form, the code on screen; each run in a fresh
   browser context with its own mobile, timed from the first request to the tracking code shown;
2. what each page weighs cold (its HTML and every file it loads, with an empty cache), for the citizen and for
   each staff role, heaviest first: the bytes the network carries (the HTML gzipped), as tests/pagecheck.py
   weighs it against HEAVIEST, and beside them the bytes once decoded.

Nothing is asserted: the numbers are for the README (Performance). The tests check a page's bytes
(tests/pagecheck.py, HEAVIEST), never its speed.
"""

import argparse
import asyncio
import re
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import async_playwright

from schemas.text import latin_digits
from tests.e2e.stack import running_stack
from tests.factories import NATIONAL_CODE, OFFICE, PASSWORD
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS
from tests.pagecheck import PHONE, cold_bytes
from timekeeping.tehran import TEHRAN

DESCRIPTION = "کارمند باجه مستمری ساعت ۱۱ در محل نبود و کسی جای او نبود"


def _code_for(database: Path, mobile: str) -> str:
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = ? ORDER BY id DESC LIMIT 1", (mobile,)
        ).fetchone()
    return re.search(r"\d{6}", latin_digits(row[0])).group()


async def citizen_files(browser, root: str, database: Path, mobile: str) -> tuple[float, str, dict]:
    """One citizen from / to the tracking code; the seconds it took, the code and the citizen's cookies."""
    context = await browser.new_context(viewport=PHONE, locale="fa-IR")
    page = await context.new_page()
    hour_ago = datetime.now(TEHRAN) - timedelta(hours=1)
    started = time.perf_counter()
    await page.goto(f"{root}/")
    await page.get_by_role("link", name="ثبت شکایت").first.click()
    await page.get_by_label("شماره همراه").fill(mobile)
    await page.get_by_role("button", name="ارسال کد تأیید").click()
    await page.get_by_label("کد تأیید").fill(_code_for(database, mobile))
    await page.get_by_role("button", name="تأیید").click()
    await page.get_by_label("نام و نام خانوادگی").fill("مریم احمدی")
    await page.get_by_label("کد ملی").fill(NATIONAL_CODE)
    await page.locator("#indicator-7").check()
    await page.get_by_label("اداره یا واحد").select_option(OFFICE)
    await page.get_by_label("روز (تقویم شمسی)").select_option(hour_ago.date().isoformat())
    await page.get_by_label("ساعت (به وقت تهران").fill(hour_ago.strftime("%H.%M"))
    await page.get_by_label("شرح ماجرا").fill(DESCRIPTION)
    await page.get_by_role("button", name="ثبت شکایت").click()
    code = latin_digits(await page.locator("#tracking-code").inner_text())
    seconds = time.perf_counter() - started
    state = await context.storage_state()
    await context.close()
    return seconds, re.sub(r"\D", "", code), state


async def staff_state(browser, root: str, username: str):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(f"{root}/login")
    await page.get_by_label("نام کاربری").fill(username)
    await page.get_by_label("گذرواژه").fill(PASSWORD)
    await page.get_by_role("button", name="ورود").click()
    await page.wait_for_load_state()
    state = await context.storage_state()
    await context.close()
    return state


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="foad-bench-pages-") as folder:
        with running_stack(Path(folder), {}) as stack:  # started outside any event loop (it runs its own)
            asyncio.run(drive(stack, runs))


async def drive(stack, runs: int) -> None:
    """The citizen's runs, then the pages' weights, printed."""
    root = stack.base_url.removesuffix("/api/v1")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        await citizen_files(browser, root, stack.database_path, "09120000000")  # warm the stack up
        times, code, citizen = [], "", None
        for n in range(runs):
            mobile = f"0912000000{n + 1}"
            seconds, code, citizen = await citizen_files(browser, root, stack.database_path, mobile)
            times.append(seconds)
        print(f"citizen from / to a tracking code, {runs} runs at 360x740 (after one warm-up run):")
        print(
            f"  median {statistics.median(times):.2f} s, fastest {min(times):.2f} s, "
            f"slowest {max(times):.2f} s  ({', '.join(f'{t:.2f}' for t in times)})"
        )
        pages = [(None, "anyone", path) for path in ("/", "/verify", "/track", f"/track/{code}", "/login")]
        pages += [(citizen, "citizen", "/complaint"), (citizen, "citizen", f"/track/{code}")]
        for username, paths in (
            ("operator1", ["/operator/intake"]),
            ("sso-senior", ["/inbox", f"/cases/{code}"]),
            ("auditor", ["/audit", f"/audit/{code}"]),
            ("admin", ["/dashboard", "/operator/intake"]),
        ):
            state = await staff_state(browser, root, username)
            pages += [(state, username, path) for path in paths]
        weights = []
        for state, who, path in pages:
            decoded: dict[str, int] = {}
            total, files = await cold_bytes(browser, f"{root}{path}", state, decoded)
            url = f"{root}{path}"
            weights.append(
                (
                    total,
                    files.get(url, 0),
                    sum(decoded.values()),
                    decoded.get(url, 0),
                    path.replace(code, "{code}"),
                    who,
                )
            )
        print("pages cold (HTML and every file loaded, empty cache), heaviest first, as the network carries them")
        print("(the HTML gzipped), then once decoded:")
        for total, html, unpacked, unpacked_html, path, who in sorted(weights, reverse=True):
            print(
                f"  {total / 1000:6.1f} KB  (HTML {html / 1000:5.1f} KB)  decoded {unpacked / 1000:6.1f} KB"
                f"  (HTML {unpacked_html / 1000:5.1f} KB)  {path}  ({who})"
            )
        await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed citizen runs (default 5)")
    main(parser.parse_args().runs)
