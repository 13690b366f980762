"""The real stack for the end-to-end tests: the Temporal dev server, the worker and the API as subprocesses.

Everything runs on free ports in one folder (the dev server's database, the SQLite read model, one log file
per process), with a shrunken case policy passed in FOAD_* variables. `Stack.stop()` terminates every process
group (then kills what is left), whatever happened before; `Stack.logs()` gives the logs to print on failure.

A stack may run several workers and API processes side by side (`workers=`, `apis=`), and keep its read model
in a throwaway PostgreSQL database instead of the SQLite file (`postgres_server=`, FOAD_TEST_POSTGRES_URL).
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.client import Client

from cli.devstack import dev_server_command, free_port, port_open, stop, wait_for_temporal
from infra.settings import Settings
from infra.temporal import data_converter, ensure_search_attributes
from schemas.text import MobileNumber, latin_digits
from tests.dbutil import create_postgres_database, drop_postgres_database, migrate

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "foad-demo-128"

# A county office of the Social Security Organization in Takestan (Qazvin), its parent and the citizen.
OFFICE = "sso-qazvin-takestan"
PROVINCIAL = "sso-qazvin"
NATIONAL_CODE = "0499370899"
MOBILE = "09121234567"

# Which SMS template each timeline event sends (sms/sender.py); other events send none.
SMS_OF_EVENT = {
    "registered": "registered",
    "review_accepted": "accepted",
    "rejected": "rejected",
    "escalated": "escalated",
    "result_approved": "result",
    "reopened": "reopened",
}

T = TypeVar("T")


def policy_env(*, reminders_before: list[float], feedback: float, **seconds: float) -> dict[str, str]:
    """FOAD_* settings for a policy given in real seconds: at time scale 1/60 a policy minute lasts a second.

    `seconds` are sla, review, county, provincial, subordinate, national; `feedback` is the feedback window.
    """
    env = {"FOAD_TIME_SCALE": repr(1 / 60), "FOAD_REMINDER_MINUTES_BEFORE": json.dumps(reminders_before)}
    env |= {f"FOAD_{name.upper()}_MINUTES": repr(value) for name, value in seconds.items()}
    return env | {"FOAD_FEEDBACK_DAYS": repr(feedback / (24 * 60))}


def complaint(**overrides: Any) -> dict[str, Any]:
    body = {
        "national_code": NATIONAL_CODE,
        "mobile": MOBILE,
        "full_name": "مریم احمدی",
        "channel": "phone",
        "indicator": 7,
        "unit_id": OFFICE,
        "description": "کارمند باجه مستمری ساعت ۱۱ در محل نبود و جایگزینی هم نداشت",
        "incident_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }
    return body | overrides


def eventually(probe: Callable[[], T | None], *, timeout: float = 60.0, interval: float = 0.2, what: str = "") -> T:
    """Poll `probe` until it returns something truthy, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what or probe} (last: {last!r})")
        time.sleep(interval)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be killed if pytest itself dies (a CI timeout, say) without teardown."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class Child:
    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None
    generation: int = 0

    def start(self, env: dict[str, str]) -> None:
        self.generation += 1
        with self.log.open("ab") as out:
            out.write(f"\n===== {self.name} start #{self.generation} at {datetime.now(UTC).isoformat()}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process itself (no chance to clean up), as a crash or an OOM kill would."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=10)


