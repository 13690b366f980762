"""Two workers and two API processes side by side on one Temporal and one database: every case completes once.

Issue 9's promise for scale: any number of `worker.py` and API processes share nothing but Temporal and the
read model. One stack for the module (the dev server, two workers, two uvicorn processes on their own ports;
the read model in PostgreSQL when FOAD_TEST_POSTGRES_URL is set, as in CI, else a SQLite file). A batch of
cases is driven through both APIs alternately, each step of a case sent to the other process than the step
before, so the process that filed a case is never the one that reviews it. Some cases are left at the county
until its budget runs out. Then the proof, from Temporal's histories and from the read model:

- each case is one workflow with exactly one run, and that run completed;
- the read model holds each case once, its timeline is the workflow's own list of events (no transition
  projected twice or lost), its tasks T1..Tn, and each SMS once in the outbox;
- both workers did work: the identities that completed workflow tasks and ran activities in the histories
  are those of both worker processes; and the identities that started and updated each case are those of the
  API processes the test sent each step to.
"""

import asyncio
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from infra.binaries import temporal_cli
from schemas.case import CaseState
from tests.e2e.api import Api
from tests.e2e.checks import check_no_step_lost_or_doubled
from tests.e2e.readmodel import sms, tasks
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import OFFICE, PROVINCIAL, complaint
from tests.polling import eventually
from workflows.visibility import workflow_id

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

# Policy in real seconds: a county budget short enough to watch it run out; every other budget long enough that
# no case here moves by itself while the test drives it.
COUNTY_SECONDS = 6
POLICY = policy_env(
    sla=300,
    review=120,
    county=COUNTY_SECONDS,
    provincial=120,
    subordinate=120,
    national=120,
    reminders_before=[],
    feedback=120,
)
CASES = 16
DRIVERS = 6  # cases driven at once
ESCALATED_BY_TIMER = {i for i in range(CASES) if i % 4 == 3}

ACCEPT = {"decision": "accept", "action_order": "با شعبه تماس بگیرید و کارمند جایگزین بفرستید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}
RESULT = {"result_note": "کارمند جایگزین در باجه مستقر شد", "outcome": "substitute_assigned"}
SATISFIED = {"satisfied": True, "rating": 5}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    postgres = os.environ.get("FOAD_TEST_POSTGRES_URL")
    folder = tmp_path_factory.mktemp("side-by-side")
    with running_stack(folder, POLICY, workers=2, apis=2, postgres_server=postgres) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    """The users logged in, and the citizen's mobile verified, once, at the first API process."""
    client = Api(stack.api_url("api"))
    for user in ("operator1", "sso-senior", "sso-takestan", "sso-qazvin"):
        client.auth(user)
    client.verify_mobile(stack, "09121234567")
    yield client
    client.close()


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def drive(stack: Stack, api: Api, i: int) -> tuple[str, list[str]]:
    """Case i from intake to the citizen's feedback, step k sent to API process (i + k) % 2.

    Returns the tracking code and the API process each step went to, in order."""
    names = stack.api_names
    route = [names[(i + step) % len(names)] for step in range(5)]
    file_at, review_at, complete_at, approve_at, feedback_at = (api.at(stack.api_url(name)) for name in route)
    try:
        code = file_at.file()
        review_at.open_task("sso-senior", code, "review")
        unit = OFFICE if i in ESCALATED_BY_TIMER else PROVINCIAL
        ok(review_at.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT | {"unit_id": unit}))
        # a county order is left alone: its budget runs out and the provincial unit gets the case
        handling = complete_at.open_task(
            "sso-qazvin", code, "handling", timeout=COUNTY_SECONDS + 60, level="provincial"
        )
        ok(complete_at.post(f"/tasks/{handling['task_id']}/complete", "sso-qazvin", json=DONE))
        approve_at.open_task("sso-senior", code, "approval")
        assert ok(approve_at.post(f"/cases/{code}/approve", "sso-senior", json=RESULT))["status"] == "awaiting_feedback"
        feedback_at.wait_public(code, feedback_due=True)
        ok(feedback_at.post(f"/complaints/{code}/feedback", json=SATISFIED), 202)
        feedback_at.wait_public(code, status="closed")
        return code, route
    finally:
        for client in (file_at, review_at, complete_at, approve_at, feedback_at):
            client.close()


def pid_of(identity: str) -> int:
    """The SDK's default client and worker identity is `pid@host`."""
    return int(identity.split("@", 1)[0])


async def runs_and_histories(stack: Stack, codes: list[str]) -> tuple[list[Any], dict[str, Any]]:
    client = await stack.temporal_client()
    runs = [run async for run in client.list_workflows(f"TaskQueue = '{stack.task_queue}'")]
    histories = {code: await client.get_workflow_handle(workflow_id(code)).fetch_history() for code in codes}
    return runs, histories


def identities(history) -> dict[str, set[int]]:
    """Which processes did what in one history: started it, sent its updates and signals, ran its tasks."""
    seen: dict[str, set[int]] = defaultdict(set)
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            seen["started"].add(pid_of(event.workflow_execution_started_event_attributes.identity))
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            meta = event.workflow_execution_update_accepted_event_attributes.accepted_request.meta
            seen["updated"].add(pid_of(meta.identity))
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            seen["signalled"].add(pid_of(event.workflow_execution_signaled_event_attributes.identity))
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            seen["workflow tasks"].add(pid_of(event.workflow_task_completed_event_attributes.identity))
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            seen["activities"].add(pid_of(event.activity_task_started_event_attributes.identity))
    return seen


