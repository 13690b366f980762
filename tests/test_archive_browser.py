"""The auditor's pages in chromium for a case Temporal forgot and whose personal data was erased: the history
page says it read the archive and that the data is erased; the case page says so above its blank facts; the
notice fits a phone's width, and the history page does not scroll sideways."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from archive.sweep import sweep
from tests.apiutil import http, login, make_app, served
from tests.archiveutil import case_workflow, closed_case, dev_server, forget
from tests.browserutil import PHONE, log_in
from tests.factories import FULL_NAME, NATIONAL_CODE
from worker import build_worker

SHOTS = Path(__file__).resolve().parent.parent.parent / "archive-shots"
WIDE = {"width": 1366, "height": 768}


@pytest.fixture
async def dev_client(tmp_path):
    async with dev_server(tmp_path / "temporal") as client:
        yield client


async def test_the_audit_and_case_pages_of_an_erased_archived_case(dev_client, seeded, browsing):
    queue = f"archive-pages-{uuid.uuid4().hex[:8]}"
    async with build_worker(dev_client, sessions=seeded, task_queue=queue):
        app = make_app(sessions=seeded, client=dev_client, task_queue=queue, environment="development")
        async with http(app) as api:
            code = await closed_case(api, seeded)
            while not (await sweep(dev_client, seeded, overlap=timedelta(hours=1))).archived:
                pass
            reason = "درخواست کتبی شهروند"
            erased = await api.post(
                f"/cases/{code}/erasure", json={"reason": reason}, headers=await login(api, "admin")
            )
            assert erased.status_code == 200, erased.text
        await forget(dev_client, case_workflow(code))
        async with served(app) as root:
            for name, viewport in (("phone", PHONE), ("wide", WIDE)):
                page = await browsing.page(viewport)
                await log_in(page, root, "auditor")
                await page.goto(f"{root}/audit/{code}")
                assert "بایگانی" in await page.locator("#history-source").inner_text()
                assert "پاک شده" in await page.locator("#history-erased").inner_text()
                assert (await page.evaluate("document.documentElement.scrollWidth")) <= viewport["width"]
                if SHOTS.parent.exists():
                    SHOTS.mkdir(exist_ok=True)
                    await page.screenshot(path=str(SHOTS / f"audit-erased-{name}.png"), full_page=True)
                await page.goto(f"{root}/cases/{code}")
                notice = await page.locator("#case-erased").inner_text()
                assert "پاک شده" in notice and reason in notice
                body = await page.locator("main").inner_text()
                assert FULL_NAME not in body and NATIONAL_CODE not in body
                box = await page.locator("#case-erased").bounding_box()  # (the tasks table below is wider)
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
                if SHOTS.parent.exists():
                    await page.screenshot(path=str(SHOTS / f"case-erased-{name}.png"), full_page=True)
