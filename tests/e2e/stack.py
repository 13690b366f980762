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
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from temporalio.client import Client

from cli.devstack import dev_server_command, free_port, port_open, wait_for_temporal
from infra.settings import Settings
from infra.temporal import data_converter, ensure_search_attributes
from tests import ROOT
from tests.dbutil import create_postgres_database, drop_postgres_database, migrate
from tests.e2e.processes import Child
from tests.e2e.readmodel import ReadModel
from tests.polling import eventually

_LETTERS_FOR_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def policy_env(*, reminders_before: list[float], feedback: float, **seconds: float) -> dict[str, str]:
    """FOAD_* settings for a policy given in real seconds: at time scale 1/60 a policy minute lasts a second.

    `seconds` are sla, review, county, provincial, subordinate, national; `feedback` is the feedback window.
    """
    env = {"FOAD_TIME_SCALE": repr(1 / 60), "FOAD_REMINDER_MINUTES_BEFORE": json.dumps(reminders_before)}
    env |= {f"FOAD_{name.upper()}_MINUTES": repr(value) for name, value in seconds.items()}
    return env | {"FOAD_FEEDBACK_DAYS": repr(feedback / (24 * 60))}


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
    # letters only: the logs mask long runs of digits (mobiles, tracking codes), and wait_for_worker reads the name
    task_queue: str = field(default_factory=lambda: "e2e-" + uuid.uuid4().hex[:12].translate(_LETTERS_FOR_DIGITS))
    children: dict[str, Child] = field(default_factory=dict)
    workers: int = 1
    apis: int = 1
    postgres_server: str | None = None
    database_url: str | None = None
    extra_api_ports: list[int] = field(default_factory=list)
    read_model: ReadModel | None = None

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
                "FOAD_PUBLIC_LOOKUPS_PER_CLIENT_PER_MINUTE": "1000000",
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
        self.read_model = ReadModel(self.read_model_url)

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

    # --- the worker's crash and restart, the dev server's stop and restart ---------------------------

    def kill_worker(self) -> int:
        worker = self.children["worker"]
        pid = worker.process.pid if worker.process else -1
        worker.kill()
        return pid

    def restart_worker(self) -> None:
        self.children["worker"].start(self.env())
        self.wait_for_worker()

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
        try:
            if self.read_model is not None:
                self.read_model.close()
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

    # --- the read model, read directly (tests.e2e.readmodel) ----------------------------------------

    @property
    def db(self) -> Engine:
        """The SQLite read model's engine, for a test that writes to it as an admin would."""
        assert self.read_model is not None and self.read_model.engine is not None, "the read model is not SQLite"
        return self.read_model.engine

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        assert self.read_model is not None, "the stack has not started"
        return self.read_model.rows(sql, **params)

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
