"""The archive's scheduled work: the sweep that copies closed histories into the database, the daily
reconciliation of the read model with the archive, and the erasure of personal data past its time.

Each is started by its Temporal Schedule and does its work in one activity, by name; the activity is
idempotent, so a retry, a crash of the worker mid-way or a second run redoes nothing already done.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from schemas.archive import ErasureInput, ErasureResult, ReconcileInput, ReconcileResult, SweepInput, SweepResult

LONG_ACTIVITY = timedelta(hours=1)
HEARTBEAT = timedelta(seconds=30)  # a sweep killed with its worker is taken up again this soon
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))


@workflow.defn
class ArchiveSweepWorkflow:
    @workflow.run
    async def run(self, sweep: SweepInput) -> SweepResult:
        return await workflow.execute_activity(
            "archive_closed_runs",
            sweep,
            result_type=SweepResult,
            start_to_close_timeout=LONG_ACTIVITY,
            heartbeat_timeout=HEARTBEAT,
            retry_policy=RETRY,
        )


@workflow.defn
class ReconcileWorkflow:
    @workflow.run
    async def run(self, request: ReconcileInput) -> ReconcileResult:
        return await workflow.execute_activity(
            "reconcile_archive",
            request,
            result_type=ReconcileResult,
            start_to_close_timeout=LONG_ACTIVITY,
            heartbeat_timeout=HEARTBEAT,
            retry_policy=RETRY,
        )


@workflow.defn
class ErasureWorkflow:
    @workflow.run
    async def run(self, request: ErasureInput) -> ErasureResult:
        now = request.now or workflow.now()
        return await workflow.execute_activity(
            "erase_expired_personal_data",
            ErasureInput(now=now),
            result_type=ErasureResult,
            start_to_close_timeout=LONG_ACTIVITY,
            heartbeat_timeout=HEARTBEAT,
            retry_policy=RETRY,
        )
