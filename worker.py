"""The Temporal worker: registers the case workflow and its activities on the task queue."""

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendar import CalendarActivities
from activities.case import CaseActivities
from activities.sms import OutboxSmsSender, SmsSender
from foad.db import create_engine, sessionmaker
from foad.settings import get_settings
from foad.temporal import connect
from workflows.complaint import ComplaintWorkflow

log = logging.getLogger("foad.worker")


def build_worker(
    client: Client,
    *,
    sessions: async_sessionmaker[AsyncSession],
    task_queue: str,
    sms_sender: SmsSender | None = None,
) -> Worker:
    case_activities = CaseActivities(sessions, sms_sender or OutboxSmsSender(sessions))
    calendar = CalendarActivities(sessions)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ComplaintWorkflow],
        activities=[case_activities.record_transition, case_activities.send_sms, calendar.compute_deadline],
    )


async def run() -> None:
    settings = get_settings()
    engine = create_engine(settings.database_url)
    client = await connect(settings)
    worker = build_worker(client, sessions=sessionmaker(engine), task_queue=settings.temporal_task_queue)
    log.info("worker polling %s on %s", settings.temporal_task_queue, settings.temporal_address)
    try:
        await worker.run()
    finally:
        await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
