"""The sweeper: every closed case and hotspot review that Temporal still holds is copied into the archive, once.

It lists the closed runs through Temporal's visibility from the last *finished* sweep's start, less an overlap
(visibility can show a close a little late), and archives each run not archived yet. A sweep that dies half-way
(a worker SIGKILLed, a database down) is recorded unfinished, so the next one looks from the same point again:
nothing is lost while the sweeper runs more often than the namespace's retention, and nothing is written twice.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from archive.store import ARCHIVED_TYPES, ClosedRun, archive_run, archived
from database.models import ArchiveSweep, Case
from database.sessions import transaction
from schemas.archive import SweepResult


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def closed_runs_query(since: datetime | None) -> str:
    types = ", ".join(f"'{name}'" for name in ARCHIVED_TYPES)
    query = f"WorkflowType IN ({types}) AND ExecutionStatus != 'Running'"
    return f"{query} AND CloseTime > '{_iso(since)}'" if since else query


async def last_finished_sweep(session: AsyncSession) -> ArchiveSweep | None:
    return await session.scalar(
        select(ArchiveSweep).where(ArchiveSweep.finished_at.is_not(None)).order_by(ArchiveSweep.started_at.desc())
    )


async def sweep(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    *,
    overlap: timedelta,
    progress: Callable[[int], None] = lambda _: None,
) -> SweepResult:
    started = datetime.now(UTC)
    async with transaction(sessions) as session:
        last = await last_finished_sweep(session)
        since = last.started_at - overlap if last is not None else None
        record = ArchiveSweep(started_at=started, closed_since=since, seen=0, archived=0)
        session.add(record)
        await session.flush()
        sweep_id = record.id
    result = SweepResult()
    async for execution in client.list_workflows(closed_runs_query(since)):
        result.seen += 1
        progress(result.seen)
        async with sessions() as session:
            if await archived(session, execution.id, execution.run_id):
                result.already += 1
                continue
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        run = ClosedRun(
            workflow_id=execution.id,
            run_id=execution.run_id,
            workflow_type=execution.workflow_type,
            status=execution.status.name if execution.status else "UNKNOWN",
            started_at=execution.start_time,
            closed_at=execution.close_time or started,
        )
        if await archive_run(sessions, run, history, client.data_converter):
            result.archived.append(f"{execution.id}/{execution.run_id}")
        else:
            result.already += 1
    async with transaction(sessions) as session:
        record = await session.get(ArchiveSweep, sweep_id)
        record.finished_at, record.seen, record.archived = datetime.now(UTC), result.seen, len(result.archived)
    return result


async def archive_lag(session: AsyncSession, now: datetime) -> tuple[timedelta | None, str]:
    """How far the archive lags behind: since the last finished sweep started (it archived every run closed
    before then). With no finished sweep, since the first closing in the read model that nothing archived."""
    last = await last_finished_sweep(session)
    if last is not None:
        return now - last.started_at, f"the last finished sweep started {last.started_at:%Y-%m-%d %H:%M} UTC"
    oldest = await session.scalar(select(func.min(Case.closed_at)).where(Case.closed_at.is_not(None)))
    if oldest is None:
        return None, "no sweep has finished yet, and no case has closed"
    return now - oldest, f"no sweep has finished yet, and a case closed at {oldest:%Y-%m-%d %H:%M} UTC"
