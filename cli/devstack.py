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
    command += ["--port", str(port), "--namespace", namespace, "--log-level", "warn"]
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


def _supervise(start: Callable[[dict[str, subprocess.Popen]], None]) -> int:
    """Run start(children), then watch the children; any exit or Ctrl-C/SIGTERM stops them all."""
    children: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        start(children)
        while True:
            _check(children)
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
        for process in reversed(children.values()):
            stop(process)


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
    """The daily hotspot scan and monthly report Schedules (cli.schedules), created or updated."""
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

    def start(children: dict[str, subprocess.Popen]) -> None:
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
        children["worker"] = subprocess.Popen([sys.executable, "worker.py"], start_new_session=True)
        api = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", args.host, "--port", str(args.port)]
        env = api_environment(settings, args.ui_port if local else None)
        children["api"] = subprocess.Popen(api, start_new_session=True, env=env)
        _wait_for_port(args.port, children, timeout=60)
        ui = f"http://localhost:{args.ui_port}" if local else "the cluster's own UI"
        print(
            "\n  FOAD 128 is running. Ctrl-C stops everything.\n"
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

    def start(children: dict[str, subprocess.Popen]) -> None:
        if port_open("127.0.0.1", args.port):
            raise RuntimeError(f"port {args.port} is already taken")
        _start_temporal(children, f"localhost:{args.port}", "default", args.ui_port, args.codec_endpoint)
        print(f"foad: Temporal at localhost:{args.port}, UI http://localhost:{args.ui_port}", flush=True)

    return _supervise(start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.devstack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="migrate, seed, then start Temporal, the worker and the API")
    run_parser.add_argument("--no-temporal", action="store_true", help="use FOAD_TEMPORAL_ADDRESS, start none")
    run_parser.add_argument("--host", default="0.0.0.0")
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
