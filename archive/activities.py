"""The archive's activities, run by the workflows in workflows/archive.py on their Schedules. All idempotent."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from archive.erasure import erase_expired
from archive.reconcile import reconcile
from archive.sweep import sweep
from database.sessions import transaction
from schemas.archive import ErasureInput, ErasureResult, ReconcileInput, ReconcileResult, SweepInput, SweepResult


class ArchiveActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, personal_data_years: float) -> None:
        self._sessions = sessions
        self._years = personal_data_years

    @activity.defn(name="archive_closed_runs")
    async def archive_closed_runs(self, request: SweepInput) -> SweepResult:
        result = await sweep(
            activity.client(),
            self._sessions,
            overlap=timedelta(minutes=request.overlap_minutes),
            progress=activity.heartbeat,
        )
        activity.logger.info("archive sweep: %d closed runs seen, %d archived", result.seen, len(result.archived))
        return result

    @activity.defn(name="reconcile_archive")
    async def reconcile_archive(self, _: ReconcileInput) -> ReconcileResult:
        async with self._sessions() as session:
            result = await reconcile(session, activity.client().data_converter, progress=activity.heartbeat)
        for mismatch in result.mismatches:
            activity.logger.warning("reconciliation: %s", mismatch.model_dump_json())
        activity.logger.info(
            "reconciliation: %d closed cases, %d mismatches, %d not archived yet, %d erased",
            result.cases,
            len(result.mismatches),
            len(result.not_archived),
            result.erased,
        )
        return result

    @activity.defn(name="erase_expired_personal_data")
    async def erase_expired_personal_data(self, request: ErasureInput) -> ErasureResult:
        async with transaction(self._sessions) as session:
            result = await erase_expired(session, now=request.now or datetime.now(UTC), years=self._years)
        activity.logger.info("erasure: %d cases, periods %s", len(result.cases), result.periods)
        return result
