"""The clock through the API: an agency counted in office hours, a question to the citizen, a declared closure."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from database.models import CaseEventRow
from tests.apiutil import citizen_auth, file, login, projected
from tests.factories import complaint
from workflows.visibility import workflow_id

OFFICE_HOURS = {"sla_mode": "office_hours", "office_hours": None}
QUESTION = {"what_is_needed": "شماره باجه و ساعت مراجعه را بفرستید"}


async def _office_hours_case(api, seeded) -> tuple[str, dict]:
    admin = await login(api, "admin")
    response = await api.put("/admin/agencies/sso/clock", json=OFFICE_HOURS, headers=admin)
    assert response.status_code == 200, response.text
    key_response = await api.post(
        "/complaints", json=complaint(), headers={"Idempotency-Key": f"office-hours-{uuid.uuid4()}"}
    )
    assert key_response.status_code == 201, key_response.text
    receipt = key_response.json()
    await projected(seeded, receipt["tracking_code"])
    return receipt["tracking_code"], receipt


async def test_an_office_hours_agency_gets_deadlines_counted_in_open_time_and_explained(api, seeded):
    code, receipt = await _office_hours_case(api, seeded)
    case = await projected(seeded, code, sla_mode="office_hours")
    assert case.due_at.isoformat() == receipt["due_at"].replace("Z", "+00:00"), (
        "the receipt counts as the workflow does"
    )
    assert case.deadline["open_minutes_counted"] == 180 and case.deadline["mode"] == "office_hours"
    detail = (await api.get(f"/cases/{code}", headers=await login(api, "sso-senior"))).json()
    assert detail["sla_mode"] == "office_hours"
    lines = detail["deadline"]["explanation_fa"]
    assert lines[0] == "شیوه شمارش: ساعت اداری" and lines[-1].startswith("موعد: ")
    assert any(line.startswith("ساعات اداری شمرده‌شده") for line in lines)
    public = (await api.get(f"/complaints/{code}")).json()
    assert public["deadline_fa"] == lines and public["paused"] is False


async def test_a_question_pauses_the_case_until_the_citizen_answers(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    response = await api.post(f"/cases/{code}/request-information", json=QUESTION, headers=senior)
    assert response.status_code == 200, response.text
    assert response.json()["paused"] is True
    await projected(seeded, code, last_seq=2)
    assert (await api.get(f"/complaints/{code}")).json()["paused"] is True

    review = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
    refused = await api.post(f"/cases/{code}/review", json=review, headers=senior)
    assert refused.status_code == 409 and refused.json()["error"]["message_fa"] == "پرونده در انتظار پاسخ شهروند است"
    again = await api.post(f"/cases/{code}/request-information", json=QUESTION, headers=senior)
    assert again.status_code == 409

    wrong = await api.post(f"/complaints/{code}/reply", json={"answer": "باجه ۴"}, headers=citizen_auth("09350000000"))
    assert wrong.status_code == 403
    answered = await api.post(f"/complaints/{code}/reply", json={"answer": "باجه ۴، ساعت ۱۰"})
    assert answered.status_code == 202, answered.text
    case = await projected(seeded, code, last_seq=3)
    assert case.paused_since is None
    async with seeded() as session:
        kinds = list(await session.scalars(select(CaseEventRow.kind).where(CaseEventRow.tracking_code == code)))
    assert kinds == ["registered", "information_requested", "information_received"]
    late = await api.post(f"/complaints/{code}/reply", json={"answer": "باز هم"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "no_question_open"
    assert late.json()["error"]["message_fa"] == "پرسشی از شما در این پرونده باز نیست"
    again = await api.post(f"/complaints/{code}/reply", json={"answer": "باجه ۴، ساعت ۱۰"})
    assert again.status_code == 202, "the same answer again is the same action (a retry), not a second one"
    assert (await api.post(f"/cases/{code}/review", json=review, headers=senior)).status_code == 200


async def test_the_unit_holding_the_task_may_ask_and_its_case_is_not_escalated_meanwhile(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    review = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
    assert (
        await api.post(f"/cases/{code}/review", json=review, headers=await login(api, "sso-senior"))
    ).status_code == 200
    takestan = await login(api, "sso-takestan")
    response = await api.post(f"/cases/{code}/request-information", json=QUESTION, headers=takestan)
    assert response.status_code == 200, response.text
    escalate = await api.post(f"/cases/{code}/escalate", json={"reason": "پاسخ نمی‌دهیم"}, headers=takestan)
    assert escalate.status_code == 409 and escalate.json()["error"]["message_fa"] == "پرونده در انتظار پاسخ شهروند است"


async def test_a_unit_not_holding_the_task_may_not_ask(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    response = await api.post(
        f"/cases/{code}/request-information", json=QUESTION, headers=await login(api, "sso-qazvin")
    )
    assert response.status_code == 403


async def test_a_declared_closure_recomputes_the_open_cases_it_touches(api, seeded):
    code, _ = await _office_hours_case(api, seeded)
    case = await projected(seeded, code, sla_mode="office_hours")
    admin = await login(api, "admin")
    closure = {
        "starts_at": (case.due_at - timedelta(minutes=30)).isoformat(),
        "ends_at": (case.due_at + timedelta(days=1)).isoformat(),
        "reason": "تعطیلی ادارات استان قزوین به دلیل آلودگی هوا",
        "province_code": "IR-26",
    }
    response = await api.post("/admin/closures", json=closure, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["cases_signalled"] == 1 and response.json()["declared_by"] == "admin"
    moved = await projected(seeded, code, last_seq=2)
    assert moved.due_at > case.due_at + timedelta(days=1) - timedelta(minutes=30)
    assert any(s["kind"] == "closure" for s in moved.deadline["skipped"])
    listed = (await api.get("/admin/closures", headers=admin)).json()
    assert [c["reason"] for c in listed] == [closure["reason"]]

    history = (await api.get(f"/cases/{code}/history", headers=await login(api, "auditor"))).json()["events"]
    computed = [e for e in history if e["name"] == "compute_deadline" and e["kind"] == "activity_completed"]
    assert computed and computed[-1]["summary"]["due_at"] and computed[-1]["summary"]["skipped"]
    signal = next(e for e in history if e["kind"] == "signal_received" and e["name"] == "calendar_changed")
    assert signal["summary"]["reason"] == closure["reason"]


async def test_closure_validation_and_access(api, seeded):
    admin = await login(api, "admin")
    backwards = {"starts_at": "2026-12-02T07:00:00", "ends_at": "2026-12-01T07:00:00", "reason": "آلودگی هوا"}
    response = await api.post("/admin/closures", json=backwards, headers=admin)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    unknown = backwards | {"ends_at": "2026-12-03T07:00:00", "province_code": "IR-99"}
    response = await api.post("/admin/closures", json=unknown, headers=admin)
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "body.province_code"
    senior = await login(api, "sso-senior")
    assert (await api.post("/admin/closures", json=unknown, headers=senior)).status_code == 403
    bad_hours = {
        "sla_mode": "office_hours",
        "office_hours": {"days": {"saturday": {"opens": "14:00", "closes": "07:00"}}},
    }
    assert (await api.put("/admin/agencies/sso/clock", json=bad_hours, headers=admin)).status_code == 422
    assert (await api.put("/admin/agencies/nope/clock", json=OFFICE_HOURS, headers=admin)).status_code == 404


async def test_a_closure_skips_a_case_whose_workflow_just_ended_and_reaches_the_rest(api, seeded, temporal_env):
    """The read model still shows the ended case open (its projection lags or never came): the closure is
    declared all the same, and the other case recomputes."""
    ended, _ = await _office_hours_case(api, seeded)
    code, _ = await _office_hours_case(api, seeded)
    case = await projected(seeded, code, sla_mode="office_hours")
    await temporal_env.client.get_workflow_handle(workflow_id(ended)).terminate(reason="ended meanwhile")
    closure = {
        "starts_at": (case.due_at - timedelta(minutes=30)).isoformat(),
        "ends_at": (case.due_at + timedelta(days=1)).isoformat(),
        "reason": "تعطیلی ادارات استان قزوین به دلیل برف سنگین",
        "province_code": "IR-26",
    }
    response = await api.post("/admin/closures", json=closure, headers=await login(api, "admin"))
    assert response.status_code == 201, response.text
    assert response.json()["cases_signalled"] == 1
    moved = await projected(seeded, code, last_seq=2)
    assert moved.due_at > case.due_at
