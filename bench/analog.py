"""The raw engine's analog of one FOAD case, with no HTTP and no database: what the whole-cases figure is held
against (issue 22, goal 2).

A workflow that does what a FOAD case does: it starts, runs one no-op activity per recorded step (6: registered,
review accepted, task completed, result approved, feedback, closed), takes three Updates (review, complete,
approve), each returning once its step's activity is done, and one signal (the citizen's feedback), then returns
its result. The client drives it as the benchmark's driver drives a case: start, the three updates in turn, the
signal, the result.
"""

import uuid
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from bench.measure import run_at_concurrency

_TIMEOUT = timedelta(seconds=30)


@activity.defn(name="bench_step")
async def step(name: str) -> None:
    return None


@workflow.defn(name="BenchCase", sandboxed=False)
class CaseAnalog:
    def __init__(self) -> None:
        self._steps: list[str] = []
        self._feedback = False

    async def _record(self, name: str) -> None:
        self._steps.append(name)
        await workflow.execute_activity(step, name, start_to_close_timeout=_TIMEOUT)

    @workflow.run
    async def run(self) -> list[str]:
        await self._record("registered")
        await workflow.wait_condition(lambda: self._feedback)
        await self._record("feedback")
        await self._record("closed")
        return self._steps

    @workflow.update
    async def review(self) -> int:
        await self._record("review_accepted")
        return len(self._steps)

    @workflow.update
    async def complete(self) -> int:
        await self._record("task_completed")
        return len(self._steps)

    @workflow.update
    async def approve(self) -> int:
        await self._record("result_approved")
        return len(self._steps)

    @workflow.signal
    def feedback(self) -> None:
        self._feedback = True


async def raw_cases(client: Client, *, total: int, concurrency: int) -> dict[str, Any]:
    """`total` analog cases, `concurrency` at a time, on the same server, with a worker of their own."""
    task_queue = f"bench-case-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[CaseAnalog], activities=[step]):

        async def one_case() -> None:
            handle = await client.start_workflow(CaseAnalog.run, id=f"case-{uuid.uuid4()}", task_queue=task_queue)
            await handle.execute_update(CaseAnalog.review)
            await handle.execute_update(CaseAnalog.complete)
            await handle.execute_update(CaseAnalog.approve)
            await handle.signal(CaseAnalog.feedback)
            steps = await handle.result()
            assert len(steps) == 6, steps

        return await run_at_concurrency(one_case, total=total, concurrency=concurrency)
