"""The authorization matrix: every role against every endpoint, on a case in its scope and one outside it.

One case (A) is filed by the citizen, accepted by the SSO senior coordinator for the Takestan office with an
on-site inspection by `inspector1`; another (B) is filed by `operator1` for an NIGC office and left in review.
"Allowed" means the request got past authorization: its answer is neither 401 nor 403 (a 409 from the case's
state counts as allowed, since only an authorized caller reaches the state check).
"""

from typing import Any

import pytest

from tests.apiutil import citizen_auth, file, login, open_task, projected
from tests.factories import PASSWORD, complaint

ACCEPT = {
    "decision": "accept",
    "unit_id": "sso-qazvin-takestan",
    "action_order": "بازرسی حضوری از باجه مستمری",
    "inspector": "inspector1",
}
NIGC_OFFICE = "nigc-qazvin-takestan"
DENIED = {401, 403}

# Who speaks: a demo user, a citizen (own: the mobile of case A; other: another mobile), or nobody.
ROLES = (
    "anonymous",
    "citizen",
    "other-citizen",
    "operator1",
    "sso-senior",
    "nigc-senior",
    "sso-takestan",
    "sso-eslamshahr",
    "inspector1",
    "inspector2",
    "auditor",
    "admin",
)


_tokens: dict[str, dict[str, str]] = {}


