"""The Temporal Schedules of the centre: the daily hotspot scan and the monthly report, the archive's sweep
(every FOAD_ARCHIVE_SWEEP_MINUTES), its daily reconciliation and the daily erasure of expired personal data.

Created idempotently: by `make run` (cli.devstack) on the local stack, and on a real cluster by

    python -m cli.schedules

A schedule that exists already is updated to today's definition, so rerunning either is safe. Both fire at
FOAD_SCHEDULE_HOUR, Tehran time. The monthly report fires daily too (a Jalali month starts on the 20th to
22nd of a Gregorian month, which a calendar spec cannot name) and compiles each finished month once.
"""

import asyncio
import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from cli.process import exit_process
from infra.settings import Settings, settings_or_exit
from infra.temporal import connect
from schemas.archive import ErasureInput, ReconcileInput, SweepInput
from schemas.hotspot import CompileInput, ScanInput
from timekeeping.tehran import TEHRAN
from workflows.archive import ArchiveSweepWorkflow, ErasureWorkflow, ReconcileWorkflow
from workflows.hotspot import HotspotScanWorkflow, MonthlyReportWorkflow

log = logging.getLogger("foad.schedules")

HOTSPOT_SCAN = "foad-hotspot-scan"
MONTHLY_REPORT = "foad-monthly-report"
ARCHIVE_SWEEP = "foad-archive-sweep"
ARCHIVE_RECONCILE = "foad-archive-reconcile"
PERSONAL_DATA_ERASURE = "foad-personal-data-erasure"


def _daily(hour: int, minute: int) -> ScheduleSpec:
    calendar = ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)])
    return ScheduleSpec(calendars=[calendar], time_zone_name=TEHRAN.key)


def schedules(settings: Settings) -> dict[str, Schedule]:
    policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)
    queue = settings.temporal_task_queue
    return {
        HOTSPOT_SCAN: Schedule(
            action=ScheduleActionStartWorkflow(HotspotScanWorkflow.run, ScanInput(), id=HOTSPOT_SCAN, task_queue=queue),
            spec=_daily(settings.schedule_hour, 0),
            policy=policy,
        ),
        MONTHLY_REPORT: Schedule(
            action=ScheduleActionStartWorkflow(
                MonthlyReportWorkflow.run, CompileInput(), id=MONTHLY_REPORT, task_queue=queue
            ),
            spec=_daily(settings.schedule_hour, 30),
            policy=policy,
        ),
        ARCHIVE_SWEEP: Schedule(
            action=ScheduleActionStartWorkflow(
                ArchiveSweepWorkflow.run, SweepInput(), id=ARCHIVE_SWEEP, task_queue=queue
            ),
            spec=ScheduleSpec(
                intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.archive_sweep_minutes))]
            ),
            policy=policy,
        ),
        ARCHIVE_RECONCILE: Schedule(
            action=ScheduleActionStartWorkflow(
                ReconcileWorkflow.run, ReconcileInput(), id=ARCHIVE_RECONCILE, task_queue=queue
            ),
            spec=_daily(settings.schedule_hour, 45),
            policy=policy,
        ),
        PERSONAL_DATA_ERASURE: Schedule(
            action=ScheduleActionStartWorkflow(
                ErasureWorkflow.run, ErasureInput(), id=PERSONAL_DATA_ERASURE, task_queue=queue
            ),
            spec=_daily(settings.schedule_hour, 15),
            policy=policy,
        ),
    }


async def ensure_schedules(client: Client, settings: Settings) -> dict[str, str]:
    """Create each schedule, or bring an existing one up to date; returns what was done to each."""
    done: dict[str, str] = {}
    for schedule_id, schedule in schedules(settings).items():
        try:
            await client.create_schedule(schedule_id, schedule)
            done[schedule_id] = "created"
        except ScheduleAlreadyRunningError:

            def replace(_: ScheduleUpdateInput, schedule: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=schedule)

            await client.get_schedule_handle(schedule_id).update(replace)
            done[schedule_id] = "updated"
    return done


async def _main() -> None:
    settings = settings_or_exit("cli.schedules")
    client = await connect(settings)
    for schedule_id, what in (await ensure_schedules(client, settings)).items():
        print(f"{schedule_id}: {what}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(_main())
    exit_process(0)  # past the Temporal SDK's threads, which can abort the interpreter's teardown
