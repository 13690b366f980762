"""A driver for cases on the time-skipping server, shared by the workflow tests and the replay recorder."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from database.models import Case
from schemas.actions import ApproveInput, CompleteTaskInput
from schemas.case import CaseState
from schemas.enums import HandlingOutcome
from tests.factories import SENIOR, UNIT_COORDINATOR, accept, case_start, seed_test_units
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.visibility import workflow_id

_DECIDING = (EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)


@asynccontextmanager
async def running_cases(env, sessions, task_queue: str) -> AsyncIterator["CaseDriver"]:
    """Test units seeded and a real worker running; cases still open are terminated on the way out."""
    await seed_test_units(sessions)
    driver = CaseDriver(env, sessions, task_queue)
    async with build_worker(env.client, sessions=sessions, task_queue=task_queue):
        try:
            yield driver
        finally:
            await driver.terminate_running()


class CaseDriver:
    def __init__(self, env, sessions, task_queue):
        self.env, self.sessions, self.task_queue = env, sessions, task_queue
        self.handles: list[WorkflowHandle] = []

    async def terminate_running(self) -> None:
        """The test server shares one clock: a case left running with no worker would stall time skipping."""
        for handle in self.handles:
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test finished")

    async def start(self, policy=None, **kwargs) -> WorkflowHandle:
        start = case_start(policy, registered_at=await self.env.get_current_time(), **kwargs)
        handle = await self.env.client.start_workflow(
            ComplaintWorkflow.run,
            start,
            id=workflow_id(start.tracking_code),
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        self.handles.append(handle)
        return handle

    async def state(self, handle: WorkflowHandle) -> CaseState:
        return await handle.query(ComplaintWorkflow.state)

    async def settled(self, handle: WorkflowHandle, seq: int | None = None) -> CaseState:
        """The state once the worker has caught up: `seq` events, all projected, no activity (SMS) pending."""
        for _ in range(200):
            state = await self.state(handle)
            row = await self.case_row(state.tracking_code)
            if (seq is None or len(state.events) >= seq) and row and row.last_seq == len(state.events):
                # an activity pending, or a workflow task about to schedule the next one (the SMS after a
                # projection): not settled yet
                if not (await handle.describe()).raw_description.pending_activities and not await self._deciding(
                    handle
                ):
                    return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"case did not settle: {len(state.events)} events, read model at {row and row.last_seq}")

    @staticmethod
    async def _deciding(handle: WorkflowHandle) -> bool:
        """True while a workflow task is scheduled or running (the test server reports none in describe)."""
        last = None
        async for event in handle.fetch_history_events():
            last = event
        return last is not None and last.event_type in _DECIDING

    async def advance(self, handle: WorkflowHandle, duration: timedelta, events: int) -> CaseState:
        """Skip time, then wait for the `events` new timeline entries that time should have caused."""
        before = len((await self.state(handle)).events)
        await self.env.sleep(duration)
        return await self.settled(handle, before + events)

    async def handling(self, policy=None) -> tuple[WorkflowHandle, CaseState]:
        handle = await self.start(policy)
        return handle, await handle.execute_update(ComplaintWorkflow.review, accept())

    async def complete(self, handle: WorkflowHandle, state: CaseState) -> CaseState:
        return await handle.execute_update(
            ComplaintWorkflow.complete_task,
            CompleteTaskInput(
                actor=UNIT_COORDINATOR,
                task_id=state.current_task_id,
                outcome=HandlingOutcome.SUBSTITUTE_ASSIGNED,
                note="کارمند جایگزین به باجه اعزام شد",
            ),
        )

    async def approve(self, handle: WorkflowHandle) -> CaseState:
        return await handle.execute_update(
            ComplaintWorkflow.approve,
            ApproveInput(actor=SENIOR, result_note="کارمند جایگزین مستقر شد و خدمت ادامه یافت"),
        )

    async def rows(self, model, tracking_code: str):
        async with self.sessions() as session:
            return list(await session.scalars(select(model).where(model.tracking_code == tracking_code)))

    async def rows_reaching(self, model, tracking_code: str, count: int):
        """The rows once there are `count` of them (an SMS is queued by its own activity, after the projection)."""
        for _ in range(200):
            rows = await self.rows(model, tracking_code)
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.05)
        return rows

    async def case_row(self, tracking_code: str) -> Case:
        async with self.sessions() as session:
            return await session.get(Case, tracking_code)
