"""Triage, referrals, outcomes and identity end to end on the real dev server: HTTP API -> workflow -> worker ->
read model, as separate processes (tests/e2e/stack.py).

A content question at intake is referred, and the SMS names the target; a suggestion reaches the agency's senior
coordinator as information and no 3-hour case; a review rejection refers to a registry entry; the monthly report
gives outcome shares, the solved-at-once rate and referrals by target; an operator's filing without the caller's
read-back code is marked unverified, one with it is verified.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from infra.binaries import temporal_cli
from schemas.text import MobileNumber, latin_digits
from tests.e2e.api import Api
from tests.e2e.readmodel import events, sms, tasks
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import OFFICE, complaint
from tests.polling import eventually
from timekeeping.jalali import jalali_period

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

POLICY = policy_env(
    sla=600, review=300, county=300, provincial=300, subordinate=300, national=300, reminders_before=[], feedback=5
)
CALLER = "09351112233"  # a mobile of its own, so the national-code check sees only this module's filings
CALLER_CODE = "0499370899"
OTHER_CODE = "0012345679"  # valid check digit, another person


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("triage"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    client.verify_mobile(stack, "09121234567")
    yield client
    client.close()


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def file(api: Api, user: str | None = "operator1", **overrides: Any) -> dict[str, Any]:
    headers = {"Idempotency-Key": f"triage-{uuid.uuid4()}"}
    return ok(api.post("/complaints", user, json=complaint(**overrides), headers=headers), 201)


def wait_row(stack: Stack, code: str, **expected: Any) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        row = stack.case_row(code)
        return row if row is not None and all(row[k] == v for k, v in expected.items()) else None

    return eventually(probe, timeout=60, what=f"case {code} with {expected}")


def sms_of(stack: Stack, code: str, template: str) -> dict[str, Any]:
    return eventually(
        lambda: next((m for m in sms(stack, code) if m["template"] == template), None),
        timeout=60,
        what=f"the {template} SMS of {code}",
    )


def audited(api: Api, code: str) -> None:
    """The auditor's replay: today's code replays the history, and the read model matches the workflow."""
    report = ok(api.post(f"/cases/{code}/replay", "auditor"))
    assert report["replayed"] is True, report["error"]
    assert report["matches_read_model"] is True, report["mismatches"]


def read_back_code(api: Api, stack: Stack, mobile: str) -> str:
    """What the caller reads back to the operator: the code of the SMS that POST /citizen/otp sent."""
    assert api.http.post("/citizen/otp", json={"mobile": mobile}).status_code == 202
    [message] = stack.rows(
        "SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = :mobile ORDER BY id DESC LIMIT 1",
        mobile=TypeAdapter(MobileNumber).validate_python(mobile),
    )
    found = re.search(r"\d{6}", latin_digits(message["body"]))
    assert found is not None
    return found.group()


def test_a_corruption_report_at_intake_is_referred_to_the_inspection_organisation_by_sms(stack: Stack, api: Api):
    receipt = file(
        api,
        contact="out_of_scope",
        referral_target_id="inspection-136",
        description="کارمند باجه برای انجام کار مبلغی به عنوان رشوه خواست",
    )
    assert receipt["status"] == "referred" and receipt["referral"]["name_fa"] == "سازمان بازرسی کل کشور"
    code = receipt["tracking_code"]
    row = wait_row(stack, code, status="referred")
    assert (row["contact_kind"], row["referral_target_id"]) == ("out_of_scope", "inspection-136")
    message = sms_of(stack, code, "referred")["body"]
    assert "سازمان بازرسی کل کشور" in message and "۱۳۶" in message
    assert not re.search(r"[0-9]", message), message  # Persian digits only
    assert tasks(stack, code) == []  # no review, no 3-hour case
    assert [e["kind"] for e in events(stack, code)] == ["referred"]
    assert [m["template"] for m in sms(stack, code)] == ["referred"]  # and no "registered ... 3 hours" promise
    audited(api, code)


def test_an_unknown_referral_target_is_refused_and_nothing_is_filed(stack: Stack, api: Api):
    key = f"triage-{uuid.uuid4()}"
    body = complaint(contact="out_of_scope", referral_target_id="no-such-place")
    refused = api.post("/complaints", "operator1", json=body, headers={"Idempotency-Key": key})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["details"][0]["field"] == "body.referral_target_id" and error["message_fa"]
    assert stack.rows("SELECT * FROM intake_keys WHERE key = :key", key=key) == []  # no tracking code spent
    missing = api.post("/complaints", "operator1", json=complaint(contact="out_of_scope"))
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "body.referral_target_id"


def test_a_suggestion_reaches_the_senior_coordinator_as_information(stack: Stack, api: Api):
    text = "پیشنهاد می‌کنم شعبه یک باجه ویژه سالمندان داشته باشد تا صف کوتاه‌تر شود"
    receipt = file(api, None, contact="suggestion", channel="web", description=text)
    code = receipt["tracking_code"]
    assert receipt["status"] == "forwarded"
    wait_row(stack, code, status="forwarded", contact_kind="suggestion")

    def listed() -> dict[str, Any] | None:
        return next((i for i in ok(api.get("/information", "sso-senior")) if i["tracking_code"] == code), None)

    item = eventually(listed, timeout=60, what="the suggestion in sso-senior's information items")
    assert (item["contact"], item["contact_fa"], item["description"]) == ("suggestion", "پیشنهاد", text)
    assert all(i["tracking_code"] != code for i in ok(api.get("/information", "nigc-senior")))  # another agency
    assert api.get("/information", "sso-takestan").status_code == 403  # a unit coordinator is not told
    assert tasks(stack, code) == []
    assert all(t["tracking_code"] != code for t in ok(api.get("/tasks", "sso-senior")))  # not a task with a clock
    assert "سازمان تأمین اجتماعی" in sms_of(stack, code, "forwarded")["body"]
    audited(api, code)


def test_review_rejection_refers_to_a_registry_entry_and_an_unknown_one_is_refused(stack: Stack, api: Api):
    code = file(api)["tracking_code"]
    api.open_task("sso-senior", code, "review")
    reject = {"decision": "reject", "referral_note": "موضوع حکم دادگاه است و به محتوای خدمت مربوط است"}
    unknown = api.post(f"/cases/{code}/review", "sso-senior", json=reject | {"referral_target_id": "nowhere"})
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "body.referral_target_id"
    assert stack.case_row(code)["status"] == "in_review"  # nothing lost: still awaiting review
    done = ok(api.post(f"/cases/{code}/review", "sso-senior", json=reject | {"referral_target_id": "judiciary"}))
    assert done["status"] == "referred" and done["status_fa"].endswith("ارجاع داده شد")
    wait_row(stack, code, status="referred", referral_target_id="judiciary")
    message = sms_of(stack, code, "referred")["body"]
    assert "قوه قضاییه" in message and "دفتر خدمات الکترونیک قضایی" in message


def test_outcome_shares_and_referrals_appear_in_the_monthly_report(stack: Stack, api: Api):
    code = file(api)["tracking_code"]
    api.open_task("sso-senior", code, "review")
    accept = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید"}
    ok(api.post(f"/cases/{code}/review", "sso-senior", json=accept))
    task = api.open_task("sso-takestan", code, "handling")
    done = {"outcome": "substitute_assigned", "note": "کارمند جایگزین اعزام شد"}
    ok(api.post(f"/tasks/{task['task_id']}/complete", "sso-takestan", json=done))
    api.open_task("sso-senior", code, "approval")
    missing = api.post(f"/cases/{code}/approve", "sso-senior", json={"result_note": "با تماس تلفنی حل شد"})
    assert missing.status_code == 422  # the outcome is required beside the free text
    result = {"result_note": "با تماس تلفنی با مدیر شعبه حل شد", "outcome": "resolved_by_phone"}
    ok(api.post(f"/cases/{code}/approve", "sso-senior", json=result))
    wait_row(stack, code, outcome="resolved_by_phone", status="awaiting_feedback")

    year, month = jalali_period(datetime.now(UTC))
    figures = ok(api.get("/reports/monthly", "admin", params={"year": year, "month": month}))["period"]["figures"]
    assert figures["outcomes"].get("resolved_by_phone", 0) >= 1
    assert sum(figures["outcome_shares"].values()) == pytest.approx(1.0, abs=0.001)
    assert figures["solved_at_once"] >= 1 and 0 < figures["solved_at_once_rate"] <= 1
    assert figures["contacts"]["complaint"] == figures["received"]  # the complaint figures count complaints only
    if figures["contacts"].get("out_of_scope"):
        assert figures["referrals_by_target"].get("inspection-136", 0) >= 1


def test_an_operator_filing_without_the_read_back_code_is_marked_unverified(stack: Stack, api: Api):
    unverified = file(api, mobile=CALLER, national_code=CALLER_CODE)["tracking_code"]
    assert wait_row(stack, unverified)["identity"] == "unverified"
    task = api.open_task("sso-senior", unverified, "review")
    assert task["identity"] == "unverified"  # the inbox marks it
    assert ok(api.get(f"/cases/{unverified}", "sso-senior"))["identity"] == "unverified"

    wrong = api.post("/complaints", "operator1", json=complaint(mobile=CALLER, caller_code="000000"))
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "body.caller_code"

    code = read_back_code(api, stack, CALLER)
    verified = file(api, mobile=CALLER, national_code=OTHER_CODE, caller_code=code)["tracking_code"]
    row = wait_row(stack, verified)
    assert row["identity"] == "operator_otp"
    assert bool(row["national_code_mismatch"]) is True  # this mobile filed before with another national code
    assert bool(stack.case_row(unverified)["national_code_mismatch"]) is False
