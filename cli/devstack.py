"""The local stack on one machine: Temporal dev server, worker and API, started and stopped together.

`python -m cli.devstack run` is what `make run` calls. The end-to-end tests reuse `start_dev_server`,
`wait_for_temporal`, `ensure_search_attributes`, `stop` and `free_port`. Every child runs in its own process
group, so stopping one also stops whatever it started.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from cli.schedules import ensure_schedules
from infra import logmask
from infra.binaries import temporal_cli
from infra.settings import Settings, settings_or_exit
from infra.temporal import connect, data_converter, ensure_search_attributes
from workflows.visibility import SearchAttributes

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def search_attribute_args() -> list[str]:
    """`--search-attribute Name=Type` for every custom search attribute, in the CLI's type names."""
    args: list[str] = []
    for key in SearchAttributes.ALL:
        type_name = "".join(part.capitalize() for part in key.indexed_value_type.name.split("_"))
        args += ["--search-attribute", f"{key.name}={type_name}"]
    return args


def dev_server_command(
    data_dir: Path, port: int, ui_port: int | None, namespace: str = "default", codec_endpoint: str | None = None
) -> list[str]:
    """The `temporal server start-dev` command line, its state kept in data_dir/temporal.db.

    `codec_endpoint` is the API's /codec: the UI sends it the sealed payloads and shows what comes back
    (plaintext only for an auditor's token)."""
    command = [temporal_cli(), "server", "start-dev", "--db-filename", str(data_dir / "temporal.db")]
    # error, not warn: its own system workers log a screen of dial errors while it shuts down (Ctrl-C)
    command += ["--port", str(port), "--namespace", namespace, "--log-level", "error"]
    command += ["--headless"] if ui_port is None else ["--ui-port", str(ui_port), "--ui-disable-news-fetch"]
    if ui_port is not None and codec_endpoint:
        command += ["--ui-codec-endpoint", codec_endpoint]
    return command + search_attribute_args()


def start_dev_server(
    data_dir: Path, port: int, ui_port: int | None, namespace: str = "default", codec_endpoint: str | None = None
) -> subprocess.Popen:
    """Start the dev server (search attributes registered; a restart on the same data_dir keeps every case)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = dev_server_command(data_dir, port, ui_port, namespace, codec_endpoint)
    return subprocess.Popen(command, start_new_session=True)


async def wait_for_temporal(
    address: str,
    timeout: float = 60.0,
    namespace: str = "default",
    process: subprocess.Popen | None = None,
    settings: Settings | None = None,
) -> Client:
    """A client once the namespace answers; settings (TLS, API key) for a remote cluster; fails fast if process dies."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    converter = data_converter(settings or Settings())
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited with code {process.returncode} before answering")
        try:
            if settings is not None:
                client = await connect(settings)
            else:
                client = await Client.connect(address, namespace=namespace, data_converter=converter)
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
            return client
        except Exception as error:  # noqa: BLE001 - any failure means "not yet"; the last one is reported
            last_error = error
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Temporal at {address} ({namespace=}) did not answer within {timeout:.0f}s: {last_error}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM the child's whole process group, wait, then SIGKILL whatever is left of the group."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame) -> None:
    raise _Stop(signal.Signals(signum).name)


def _check(children: dict[str, subprocess.Popen]) -> None:
    for name, process in children.items():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")


