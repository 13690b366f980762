"""Done when, on the real stack (dev server, worker and API as subprocesses): cases close, the sweeper's Schedule
archives each history exactly once although the worker is SIGKILLed in the middle of a sweep, Temporal forgets a
case, and the auditor still reads its history and replays it, from the archive."""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from cli.schedules import ARCHIVE_SWEEP, schedules
from infra.binaries import temporal_cli
from infra.settings import Settings
from tests.archiveutil import forget
from tests.e2e.api import Api
from tests.e2e.faults import Retries, drive_to_closed
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import MOBILE, PROVINCIAL
from tests.polling import eventually
from workflows.visibility import workflow_id

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

POLICY = policy_env(
    sla=600, review=300, county=300, provincial=300, subordinate=300, national=300, reminders_before=[], feedback=300
) | {"FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": "5"}
CASES = 4


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("archive-e2e"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    client.verify_mobile(stack, MOBILE)
    yield client
    client.close()


def _read(stack: Stack, sql: str) -> list[tuple]:
    with sqlite3.connect(stack.database_path, timeout=5) as db:
        return db.execute(sql).fetchall()


def _start_sweeps(stack: Stack) -> None:
    """The sweeper's own Schedule, firing every 3 s, on the stack's task queue."""
    settings = Settings(temporal_task_queue=stack.task_queue, archive_sweep_minutes=0.05)

    async def create() -> None:
        client = await stack.temporal_client()
        await client.create_schedule(ARCHIVE_SWEEP, schedules(settings)[ARCHIVE_SWEEP])

    asyncio.run(create())


def test_closed_cases_are_archived_once_across_a_sigkill_and_read_and_replayed_after_temporal_forgot(
    stack: Stack, api: Api
) -> None:
    retries = Retries()
    codes = [api.file() for _ in range(CASES)]
    with ThreadPoolExecutor(CASES) as pool:
        for future in [pool.submit(drive_to_closed, api, retries, code, PROVINCIAL, "sso-qazvin") for code in codes]:
            future.result()
    assert retries.unexpected == []

    _start_sweeps(stack)
    deadline = time.monotonic() + 60
    while not _read(stack, "SELECT id FROM archive_sweeps WHERE finished_at IS NULL"):
        assert time.monotonic() < deadline, "no sweep started within 60 s"
        time.sleep(0.005)
    stack.kill_worker()  # in the middle of the first sweep
    killed = _read(stack, "SELECT id FROM archive_sweeps ORDER BY id")
    time.sleep(1)
    assert _read(stack, f"SELECT finished_at FROM archive_sweeps WHERE id = {killed[0][0]}") == [(None,)]
    stack.restart_worker()

    wanted = {workflow_id(code) for code in codes}

    def all_archived() -> bool:
        done = _read(stack, "SELECT count(*) FROM archive_sweeps WHERE finished_at IS NOT NULL")[0][0]
        archived = {row[0] for row in _read(stack, "SELECT workflow_id FROM workflow_archive")}
        return done >= 1 and wanted <= archived

    eventually(all_archived, timeout=180, interval=0.5, what="every closed case archived after the worker's restart")
    time.sleep(4)  # a further sweep or two: still exactly one row per run
    per_run = _read(stack, "SELECT workflow_id, run_id, count(*) FROM workflow_archive GROUP BY workflow_id, run_id")
    assert {row[0] for row in per_run} >= wanted and all(row[2] == 1 for row in per_run)

    code = codes[0]
    auditor = api.get(f"/cases/{code}/history", "auditor").json()
    assert auditor["source"] == "temporal"

    async def delete() -> None:
        await forget(await stack.temporal_client(), workflow_id(code))

    asyncio.run(delete())
    history = api.get(f"/cases/{code}/history", "auditor")
    assert history.status_code == 200, history.text
    assert history.json()["source"] == "archive" and history.json()["events"] == auditor["events"]
    replay = api.post(f"/cases/{code}/replay", "auditor")
    assert replay.status_code == 200, replay.text
    report = replay.json()
    assert report["source"] == "archive" and report["replayed"] is True and report["matches_read_model"] is True