class PostgresReader:
    """Synchronous reads of a PostgreSQL read model for test code that polls it.

    asyncpg is the only PostgreSQL driver installed, so the reads run on an async engine kept on an event loop
    of its own, in a thread: the same code reads it from a plain test and from inside another event loop."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-reader", daemon=True)
        self._thread.start()
        self._engine = create_async_engine(url, pool_size=2)

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            async with self._engine.connect() as connection:
                return [dict(row._mapping) for row in await connection.execute(text(sql), params)]

        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(60)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._engine.dispose(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass
class Stack:
    """One dev server, one worker and one API, sharing a folder, a task queue and a SQLite read model.

    `workers` and `apis` start that many worker.py and uvicorn processes instead: named worker, worker-2, ...
    and api, api-2, ..., each API on its own port. `postgres_server` (a server URL such as
    FOAD_TEST_POSTGRES_URL) puts the read model in a fresh PostgreSQL database, dropped by stop()."""

    folder: Path
    policy: dict[str, str]
    temporal_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    task_queue: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    children: dict[str, Child] = field(default_factory=dict)
    db: Engine | None = None
    workers: int = 1
    apis: int = 1
    postgres_server: str | None = None
    database_url: str | None = None
    extra_api_ports: list[int] = field(default_factory=list)
    postgres: PostgresReader | None = None

    @property
    def database_path(self) -> Path:
        return self.folder / "foad.db"

    @property
    def read_model_url(self) -> str:
        """The read model's SQLAlchemy URL, as every process of the stack gets it."""
        return self.database_url or f"sqlite+aiosqlite:///{self.database_path}"

    @property
    def worker_names(self) -> list[str]:
        return ["worker"] + [f"worker-{n}" for n in range(2, self.workers + 1)]

    @property
    def api_names(self) -> list[str]:
        return ["api"] + [f"api-{n}" for n in range(2, self.apis + 1)]

    def api_port_of(self, name: str) -> int:
        ports = [self.api_port, *self.extra_api_ports]
        return ports[self.api_names.index(name)]

    def api_url(self, name: str) -> str:
        """The base URL (…/api/v1) of one API process."""
        return f"http://127.0.0.1:{self.api_port_of(name)}/api/v1"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api/v1"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOAD_")}
        return (
            env
            | self.policy
            | {
                "FOAD_ENVIRONMENT": "test",
                # one test address files for many citizens: the per-address intake budget is not what is tested here
                "FOAD_INTAKE_PER_CLIENT_PER_HOUR": "1000000",
                "FOAD_DATABASE_URL": self.read_model_url,
                "FOAD_TEMPORAL_ADDRESS": self.temporal_address,
                "FOAD_TEMPORAL_NAMESPACE": "default",
                "FOAD_TEMPORAL_TASK_QUEUE": self.task_queue,
                "PYTHONUNBUFFERED": "1",
            }
        )

    def _child(self, name: str, command: list[str]) -> Child:
        child = self.children[name] = Child(name, command, self.folder / f"{name}.log")
        return child

    # --- starting ---------------------------------------------------------------------------------

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = self.folder / "temporal"
        data.mkdir(exist_ok=True)
        temporal = self._child("temporal", dev_server_command(data, self.temporal_port, ui_port=None))
        temporal.start(self.env())

        # While the dev server boots: the read model, migrated by Alembic and seeded as an admin would.
        if self.postgres_server and self.database_url is None:
            self.database_url = asyncio.run(create_postgres_database(self.postgres_server))
        migrate(self.read_model_url)
        seeded = subprocess.run(
            [sys.executable, "-m", "cli.seed"], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=120
        )
        (self.folder / "seed.log").write_text(seeded.stdout + seeded.stderr)
        assert seeded.returncode == 0, f"python -m cli.seed failed:\n{seeded.stdout}{seeded.stderr}"
        if self.read_model_url.startswith("postgresql"):
            self.postgres = PostgresReader(self.read_model_url)
        else:
            self.db = create_engine(f"sqlite:///{self.database_path}", connect_args={"timeout": 30})

        self.wait_for_temporal()  # the worker connects once at start and exits if Temporal is not there yet
        for name in self.worker_names:
            self._child(name, [sys.executable, "worker.py"]).start(self.env())
        self.extra_api_ports = self.extra_api_ports or [free_port() for _ in self.api_names[1:]]
        for name in self.api_names:
            port = str(self.api_port_of(name))
            api = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", port]
            self._child(name, api + ["--log-level", "warning"]).start(self.env())
        for name in self.api_names:
            self.wait_for_api(name=name)
        for name in self.worker_names:
            self.wait_for_worker(name=name)

    def wait_for_temporal(self, timeout: float = 60.0) -> None:
        """The namespace answers, with our search attributes (the dev server was started with them)."""

        async def ready() -> None:
            process = self.children["temporal"].process
            client = await wait_for_temporal(self.temporal_address, timeout, process=process)
            await ensure_search_attributes(client)

        asyncio.run(ready())

    def wait_for_api(self, timeout: float = 60.0, name: str = "api") -> None:
        port = self.api_port_of(name)

        def probe() -> bool:
            self.check_alive(name)
            if not port_open("127.0.0.1", port):
                return False
            try:
                return httpx.get(f"{self.api_url(name)}/units", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        eventually(probe, timeout=timeout, interval=0.3, what=f"{name} answering GET /units")

    def wait_for_worker(self, timeout: float = 60.0, name: str = "worker") -> None:
        """The worker has connected and polls our task queue (it logs so just before it runs)."""
        worker = self.children[name]
        marker = f"worker polling {self.task_queue}"

        def probe() -> bool:
            self.check_alive(name)
            started = worker.log.read_text(errors="replace").rsplit(f"start #{worker.generation} ", 1)[-1]
            return marker in started

        eventually(probe, timeout=timeout, interval=0.2, what=f"{name} polling its task queue")

    async def temporal_client(self) -> Client:
        return await Client.connect(self.temporal_address, data_converter=data_converter(Settings()))

    def check_alive(self, *names: str) -> None:
        for name in names or tuple(self.children):
            child = self.children[name]
            if not child.alive:
                code = child.process.returncode if child.process else None
                raise AssertionError(f"{name} is not running (exit code {code}); see {child.log}")

    # --- the worker's crash and restart ----------------------------------------------------------

    def kill_worker(self) -> int:
        worker = self.children["worker"]
        pid = worker.process.pid if worker.process else -1
        worker.kill()
        return pid

    def restart_worker(self) -> None:
        self.children["worker"].start(self.env())
        self.wait_for_worker()

    # --- the dev server's stop and restart --------------------------------------------------------

    def stop_temporal(self, sig: signal.Signals) -> None:
        """Stop the dev server with `sig` (SIGTERM: a clean shutdown; SIGKILL: a crash) and wait for it."""
        process = self.children["temporal"].process
        assert process is not None
        os.killpg(process.pid, sig)
        process.wait(30)
        if sig is signal.SIGTERM:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # what the server left behind (none expected)
            except ProcessLookupError:
                pass

    def restart_temporal(self) -> None:
        """The same command: the same port and the same --db-filename."""
        self.children["temporal"].start(self.env())
        self.wait_for_temporal()

    # --- stopping ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """APIs, workers, then the dev server; each group terminated, then killed. Never raises."""
        for name in (*self.api_names, *self.worker_names, "temporal"):
            child = self.children.get(name)
            if child is not None:
                try:
                    child.stop()
                except Exception as error:  # noqa: BLE001 - keep stopping the others
                    print(f"e2e: stopping {name} failed: {error!r}", file=sys.stderr)
        if self.db is not None:
            self.db.dispose()
        try:
            if self.postgres is not None:
                self.postgres.close()
            if self.postgres_server and self.database_url:
                asyncio.run(drop_postgres_database(self.postgres_server, self.database_url))
        except Exception as error:  # noqa: BLE001 - a leftover database is not worth hiding the test's outcome
            print(f"e2e: dropping the PostgreSQL read model failed: {error!r}", file=sys.stderr)

    def logs(self, tail: int = 200) -> str:
        parts = []
        for path in sorted(self.folder.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            parts.append(f"----- {path.name} (last {min(tail, len(lines))} of {len(lines)} lines) -----")
            parts += lines[-tail:]
        return "\n".join(parts)

    # --- the read model, read directly -----------------------------------------------------------

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        if self.postgres is not None:
            return self.postgres.rows(sql, params)
        assert self.db is not None
        with self.db.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), params)]

    def case_row(self, code: str) -> dict[str, Any] | None:
        found = self.rows("SELECT * FROM cases WHERE tracking_code = :code", code=code)
        return found[0] if found else None