class Supervisor:
    """The children of the local stack. A restartable one (the worker, the API) that exits is started again after
    a backoff that doubles with each crash in a row (1 s, 2 s, ... up to `backoff_max`; back to 1 s once it has
    run `healthy_after` seconds), and the others keep running; the log says so. Any other child that exits
    stops the stack."""

    def __init__(
        self,
        *,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        healthy_after: float = 60.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.environments: dict[str, dict[str, str] | None] = {}
        self.restarts: dict[str, int] = {}
        self._started_at: dict[str, float] = {}
        self._due: dict[str, float] = {}
        self._crashes: dict[str, int] = {}
        self.backoff_initial, self.backoff_max, self.healthy_after = backoff_initial, backoff_max, healthy_after
        self.log = log or (lambda line: print(f"foad: {line}", file=sys.stderr, flush=True))

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Starts a restartable child in its own process group (its slot keeps its place in the stop order)."""
        self.commands[name], self.environments[name] = command, env
        self.children[name] = subprocess.Popen(command, start_new_session=True, env=env)
        self._started_at[name] = time.monotonic()
        return self.children[name]

    def poll(self) -> None:
        """One look at the children: schedules or performs restarts; RuntimeError if a fixed child exited."""
        now = time.monotonic()
        for name, process in list(self.children.items()):
            if name in self._due:
                if now >= self._due[name]:
                    del self._due[name]
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.spawn(name, self.commands[name], self.environments[name])
                    self.log(f"{name} restarted (restart {self.restarts[name]})")
                continue
            if process.poll() is None:
                continue
            if name not in self.commands:
                raise RuntimeError(f"{name} exited with code {process.returncode}")
            ran = now - self._started_at.get(name, now)
            crashes = 1 if ran >= self.healthy_after else self._crashes.get(name, 0) + 1
            self._crashes[name] = crashes
            delay = min(self.backoff_max, self.backoff_initial * 2 ** (crashes - 1))
            self._due[name] = now + delay
            self.log(
                f"{name} exited with code {process.returncode} after {ran:.0f}s; restarting it in {delay:.1f}s, "
                f"the others keep running"
            )

    def stop_all(self) -> None:
        """The API first, then the worker, then Temporal: nothing is left dialling a server already gone."""
        for process in reversed(self.children.values()):
            stop(process)


def _supervise(start: Callable[[Supervisor], None], supervisor: Supervisor | None = None) -> int:
    """Run start(supervisor), then watch the children (Supervisor.poll) until Ctrl-C/SIGTERM, or a child that
    cannot be restarted exits; then stop them all."""
    supervisor = supervisor or Supervisor()
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        start(supervisor)
        while True:
            supervisor.poll()
            time.sleep(0.5)
    except _Stop as why:
        print(f"\nfoad: {why}, stopping", file=sys.stderr)
        return 0
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        print(f"foad: {error}; stopping the others", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()


def _start_temporal(
    children: dict[str, subprocess.Popen], address: str, namespace: str, ui_port: int | None, codec_endpoint: str
) -> None:
    port = int(address.rpartition(":")[2])
    if port_open("127.0.0.1", port):
        print(f"foad: something already answers on {address}; using it as Temporal")
    else:
        children["temporal"] = start_dev_server(DATA / "temporal", port, ui_port, namespace, codec_endpoint)

    async def ready() -> None:
        client = await wait_for_temporal(address, 60, namespace, process=children.get("temporal"))
        await ensure_search_attributes(client, namespace)

    asyncio.run(ready())


def ui_origins(ui_port: int) -> list[str]:
    """The origins a browser gives the local Temporal UI on `ui_port` (by name or by address)."""
    return [f"http://localhost:{ui_port}", f"http://127.0.0.1:{ui_port}"]


def api_environment(settings: Settings, ui_port: int | None) -> dict[str, str]:
    """The API's environment under `make run`: the codec's CORS also admits the UI that `make run` started, on
    whatever --ui-port it was given, besides the configured FOAD_CODEC_CORS_ORIGINS."""
    env = dict(os.environ)
    if ui_port is not None:
        origins = list(dict.fromkeys([*settings.codec_cors_origins, *ui_origins(ui_port)]))
        env["FOAD_CODEC_CORS_ORIGINS"] = json.dumps(origins)
    return env


def _wait_for_port(port: int, children: dict[str, subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not port_open("127.0.0.1", port):
        _check(children)
        if time.monotonic() > deadline:
            raise TimeoutError(f"the API did not open port {port} within {timeout:.0f}s")
        time.sleep(0.3)


async def _ensure_schedules(settings: Settings) -> None:
    """The centre's Schedules (cli.schedules): hotspot scan, monthly report and the archive's, created or updated."""
    client = await connect(settings)
    for schedule_id, what in (await ensure_schedules(client, settings)).items():
        print(f"foad: schedule {schedule_id} {what}")


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit("foad")
    local = settings.temporal_address.rpartition(":")[0] in LOCAL_HOSTS and not args.no_temporal
    for path in ("worker.py", "api/main.py"):
        if not Path(path).exists():
            print(f"foad: {path} is missing; nothing to run", file=sys.stderr)
            return 1

    def start(supervisor: Supervisor) -> None:
        children = supervisor.children
        DATA.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], check=True)
        subprocess.run([sys.executable, "-m", "cli.seed"], check=True)
        if settings.environment == "development":
            subprocess.run([sys.executable, "-m", "cli.open311_clients", "demo"], check=True)
        if local:
            codec = f"http://localhost:{args.port}/codec"
            _start_temporal(children, settings.temporal_address, settings.temporal_namespace, args.ui_port, codec)
        else:
            waiting = wait_for_temporal(settings.temporal_address, 60, settings.temporal_namespace, settings=settings)
            asyncio.run(waiting)
        asyncio.run(_ensure_schedules(settings))
        supervisor.spawn("worker", [sys.executable, "worker.py"])
        host = args.host or settings.api_host  # 127.0.0.1 unless told otherwise
        api = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", host, "--port", str(args.port)]
        supervisor.spawn("api", api, api_environment(settings, args.ui_port if local else None))
        _wait_for_port(args.port, children, timeout=60)
        ui = f"http://localhost:{args.ui_port}" if local else "the cluster's own UI"
        print(
            "\n  FOAD 128 is running. Ctrl-C stops everything; a crashed worker or API is restarted.\n"
            f"  API docs     http://localhost:{args.port}/docs\n"
            f"  Pages        http://localhost:{args.port}/   (staff: /login)\n"
            f"  SMS outbox   http://localhost:{args.port}/dev/outbox   (one-time codes; development only)\n"
            f"  Temporal UI  {ui}   (Temporal at {settings.temporal_address})\n"
            f"  Demo users   refdata/demo_users.json (table in README.md)\n",
            flush=True,
        )

    return _supervise(start)


def serve_temporal(args: argparse.Namespace) -> int:
    """Only the dev server, as temporal-dev/start-dev-server.sh runs it."""

    def start(supervisor: Supervisor) -> None:
        if port_open("127.0.0.1", args.port):
            raise RuntimeError(f"port {args.port} is already taken")
        _start_temporal(supervisor.children, f"localhost:{args.port}", "default", args.ui_port, args.codec_endpoint)
        print(f"foad: Temporal at localhost:{args.port}, UI http://localhost:{args.ui_port}", flush=True)

    return _supervise(start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.devstack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="migrate, seed, then start Temporal, the worker and the API")
    run_parser.add_argument("--no-temporal", action="store_true", help="use FOAD_TEMPORAL_ADDRESS, start none")
    run_parser.add_argument("--host", default=None, help="where the API listens (default FOAD_API_HOST, 127.0.0.1)")
    run_parser.add_argument("--port", type=int, default=8000)
    run_parser.add_argument("--ui-port", type=int, default=8233)
    temporal_parser = commands.add_parser("temporal", help="run only the Temporal dev server (data/temporal)")
    temporal_parser.add_argument("--port", type=int, default=7233)
    temporal_parser.add_argument("--ui-port", type=int, default=8233)
    temporal_parser.add_argument("--codec-endpoint", default="http://localhost:8000/codec", help="the API's /codec")
    commands.add_parser("search-attribute-args", help="print --search-attribute Name=Type for the CLI")
    args = parser.parse_args(argv)
    logmask.install()
    os.chdir(ROOT)
    if args.command == "search-attribute-args":
        print(" ".join(search_attribute_args()))
        return 0
    return serve_temporal(args) if args.command == "temporal" else run(args)


if __name__ == "__main__":
    sys.exit(main())