async def _headers(api, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {"Authorization": ""}
    if role == "citizen":
        return citizen_auth()
    if role == "other-citizen":
        return citizen_auth("09351112233")
    if role not in _tokens:
        _tokens[role] = await login(api, role)
    return _tokens[role]


def _expected(allowed: set[str]) -> dict[str, bool]:
    return {role: role in allowed for role in ROLES}


SEE_A = {"sso-senior", "sso-takestan", "inspector1", "auditor", "admin"}
SEE_B = {"operator1", "nigc-senior", "auditor", "admin"}
AUDIT = {"auditor", "admin"}


def _matrix(
    a: str, b: str, handling_task: str, review_task_b: str
) -> list[tuple[str, str, str, dict[str, Any], dict[str, bool]]]:
    """(label, method, path, request kwargs, who is allowed)."""
    reason = {"json": {"reason": "بررسی دسترسی"}}
    return [
        ("file", "POST", "/complaints", {"json": complaint()}, _expected({"citizen", "operator1", "admin"})),
        ("public status", "GET", f"/complaints/{a}", {}, _expected(set(ROLES))),
        ("own case (citizen)", "GET", f"/citizen/cases/{a}", {}, _expected({"citizen"})),
        (
            "feedback",
            "POST",
            f"/complaints/{a}/feedback",
            {"json": {"satisfied": True, "rating": 4}},
            _expected({"citizen"}),
        ),
        ("case A", "GET", f"/cases/{a}?live=false", {}, _expected(SEE_A)),
        ("case B", "GET", f"/cases/{b}?live=false", {}, _expected(SEE_B)),
        (
            "review A (in handling: 409)",
            "POST",
            f"/cases/{a}/review",
            {"json": {"decision": "reject", "referral_note": "خارج از حیطه"}},
            _expected({"sso-senior"}),
        ),
        (
            "approve A (409)",
            "POST",
            f"/cases/{a}/approve",
            {"json": {"result_note": "انجام شد", "outcome": "substitute_assigned"}},
            _expected({"sso-senior"}),
        ),
        ("send back A (409)", "POST", f"/cases/{a}/send-back", reason, _expected({"sso-senior"})),
        ("close A (409)", "POST", f"/cases/{a}/close", reason, _expected({"sso-senior"})),
        (
            "complete B's review task (409)",
            "POST",
            f"/tasks/{review_task_b}/complete",
            {"json": {"outcome": "resolved_by_phone", "note": "تماس گرفته شد"}},
            _expected({"nigc-senior"}),
        ),
        ("history A", "GET", f"/cases/{a}/history", {}, _expected(AUDIT)),
        ("access log", "GET", "/access-log", {}, _expected(AUDIT)),
        ("users", "GET", "/users", {}, _expected({"admin"})),
        (
            "task inbox",
            "GET",
            "/tasks",
            {},
            _expected(
                {
                    "sso-senior",
                    "nigc-senior",
                    "sso-takestan",
                    "sso-eslamshahr",
                    "inspector1",
                    "inspector2",
                    "auditor",
                    "admin",
                }
            ),
        ),
    ]


@pytest.fixture
async def two_cases(api, seeded):
    """Case A at the Takestan office (reviewed, its handling task open) and case B at a NIGC office (its review
    open), an extra inspector added: the ids the matrix uses."""
    admin = await login(api, "admin")
    created = await api.post(
        "/users",
        json={
            "username": "inspector2",
            "full_name": "بازرس دوم",
            "role": "inspector",
            "agency_id": "sso",
            "password": PASSWORD,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    a = await file(api)
    b = await file(api, complaint(unit_id=NIGC_OFFICE, mobile="09129998877"), headers=await login(api, "operator1"))
    senior = await login(api, "sso-senior")
    await projected(seeded, a)
    assert (await api.post(f"/cases/{a}/review", json=ACCEPT, headers=senior)).status_code == 200
    handling = await open_task(api, await login(api, "sso-takestan"), a, "handling")
    review_b = await open_task(api, await login(api, "nigc-senior"), b, "review")
    return a, b, handling["task_id"], review_b["task_id"]


async def test_every_role_is_allowed_exactly_where_its_scope_says(api, two_cases):
    a, b, handling_task, review_task_b = two_cases
    _tokens.clear()  # each test has a database of its own
    wrong = []
    for label, method, path, kwargs, allowed in _matrix(a, b, handling_task, review_task_b):
        for role, may in allowed.items():
            headers = await _headers(api, role)
            response = await api.request(method, path, headers=headers, **kwargs)
            got = response.status_code not in DENIED
            if got != may or response.status_code >= 500:
                wrong.append(f"{label} as {role}: {response.status_code} (expected {'allowed' if may else 'denied'})")
    assert wrong == []


async def test_inboxes_and_lists_show_each_role_only_its_own(api, two_cases):
    a, b, handling_task, _ = two_cases
    seen: dict[str, set[str]] = {}
    for role in (
        "operator1",
        "sso-senior",
        "nigc-senior",
        "sso-takestan",
        "sso-eslamshahr",
        "inspector1",
        "inspector2",
        "auditor",
        "admin",
    ):
        listed = await api.get("/cases", headers=await login(api, role))
        assert listed.status_code == 200, (role, listed.text)
        seen[role] = {c["tracking_code"] for c in listed.json()["items"]} & {a, b}
    assert seen == {
        "operator1": {b},
        "sso-senior": {a},
        "nigc-senior": {b},
        "sso-takestan": {a},
        "sso-eslamshahr": set(),
        "inspector1": {a},
        "inspector2": set(),
        "auditor": {a, b},
        "admin": {a, b},
    }
    inbox = (await api.get("/tasks", headers=await login(api, "inspector1"))).json()
    assert [(t["kind"], t["assignee"]) for t in inbox] == [("inspection", "inspector1")], "its inspection only"
    assert handling_task not in {t["task_id"] for t in inbox}
    assert (await api.get("/tasks", headers=await login(api, "inspector2"))).json() == []


async def test_the_named_inspector_records_its_inspection_and_no_other_may(api, two_cases):
    a, _, handling_task, _ = two_cases
    visit = await open_task(api, await login(api, "inspector1"), a, "inspection")
    record = {"arrived_at": visit["opened_at"], "findings": "بازرسی انجام شد", "outcome": "resolved_on_site"}
    path = f"/tasks/{visit['task_id']}/record-inspection"
    other = await api.post(path, json=record, headers=await login(api, "inspector2"))
    assert other.status_code == 403 and other.json()["error"]["message_fa"].startswith("فقط بازرسی که")
    done = {"outcome": "substitute_assigned", "note": "بازرسی انجام و جایگزین مستقر شد"}
    handling = await api.post(f"/tasks/{handling_task}/complete", json=done, headers=await login(api, "inspector1"))
    assert handling.status_code == 403, "the handling task is the unit's; the inspector records its inspection"
    recorded = await api.post(path, json=record, headers=await login(api, "inspector1"))
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "awaiting_approval"


async def test_only_the_senior_orders_and_only_the_named_inspector_records_an_inspection(api, two_cases):
    a, _, _, _ = two_cases
    _tokens.clear()
    visit = await open_task(api, await login(api, "inspector1"), a, "inspection")
    order = {"inspector": "inspector1", "what_to_inspect": "حضور کارمند باجه بررسی شود"}
    late = {"arrived_at": "2099-01-01T08:00:00+00:00", "findings": "کارمند در محل بود", "outcome": "resolved_on_site"}
    for role in ROLES:
        headers = await _headers(api, role)
        ordered = await api.post(f"/cases/{a}/order-inspection", json=order, headers=headers)
        assert (ordered.status_code in DENIED) == (role != "sso-senior"), (role, ordered.status_code)
        recorded = await api.post(f"/tasks/{visit['task_id']}/record-inspection", json=late, headers=headers)
        assert (recorded.status_code in DENIED) == (role != "inspector1"), (role, recorded.status_code)
    senior = await api.post(f"/cases/{a}/order-inspection", json=order, headers=await login(api, "sso-senior"))
    assert senior.status_code == 409 and senior.json()["error"]["code"] == "inspection_open"
    future = await api.post(
        f"/tasks/{visit['task_id']}/record-inspection", json=late, headers=await login(api, "inspector1")
    )
    assert future.status_code == 422 and future.json()["error"]["details"][0]["field"] == "body.arrived_at"
    not_one = order | {"inspector": "sso-takestan"}
    nobody = await api.post(f"/cases/{a}/order-inspection", json=not_one, headers=await login(api, "sso-senior"))
    assert nobody.status_code == 422 and nobody.json()["error"]["details"][0]["field"] == "body.inspector"


async def test_review_refuses_an_inspector_that_is_not_one(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    for name in ("sso-takestan", "nobody-here"):
        response = await api.post(f"/cases/{code}/review", json=ACCEPT | {"inspector": name}, headers=senior)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.inspector"


async def test_the_named_employee_is_shown_to_the_senior_coordinator_and_auditors_only(api, seeded):
    code = await file(api, complaint(employee_name="آقای رحمانی"))
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    await open_task(api, await login(api, "sso-takestan"), code, "handling")
    names = {}
    for role in ("sso-senior", "auditor", "admin", "sso-takestan", "inspector1"):
        detail = await api.get(f"/cases/{code}?live=false", headers=await login(api, role))
        assert detail.status_code == 200, (role, detail.text)
        names[role] = detail.json()["employee_name"]
    assert names == {
        "sso-senior": "آقای رحمانی",
        "auditor": "آقای رحمانی",
        "admin": "آقای رحمانی",
        "sso-takestan": None,
        "inspector1": None,
    }
    public = await api.get(f"/complaints/{code}")
    mine = await api.get(f"/citizen/cases/{code}")
    assert "رحمانی" not in public.text and "رحمانی" not in mine.text


async def test_a_citizen_token_opens_no_staff_endpoint_and_a_staff_token_no_citizen_one(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    assert (await api.get("/cases")).status_code == 401  # the client speaks as the citizen by default
    assert (await api.get("/citizen/cases", headers=await login(api, "auditor"))).status_code == 401
