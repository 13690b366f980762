"""The daily scan and monthly report Schedules on the real dev server: created once, updated on a rerun,
and a triggered monthly report compiles the last finished Jalali month through the worker."""

import asyncio
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cli.devstack import dev_server_command, free_port, stop, wait_for_temporal
from cli.schedules import HOTSPOT_SCAN, MONTHLY_REPORT, ensure_schedules, schedules
from database.models import MonthlyReport
from infra.settings import Settings
from timekeeping.jalali import jalali_period, previous_month
from worker import build_worker


@pytest.fixture
async def dev_client(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        dev_server_command(tmp_path, port, ui_port=None),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield await wait_for_temporal(f"127.0.0.1:{port}", 60, process=process)
    finally:
        stop(process)


async def test_schedules_are_created_once_then_updated_and_the_monthly_report_compiles(dev_client, sessions):
    settings = Settings(temporal_task_queue="schedules-test", schedule_hour=3)

    ids = list(schedules(settings))
    assert {HOTSPOT_SCAN, MONTHLY_REPORT} <= set(ids)
    assert await ensure_schedules(dev_client, settings) == dict.fromkeys(ids, "created")
    assert await ensure_schedules(dev_client, settings) == dict.fromkeys(ids, "updated")

    scan = await dev_client.get_schedule_handle(HOTSPOT_SCAN).describe()
    assert scan.schedule.action.workflow == "HotspotScanWorkflow"
    assert scan.schedule.spec.time_zone_name == "Asia/Tehran"
    assert scan.schedule.spec.calendars[0].hour[0].start == 3
    assert scan.schedule.action.task_queue == "schedules-test"

    async with build_worker(dev_client, sessions=sessions, task_queue="schedules-test", settings=settings):
        await dev_client.get_schedule_handle(MONTHLY_REPORT).trigger()
        expected = previous_month(*jalali_period(datetime.now(UTC)))
        for _ in range(300):
            async with sessions() as session:
                compiled = list(await session.scalars(select(MonthlyReport)))
            if compiled:
                break
            await asyncio.sleep(0.1)
    assert [(r.jalali_year, r.jalali_month) for r in compiled] == [expected]
    assert compiled[0].figures["received"] == 0
