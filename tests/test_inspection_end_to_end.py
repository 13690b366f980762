"""End to end on the real dev server: an on-site inspection ordered at review, visited, recorded late so that it
passed to the senior coordinator; then the written answer, downloaded as a PDF and read back.

One stack for the module (Temporal dev server, worker.py, uvicorn), with an inspection budget of seconds.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from infra.binaries import temporal_cli
from tests.e2e.api import Api
from tests.e2e.readmodel import events, sms, tasks, utc
from tests.e2e.stack import Stack, policy_env, running_stack
from tests.factories import OFFICE, PASSWORD
from tests.polling import eventually
from tests.test_written_answer import pdf_text
from timekeeping.jalali import jalali_period
from timekeeping.persian import persian_digits

try:
    temporal_cli()
except FileNotFoundError as missing:
    pytest.skip(str(missing), allow_module_level=True)

INSPECTION_SECONDS = 8
POLICY = policy_env(
    sla=600,
    review=300,
    county=600,
    provincial=600,
    subordinate=600,
    national=600,
    reminders_before=[],
    feedback=600,
) | {"FOAD_INSPECTION_MINUTES": repr(INSPECTION_SECONDS)}

ACCEPT = {
    "decision": "accept",
    "unit_id": OFFICE,
    "action_order": "بازرس به شعبه برود و حضور کارمند باجه را بررسی کند",
    "inspector": "inspector1",
}
OFFICE_FA = "شعبه تأمین اجتماعی تاکستان"  # the office the complaint names (refdata)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e-inspection"), POLICY) as started:
        yield started


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    client.verify_mobile(stack, "09121234567")
    yield client
    client.close()


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def test_an_inspection_ordered_visited_and_recorded_late_passes_to_the_senior(stack: Stack, api: Api) -> None:
    code = api.file()
    api.open_task("sso-senior", code, "review")
    reviewed = ok(api.post(f"/cases/{code}/review", "sso-senior", json=ACCEPT))
    assert reviewed["status"] == "in_handling"
    visit = api.open_task("inspector1", code, "inspection", assignee="inspector1")
    ordered = utc(visit["opened_at"])
    assert utc(visit["due_at"]) - ordered == timedelta(seconds=INSPECTION_SECONDS)

    # Another inspector of the agency, not the one named: refused with the reason, and nothing changes.
    ok(
        api.post(
            "/users",
            "admin",
            json={"username": "inspector2", "full_name": "بازرس دوم", "role": "inspector", "agency_id": "sso"}
            | {"password": PASSWORD},
        ),
        201,
    )
    arrived = ordered + timedelta(seconds=2)
    findings = {
        "arrived_at": arrived.isoformat(),
        "findings": "کارمند باجه مستمری در محل نبود؛ مدیر شعبه نیروی جایگزین گذاشت",
        "outcome": "resolved_on_site",
    }
    before = len(events(stack, code))
    refused = api.post(f"/tasks/{visit['task_id']}/record-inspection", "inspector2", json=findings)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["message_fa"].startswith("فقط بازرسی که برای این بازرسی حضوری تعیین شده")
    refused = api.post(f"/tasks/{visit['task_id']}/record-inspection", "sso-senior", json=findings)
    assert refused.status_code == 403, "the senior records it only once it is overdue"
    assert len(events(stack, code)) == before
    [row] = [t for t in tasks(stack, code) if t["task_id"] == visit["task_id"]]
    assert (row["status"], row["arrived_at"], row["note"]) == ("open", None, None)

    # The inspector visits but does not record it in time: it passes to the senior coordinator's inbox.
    overdue = api.open_task("sso-senior", code, "inspection", timeout=60)
    assert overdue["task_id"] == visit["task_id"] and overdue["escalated_at"] is not None
    timeline = [e["kind"] for e in events(stack, code)]
    assert timeline[-3:] == ["review_accepted", "inspection_ordered", "inspection_overdue"]

    # Recorded late by the named inspector: the handling is done too, and the result waits for approval.
    recorded = ok(api.post(f"/tasks/{visit['task_id']}/record-inspection", "inspector1", json=findings))
    assert recorded["status"] == "awaiting_approval"
    completed = eventually(
        lambda: next((e for e in events(stack, code) if e["kind"] == "inspection_completed"), None),
        timeout=30,
        what="the inspection's record in the read model",
    )
    assert completed["data"]["late"] is True and completed["actor_username"] == "inspector1"
    [row] = [t for t in tasks(stack, code) if t["task_id"] == visit["task_id"]]
    assert (row["status"], row["outcome"], utc(row["arrived_at"])) == ("completed", "resolved_on_site", arrived)
    again = api.post(f"/tasks/{visit['task_id']}/record-inspection", "inspector2", json=findings)
    assert again.status_code == 403

    # The evaluation: the inspector's figures come from the inspection task.
    year, month = jalali_period(datetime.now(UTC))
    staff = ok(api.get("/reports/staff", "admin", params={"year": year, "month": month}))
    [mine] = [row for row in staff["inspectors"] if row["username"] == "inspector1"]
    assert mine["late"] == 1 and mine["cases"] >= 1
    assert mine["median_minutes_to_arrival"] == round(2 / 60, 1)

    # The senior approves; the citizen downloads the written answer and reads it back.
    api.open_task("sso-senior", code, "approval")
    ok(
        api.post(
            f"/cases/{code}/approve",
            "sso-senior",
            json={"result_note": "نیروی جایگزین در باجه مستقر شد", "outcome": "resolved_on_site"},
        )
    )
    api.wait_public(code, feedback_due=True)
    pdf = api.get(f"/citizen/cases/{code}/written-answer")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert f"کد رهگیری: {persian_digits(code)}" in text
    assert f"واحد مورد شکایت: {OFFICE_FA}" in text
    assert "نوع اقدام: رفع مشکل با بازرسی حضوری" in text
    assert "نیروی جایگزین در باجه مستقر شد" in text
    assert [m["template"] for m in sorted(sms(stack, code), key=lambda m: m["id"])][-1] == "result"


def test_the_written_answer_needs_the_verified_mobile(stack: Stack, api: Api) -> None:
    code = api.file()
    anonymous = api.http.get(f"/citizen/cases/{code}/written-answer")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["message_fa"] == "ابتدا شماره همراه خود را با کد یک‌بارمصرف تأیید کنید."
    page = api.http.get(f"http://127.0.0.1:{stack.api_port}/track/{code}/written-answer.pdf")
    assert page.status_code == 401 and "text/html" in page.headers["content-type"]
    assert "ابتدا شماره همراه خود را با کد یک‌بارمصرف تأیید کنید." in page.text
    other = Api(stack.base_url)
    try:
        other.verify_mobile(stack, "09351112233")
        refused = other.get(f"/citizen/cases/{code}/written-answer")
        assert refused.status_code == 403
        assert refused.json()["error"]["message_fa"] == "این شکایت با شماره همراه دیگری ثبت شده است."
    finally:
        other.close()
    early = api.get(f"/citizen/cases/{code}/written-answer")
    assert early.status_code == 409
    assert early.json()["error"]["message_fa"] == "پاسخ مکتوب پس از تأیید نتیجه شکایت آماده می‌شود."
