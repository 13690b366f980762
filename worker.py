"""The Temporal worker: registers the case and hotspot workflows and their activities on the task queue."""

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from activities.calendar_change import CalendarChangeActivities
from activities.case import CaseActivities
from activities.hotspot import HotspotActivities
from activities.notifications import StaffNotifier
from activities.office_calendar import OfficeCalendarActivities
from archive.activities import ArchiveActivities
from database.sessions import engine_for, sessionmaker
from infra import logs, tracing
from infra.health import ProbeServer, database_check, temporal_check
from infra.settings import Settings, get_settings, settings_or_exit
from infra.temporal import connect
from sms.dispatch import SmsDispatcher, build_gateway
from sms.sender import OutboxSmsSender, SmsSender
from workflows.archive import ArchiveSweepWorkflow, ErasureWorkflow, ReconcileWorkflow
from workflows.calendar_change import CalendarChangeWorkflow
from workflows.complaint import ComplaintWorkflow
from workflows.hotspot import HotspotReviewWorkflow, HotspotScanWorkflow, MonthlyReportWorkflow

log = logging.getLogger("foad.worker")


def worker_tuning(settings: Settings) -> dict[str, Any]:
    """The Worker arguments an operator tunes by FOAD_WORKER_* (README: Configuration); unset maxima keep the
    SDK's defaults. More pollers and slots let one process take more at once; more processes spread the load."""
    return {
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
        "max_concurrent_activities": settings.worker_max_concurrent_activities,
        "max_cached_workflows": settings.worker_max_cached_workflows,
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(settings.worker_workflow_task_pollers),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(settings.worker_activity_task_pollers),
        "graceful_shutdown_timeout": timedelta(seconds=settings.worker_graceful_shutdown_seconds),
    }


def build_worker(
    client: Client,
    *,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    sms_sender: SmsSender | None = None,
    settings: Settings | None = None,
) -> Worker:
    settings = settings or get_settings()
    case_activities = CaseActivities(
        sessions,
        sms_sender or OutboxSmsSender(sessions),
        StaffNotifier(off=settings.staff_notifications_off),
        public_base_url=settings.public_base_url,
    )
    office_calendar = OfficeCalendarActivities(sessions)
    calendar_change = CalendarChangeActivities(sessions, client)
    hotspot_activities = HotspotActivities(
        sessions,
        rule=settings.hotspot_rule(),
        review_period=settings.hotspot_review_period(),
        notifications_off=settings.staff_notifications_off,
    )
    archive_activities = ArchiveActivities(sessions, personal_data_years=settings.personal_data_years)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[
            ComplaintWorkflow,
            HotspotReviewWorkflow,
            HotspotScanWorkflow,
            MonthlyReportWorkflow,
            CalendarChangeWorkflow,
            ArchiveSweepWorkflow,
            ReconcileWorkflow,
            ErasureWorkflow,
        ],
        activities=[
            case_activities.record_transition,
            case_activities.send_sms,
            office_calendar.compute_deadline,
            calendar_change.signal_calendar_change,
            hotspot_activities.record_hotspot_review,
            hotspot_activities.scan_hotspots,
            hotspot_activities.compile_monthly_report,
            hotspot_activities.check_reform_followup,
            archive_activities.archive_closed_runs,
            archive_activities.reconcile_archive,
            archive_activities.erase_expired_personal_data,
        ],
        **worker_tuning(settings),
    )


async def run() -> None:
    settings = get_settings()
    engine = engine_for(settings)
    sessions = sessionmaker(engine)
    client = await connect(settings)
    worker = build_worker(client, sessions=sessions, task_queue=settings.temporal_task_queue, settings=settings)
    log.info("worker polling %s on %s", settings.temporal_task_queue, settings.temporal_address)
    probes = None
    if settings.worker_health_address:  # README: Observability (what a Kubernetes probe asks a worker)
        timeout = settings.readiness_timeout_seconds
        checks = {"temporal": temporal_check(client, timeout), "database": database_check(sessions)}
        probes = ProbeServer(settings.worker_health_address, checks, timeout=timeout)
        await probes.start()
    # The SMS gateway drains the outbox beside the worker (README: SMS); with no gateway, nothing leaves.
    gateway = build_gateway(settings)
    stop = asyncio.Event()
    dispatch = None
    if gateway is not None:
        dispatch = asyncio.create_task(SmsDispatcher(sessions, gateway, settings).run_forever(stop))
        log.info("sms: sending the outbox through %s", gateway.name)
    try:
        await worker.run()
    finally:
        if probes is not None:
            await probes.close()
        stop.set()
        if dispatch is not None:
            await dispatch
        if gateway is not None:
            await gateway.aclose()
        await engine.dispose()


def main() -> None:
    settings = settings_or_exit("worker")
    logs.setup(settings)
    provider = tracing.install(settings, service_name="foad-worker")
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        if provider is not None:
            provider.shutdown()  # flush the last spans


if __name__ == "__main__":
    main()
