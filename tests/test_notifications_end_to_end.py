"""Staff notifications end to end on the real dev server (HTTP API -> workflow -> worker -> read model), with a
case nobody acts on but the late review, and the worker SIGKILLed in the middle, when a reminder falls due.

Each level's coordinators are told of the task's arrival and of its reminders, the senior of the overdue review,
the centre (the admins) and the senior of the breach and of the levels run out: each notification exactly once,
and exactly one outbox SMS for each one to an account with a mobile.
"""

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from infra.binaries import temporal_cli
from tests.e2e.api import Api
from tests.e2e.readmodel import events, tasks, utc
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import OFFICE
from tests.polling import eventually

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

# In real seconds (a policy minute lasts a second): every timer at least 8 s from the next, so that the order of
# the events, and the worker's downtime, never depend on the machine's load.
LEVEL_SECONDS = 30
REMINDERS = [40, 10]
POLICY = policy_env(
    sla=130,
    review=10,
    county=LEVEL_SECONDS,
    provincial=LEVEL_SECONDS,
    subordinate=LEVEL_SECONDS,
    national=LEVEL_SECONDS,
    reminders_before=REMINDERS,
    feedback=60,
)
ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و کارمند جایگزین بفرستید"}
MOBILES = {"sso-senior": "09120000011", "sso-qazvin": "09120000012", "admin": "09120000013"}

EXPECTED = Counter(
    {
        ("review_overdue", "sso-senior"): 1,
        ("task_arrived", "sso-takestan"): 1,
        ("task_reminder", "sso-takestan"): 1,  # 10 s before the county's 30 (40 before: passed at arrival)
        ("task_arrived", "sso-qazvin"): 1,
        ("task_reminder", "sso-qazvin"): 1,  # due while the worker is down
        ("task_arrived", "sso-subordinate"): 1,
        ("task_reminder", "sso-subordinate"): 1,
        ("reminder", "sso-subordinate"): 1,  # 40 s before the 130 s deadline
        ("task_arrived", "sso-national"): 1,
        ("reminder", "sso-national"): 1,  # 10 s before it
        ("task_reminder", "sso-national"): 1,
        ("breached", "admin"): 1,
        ("breached", "sso-senior"): 1,
        ("escalation_exhausted", "admin"): 1,
        ("escalation_exhausted", "sso-senior"): 1,
    }
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("notify"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    yield client
    client.close()


def _event(stack: Stack, code: str, kind: str, timeout: float = 60.0) -> dict:
    return eventually(
        lambda: next((e for e in events(stack, code) if e["kind"] == kind), None),
        timeout=timeout,
        what=f"a {kind} event of {code}",
    )


def _notices(stack: Stack, code: str) -> Counter:
    rows = stack.rows("SELECT kind, username FROM notifications WHERE tracking_code = :c", c=code)
    return Counter((r["kind"], r["username"]) for r in rows)


def test_a_silent_case_tells_each_level_the_senior_and_the_centre_once_across_a_worker_kill(stack, api):
    for username, mobile in MOBILES.items():
        response = api.http.put(f"/users/{username}/mobile", json={"mobile": mobile}, headers=api.auth("admin"))
        assert response.status_code == 200, response.text

    code = api.file()
    _event(stack, code, "review_overdue", timeout=30)
    reviewed = api.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT)
    assert reviewed.status_code == 200, reviewed.text

    # The worker dies just as the provincial task's reminder falls due, and comes back before the task expires.
    _event(stack, code, "escalated", timeout=LEVEL_SECONDS + 30)
    provincial = eventually(lambda: next((t for t in tasks(stack, code) if t["unit_id"] == "sso-qazvin"), None))
    reminder_at = utc(provincial["due_at"]).timestamp() - min(REMINDERS)
    time.sleep(max(0.0, reminder_at - datetime.now(UTC).timestamp()))
    killed = stack.kill_worker()
    time.sleep(3)
    stack.restart_worker()
    assert stack.children["worker"].process.pid != killed

    _event(stack, code, "escalation_exhausted", timeout=150)
    timeline = events(stack, code)
    assert [e["seq"] for e in timeline] == list(range(1, len(timeline) + 1)), "no event lost or doubled"
    got = eventually(lambda: (n := _notices(stack, code)) == EXPECTED and n, timeout=10, what="the notifications")
    assert got == EXPECTED

    breach = next(e for e in timeline if e["kind"] == "breached")
    assert "national_centre_notified" not in breach["data"]
    assert [(n["username"], n["sms"]) for n in breach["data"]["notified"]] == [("admin", True), ("sso-senior", True)]
    exhausted = next(e for e in timeline if e["kind"] == "escalation_exhausted")
    assert [n["username"] for n in exhausted["data"]["notified"]] == ["admin", "sso-senior"]

    outbox = stack.rows("SELECT * FROM sms_outbox WHERE tracking_code = :c AND template LIKE 'staff_%'", c=code)
    assert len({m["key"] for m in outbox}) == len(outbox), "one outbox row per notification"
    assert Counter((m["template"], m["mobile"]) for m in outbox) == Counter(
        {
            ("staff_review_overdue", "09120000011"): 1,
            ("staff_task_arrived", "09120000012"): 1,
            ("staff_task_reminder", "09120000012"): 1,
            ("staff_breached", "09120000013"): 1,
            ("staff_breached", "09120000011"): 1,
            ("staff_escalation_exhausted", "09120000013"): 1,
            ("staff_escalation_exhausted", "09120000011"): 1,
        }
    )
    citizen = stack.rows(
        "SELECT template FROM sms_outbox WHERE tracking_code = :c AND template NOT LIKE 'staff_%'", c=code
    )
    assert Counter(m["template"] for m in citizen) == Counter(
        {"registered": 1, "accepted": 1, "escalated": 3, "breached": 1}
    )
    worker_log = stack.children["worker"].log.read_text()
    assert "09120000012" not in worker_log and "0912***0012" in worker_log, "mobiles masked in the worker's log"
