"""The figures: throughput and latency percentiles, the raw engine's baseline, billable actions counted from
histories, how late timers fire, replay time, and a process's resident memory."""

import asyncio
import sqlite3
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Worker

from api.services.replay import replay
from workflows.visibility import workflow_id


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (nearest rank)."""
    if not samples:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))] * 1000

    return {"p50_ms": rank(0.50), "p95_ms": rank(0.95), "p99_ms": rank(0.99), "max_ms": ordered[-1] * 1000}


async def run_at_concurrency(call: Callable[[], Awaitable[Any]], *, total: int, concurrency: int) -> dict[str, Any]:
    """`total` calls, at most `concurrency` in flight: throughput, latency percentiles and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    queue = iter(range(total))

    async def lane() -> None:
        for _ in queue:
            started = time.perf_counter()
            try:
                await call()
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown, the run goes on
                errors.append(f"{type(error).__name__}: {error}"[:300])
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": total,
        "ok": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "per_second": len(latencies) / wall if wall else 0.0,
        "seconds": wall,
        **percentiles(latencies),
    }


# --- the raw engine: start_workflow of a workflow that does nothing --------------------------------------------


@workflow.defn(name="BenchNoop", sandboxed=False)
class NoopWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


async def raw_starts(client: Client, *, total: int, concurrency: int) -> dict[str, Any]:
    """What the engine alone does on the same server: start a no-op workflow (a worker runs them to completion)."""
    task_queue = f"bench-noop-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[NoopWorkflow]):

        async def start() -> None:
            await client.start_workflow(NoopWorkflow.run, id=f"noop-{uuid.uuid4()}", task_queue=task_queue)

        return await run_at_concurrency(start, total=total, concurrency=concurrency)


# --- cost per case from its history ---------------------------------------------------------------------------

_BILLED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "starts",
    EventType.EVENT_TYPE_TIMER_STARTED: "timers",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signals",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "search_attribute_upserts",
}


def cost(history: WorkflowHistory, *, queries: int) -> dict[str, int]:
    """History events and Temporal Cloud's billable actions: starts, activity attempts, timers, signals, updates,
    search-attribute upserts from the history; queries (absent from any history) as counted by the driver."""
    counts: Counter[str] = Counter()
    for event in history.events:
        kind = _BILLED.get(event.event_type)
        if kind is not None:
            counts[kind] += 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            counts["activities"] += event.activity_task_started_event_attributes.attempt
    figures = {"history_events": len(history.events)}
    kinds = ("starts", "activities", "timers", "signals", "updates", "search_attribute_upserts")
    figures |= {k: counts[k] for k in kinds}
    figures["queries"] = queries
    figures["billable_actions"] = sum(v for k, v in figures.items() if k != "history_events")
    return figures


async def history_of(client: Client, code: str) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id(code)).fetch_history()


async def replay_seconds(history: WorkflowHistory, converter: DataConverter, rounds: int = 5) -> dict[str, float]:
    """Replaying one case's history against today's code, as the auditor's endpoint does: best and median."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        failure = await replay(history, converter)
        times.append(time.perf_counter() - started)
        if failure is not None:
            raise RuntimeError(f"replay failed: {failure}")
    return {"best_ms": min(times) * 1000, "median_ms": statistics.median(times) * 1000, "events": len(history.events)}


# --- timers: how late after its due time an escalation or a breach was recorded ---------------------------------


def timer_lateness(database: Path, codes: list[str]) -> dict[str, Any]:
    """From the read model: an expiry's escalation against the expired task's due time, a breach against the
    case's due time. The event's time is the workflow's clock when the timer fired and a worker took it."""
    late: dict[str, list[float]] = {"escalation": [], "breach": []}
    with sqlite3.connect(database) as db:
        for code in codes:
            due_at = _parse(db.execute("SELECT due_at FROM cases WHERE tracking_code = ?", (code,)).fetchone()[0])
            for kind, at, _task_id in db.execute(
                "SELECT e.kind, e.at, e.task_id FROM case_events e WHERE e.tracking_code = ? ORDER BY e.seq", (code,)
            ):
                if kind == "breached":
                    late["breach"].append((_parse(at) - due_at).total_seconds())
                elif kind == "escalated":
                    expired = db.execute(
                        "SELECT due_at FROM tasks WHERE tracking_code = ? AND status = 'expired' AND closed_at = ?",
                        (code, at),
                    ).fetchone()
                    if expired is not None:
                        late["escalation"].append((_parse(at) - _parse(expired[0])).total_seconds())
    return {kind: {"count": len(values), **percentiles(values)} for kind, values in late.items()}


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