@contextmanager
def running_stack(folder: Path, policy: dict[str, str], **options: Any) -> Iterator[Stack]:
    """A started stack, stopped on the way out; `options` go to Stack (workers, apis, postgres_server)."""
    stack = Stack(folder=folder, policy=policy, **options)
    try:
        stack.start()
        yield stack
    except BaseException:
        print(stack.logs(), file=sys.stderr)
        raise
    finally:
        stack.stop()


@contextmanager
def running_dev_server(folder: Path) -> Iterator[str]:
    """A bare Temporal dev server with FOAD's search attributes, on a free port; yields its address.

    For tests that run their worker in process and need what the time-skipping server lacks (visibility
    queries, real time)."""
    port = free_port()
    server = Child("temporal", dev_server_command(folder, port, ui_port=None), folder / "temporal.log")
    folder.mkdir(parents=True, exist_ok=True)
    server.start({k: v for k, v in os.environ.items() if not k.startswith("FOAD_")})
    address = f"127.0.0.1:{port}"

    async def ready() -> None:
        await ensure_search_attributes(await wait_for_temporal(address, 60, process=server.process))

    try:
        asyncio.run(ready())
        yield address
    finally:
        server.stop()


class Api:
    """The HTTP API on its real port, with a token per demo user, logged in once."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self._tokens: dict[str, dict[str, str]] = {}
        self.citizen: dict[str, str] = {}

    def verify_mobile(self, stack: "Stack", mobile: str) -> dict[str, str]:
        """The citizen's side of the one-time code: ask for it, read the SMS from the outbox, trade it for a
        token that later anonymous requests carry."""
        sent = self.http.post("/citizen/otp", json={"mobile": mobile})
        assert sent.status_code == 202, sent.text
        [sms] = stack.rows(
            "SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = :mobile ORDER BY id DESC LIMIT 1",
            mobile=TypeAdapter(MobileNumber).validate_python(mobile),
        )
        code = re.search(r"\d{6}", latin_digits(sms["body"]))
        assert code is not None, sms["body"]
        verified = self.http.post("/citizen/otp/verify", json={"mobile": mobile, "code": code.group()})
        assert verified.status_code == 200, verified.text
        self.citizen = {"Authorization": f"Bearer {verified.json()['access_token']}"}
        return self.citizen

    def close(self) -> None:
        self.http.close()

    def at(self, base_url: str) -> "Api":
        """The same users and citizen on another API process: a token one process signed is good at every other
        (they share FOAD_SECRET_KEY), as behind a load balancer."""
        other = Api(base_url)
        other._tokens, other.citizen = self._tokens, self.citizen
        return other

    def auth(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            response = self.http.post("/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self._tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self._tokens[username]

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers=self.auth(user) if user else self.citizen, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {}) | (self.auth(user) if user else self.citizen)
        return self.http.post(path, headers=headers, **kwargs)

    # --- the steps of a case ----------------------------------------------------------------------

    def file(self, user: str | None = "operator1", **overrides: Any) -> str:
        key = f"e2e-{uuid.uuid4()}"
        response = self.post("/complaints", user, json=complaint(**overrides), headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        return response.json()["tracking_code"]

    def open_task(self, user: str, code: str, kind: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
        """The open task of this kind on the case in the user's inbox, once the read model shows it."""

        def probe() -> dict[str, Any] | None:
            response = self.get("/tasks", user)
            assert response.status_code == 200, response.text
            return next(
                (
                    t
                    for t in response.json()
                    if t["tracking_code"] == code
                    and t["kind"] == kind
                    and all(t.get(k) == v for k, v in expected.items())
                ),
                None,
            )

        return eventually(probe, timeout=timeout, what=f"an open {kind} task of {code} in {user}'s inbox {expected}")

    def public(self, code: str) -> dict[str, Any]:
        response = self.get(f"/complaints/{code}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_public(self, code: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            found = self.public(code)
            return found if all(found.get(k) == v for k, v in expected.items()) else None

        return eventually(probe, timeout=timeout, what=f"case {code} publicly {expected}")


# --- what every finished case must look like in the read model ------------------------------------


def events(stack: Stack, code: str) -> list[dict[str, Any]]:
    rows = stack.rows("SELECT * FROM case_events WHERE tracking_code = :code ORDER BY seq, id", code=code)
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
        row["at"] = utc(row["at"])
    return rows


def utc(value: str | datetime) -> datetime:
    """A datetime read back raw from SQLite (naive text, in UTC) or from JSON, as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def tasks(stack: Stack, code: str) -> list[dict[str, Any]]:
    rows = stack.rows("SELECT * FROM tasks WHERE tracking_code = :code", code=code)
    return sorted(rows, key=lambda t: int(t["task_id"].rsplit("-T", 1)[1]))


def sms(stack: Stack, code: str) -> list[dict[str, Any]]:
    return stack.rows("SELECT * FROM sms_outbox WHERE tracking_code = :code ORDER BY id", code=code)


def check_no_step_lost_or_doubled(stack: Stack, code: str) -> list[dict[str, Any]]:
    """The case's timeline is 1..N with no gap and no repeat; tasks are T1..Tn, none left open once the case is
    final; the outbox holds exactly one SMS per event that sends one, under that event's key. Returns the events."""
    timeline = events(stack, code)
    seqs = [e["seq"] for e in timeline]
    assert seqs == list(range(1, len(seqs) + 1)), f"{code}: event seqs not contiguous: {seqs}"
    case = stack.case_row(code)
    assert case is not None and case["last_seq"] == len(seqs), f"{code}: last_seq {case and case['last_seq']}"

    found = tasks(stack, code)
    ids = [t["task_id"] for t in found]
    assert ids == [f"{code}-T{i}" for i in range(1, len(ids) + 1)], f"{code}: task ids {ids}"
    still_open = [t["task_id"] for t in found if t["status"] == "open"]
    assert len(still_open) <= 1, f"{code}: more than one open task: {still_open}"
    if case["status"] in ("closed", "rejected"):
        assert not still_open, f"{code}: a final case keeps open tasks {still_open}"

    wanted = {f"{code}:{e['seq']}:{SMS_OF_EVENT[e['kind']]}" for e in timeline if e["kind"] in SMS_OF_EVENT}
    deadline = time.monotonic() + 20  # the SMS activity runs just after the event's projection
    while True:
        outbox = sms(stack, code)
        keys = [m["key"] for m in outbox]
        if set(keys) >= wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(keys) == len(set(keys)), f"{code}: duplicate SMS keys {keys}"
    assert set(keys) == wanted, f"{code}: SMS {sorted(keys)} but the timeline calls for {sorted(wanted)}"
    assert {m["mobile"] for m in outbox} == {MOBILE}
    return timeline