def test_cases_through_two_apis_and_two_workers_complete_once(stack: Stack, api: Api) -> None:
    with ThreadPoolExecutor(DRIVERS) as pool:
        driven = list(pool.map(lambda i: drive(stack, api, i), range(CASES)))
    codes = [code for code, _ in driven]
    assert len(set(codes)) == CASES

    # --- Temporal: one workflow per case, one run each, completed ----------------------------------------------
    wanted = {workflow_id(code) for code in codes}

    def all_listed_closed() -> tuple[list[Any], dict[str, Any]] | None:
        runs, histories = asyncio.run(runs_and_histories(stack, codes))
        closed = [r for r in runs if r.status != WorkflowExecutionStatus.RUNNING]
        return (runs, histories) if {r.id for r in closed} >= wanted else None

    runs, histories = eventually(all_listed_closed, timeout=30, what="every case listed as closed by visibility")
    per_case = Counter(r.id for r in runs if r.workflow_type == "ComplaintWorkflow")
    assert per_case == Counter(dict.fromkeys(wanted, 1)), f"runs per workflow: {per_case}"
    assert {r.status for r in runs if r.id in wanted} == {WorkflowExecutionStatus.COMPLETED}

    # --- the read model: each case once, each transition once, each SMS once -----------------------------------
    rows = stack.rows("SELECT tracking_code FROM cases")
    assert Counter(r["tracking_code"] for r in rows if r["tracking_code"] in codes) == Counter(codes)
    for i, code in enumerate(codes):
        timeline = check_no_step_lost_or_doubled(stack, code)
        history = histories[code]
        [done] = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]
        [state] = asyncio.run(_decode(stack, done.workflow_execution_completed_event_attributes.result.payloads))
        assert [(e["seq"], e["kind"]) for e in timeline] == [(e.seq, e.kind.value) for e in state.events], code
        escalated = i in ESCALATED_BY_TIMER
        expected = [
            "registered",
            "review_accepted",
            *(["escalated"] if escalated else []),
            "task_completed",
            "result_approved",
            "feedback",
        ]
        assert [e["kind"] for e in timeline] == expected, code
        assert [(t["kind"], t["status"]) for t in tasks(stack, code)] == [
            ("review", "completed"),
            *([("handling", "expired")] if escalated else []),
            ("handling", "completed"),
            ("approval", "completed"),
        ], code
        texts = ["registered", "accepted", *(["escalated"] if escalated else []), "result", "feedback_received"]
        assert sorted(m["template"] for m in sms(stack, code)) == sorted(texts), code
        if escalated:
            [moved] = [e for e in timeline if e["kind"] == "escalated"]
            assert (moved["data"]["cause"], moved["data"]["from_level"], moved["level"]) == (
                "expired",
                "county",
                "provincial",
            ), code

    # --- who did the work: both workers, and each API process the test sent a step to -------------------------
    worker_pids = {stack.children[name].process.pid for name in stack.worker_names}
    api_pids = {name: stack.children[name].process.pid for name in stack.api_names}
    did: dict[str, Counter] = defaultdict(Counter)
    for (code, route), history in zip(driven, (histories[c] for c in codes), strict=True):
        seen = identities(history)
        assert seen["started"] == {api_pids[route[0]]}, f"{code} was filed at {route[0]}"
        # review, completion, approval and the citizen's feedback are updates; nothing is signalled
        assert seen["updated"] == {api_pids[name] for name in route[1:5]}, code
        assert not seen["signalled"], code
        assert seen["workflow tasks"] | seen["activities"] <= worker_pids, code
        for what in ("workflow tasks", "activities"):
            did[what].update(seen[what])
    print(
        f"side by side: cases each worker pid completed workflow tasks of {dict(did['workflow tasks'])}, "
        f"ran activities of {dict(did['activities'])}"
    )
    assert set(did["workflow tasks"]) == worker_pids, "one worker completed no workflow task"
    assert set(did["activities"]) == worker_pids, "one worker ran no activity"


def test_one_idempotency_key_at_either_api_files_one_case(stack: Stack, api: Api) -> None:
    key = f"side-by-side-{uuid.uuid4()}"
    first, second = (api.at(stack.api_url(name)) for name in stack.api_names[:2])
    try:
        body = complaint()
        filed = ok(first.post("/complaints", "operator1", json=body, headers={"Idempotency-Key": key}), 201)
        again = second.post("/complaints", "operator1", json=body, headers={"Idempotency-Key": key})
        assert again.status_code == 201, again.text
        assert again.json()["tracking_code"] == filed["tracking_code"]
        assert again.headers.get("Idempotent-Replayed") == "true"
    finally:
        first.close()
        second.close()
    code = filed["tracking_code"]
    assert len(stack.rows("SELECT tracking_code FROM intake_keys WHERE key = :key", key=key)) == 1

    async def runs() -> list[Any]:
        client = await stack.temporal_client()
        return [r async for r in client.list_workflows(f"WorkflowId = '{workflow_id(code)}'")]

    assert len(eventually(lambda: asyncio.run(runs()), timeout=20, what="the case listed")) == 1
    api.open_task("sso-senior", code, "review")
    assert [e["kind"] for e in check_no_step_lost_or_doubled(stack, code)] == ["registered"]


async def _decode(stack: Stack, payloads) -> list[CaseState]:
    client = await stack.temporal_client()
    return await client.data_converter.decode(payloads, [CaseState])
