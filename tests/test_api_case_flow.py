"""A case driven through the HTTP API on the real test server and worker, and actions the state refuses."""

from sqlalchemy import select

from database.models import Case, CaseEventRow, SmsOutbox, Task
from tests.apiutil import file, login, open_task, projected

ACCEPT = {
    "decision": "accept",
    "unit_id": "sso-qazvin-takestan",
    "action_order": "با شعبه تماس بگیرید و جایگزین بفرستید",
}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}


async def test_case_runs_from_intake_to_closed_through_the_api(api, seeded):
    code = await file(api)
    senior = await login(api, "sso-senior")
    review_task = await open_task(api, senior, code, "review")
    assert review_task["indicator"] == 7

    reviewed = await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)
    assert reviewed.status_code == 200, reviewed.text
    assert (reviewed.json()["status"], reviewed.json()["level"]) == ("in_handling", "county")

    takestan = await login(api, "sso-takestan")
    handling = await open_task(api, takestan, code, "handling")
    assert handling["unit_id"] == "sso-qazvin-takestan"
    completed = await api.post(f"/tasks/{handling['task_id']}/complete", json=DONE, headers=takestan)
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "awaiting_approval"

    await open_task(api, senior, code, "approval")
    approved = await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"},
        headers=senior,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "awaiting_feedback"

    await projected(seeded, code, status="awaiting_feedback")
    public = (await api.get(f"/complaints/{code}")).json()
    assert public["feedback_due"] is True and public["result_note"] == "کارمند جایگزین مستقر شد"
    feedback = await api.post(f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5})
    assert feedback.status_code == 202, feedback.text

    case = await projected(seeded, code, status="closed")
    assert (case.satisfied, case.rating, case.outcome) == (True, 5, "substitute_assigned")
    async with seeded() as session:
        tasks = list(await session.scalars(select(Task).where(Task.tracking_code == code).order_by(Task.task_id)))
        kinds = list(await session.scalars(select(CaseEventRow.kind).where(CaseEventRow.tracking_code == code)))
        sms = list(await session.scalars(select(SmsOutbox.template).where(SmsOutbox.tracking_code == code)))
    assert [(t.kind, t.status) for t in tasks] == [
        ("review", "completed"),
        ("handling", "completed"),
        ("approval", "completed"),
    ]
    assert tasks[1].closed_by == "sso-takestan"
    assert kinds == ["registered", "review_accepted", "task_completed", "result_approved", "feedback"]
    assert {"registered", "accepted", "result"} <= set(sms)

    detail = (await api.get(f"/cases/{code}", headers=senior)).json()
    assert detail["status"] == "closed" and detail["live"]["status"] == "closed"
    assert [e["actor_username"] for e in detail["events"]][:3] == ["citizen", "sso-senior", "sso-takestan"]


async def test_invalid_action_is_409_with_the_workflow_reason(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    response = await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "نتیجه‌ای هنوز نیست", "outcome": "substitute_assigned"},
        headers=senior,
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_action"
    assert "no result awaiting approval" in error["message"]
    assert error["details"]["reason_fa"] and error["message_fa"] == error["details"]["reason_fa"]


async def test_accepting_with_a_unit_of_another_agency_is_422_on_unit_id(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    body = ACCEPT | {"unit_id": "nigc-qazvin-alamut-gazorkhan"}
    response = await api.post(f"/cases/{code}/review", json=body, headers=senior)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.unit_id"


async def test_rejection_as_out_of_scope_shows_the_referral_publicly(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    body = {"decision": "reject", "referral_note": "محاسبه مستمری در حیطه فواد نیست؛ به شعبه مراجعه کنید"}
    response = await api.post(f"/cases/{code}/review", json=body, headers=senior)
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    await projected(seeded, code, status="rejected")
    public = (await api.get(f"/complaints/{code}")).json()
    assert public["referral_note"] == body["referral_note"] and public["result_note"] is None


async def test_escalation_moves_the_task_to_the_provincial_unit(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    first = await open_task(api, takestan, code, "handling")
    response = await api.post(f"/cases/{code}/escalate", json={"reason": "شعبه پاسخ نمی‌دهد"}, headers=takestan)
    assert response.status_code == 202, response.text

    provincial = await login(api, "sso-qazvin")
    moved = await open_task(api, provincial, code, "handling")
    assert moved["task_id"] != first["task_id"] and moved["level"] == "provincial"
    case = await projected(seeded, code, level="provincial")
    assert case.escalations == 1
    again = await api.post(f"/cases/{code}/escalate", json={"reason": "دوباره"}, headers=takestan)
    assert again.status_code == 403


async def test_escalating_a_case_not_in_handling_is_409(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    admin = await login(api, "admin")
    response = await api.post(f"/cases/{code}/escalate", json={"reason": "فوری است"}, headers=admin)
    assert response.status_code == 409
    assert response.json()["error"]["details"]["status"] == "in_review"


async def test_send_back_reopens_handling_at_the_same_unit(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    takestan = await login(api, "sso-takestan")
    await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)
    task = await open_task(api, takestan, code, "handling")
    await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)
    response = await api.post(f"/cases/{code}/send-back", json={"reason": "گزارش کامل نیست"}, headers=senior)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["unit_id"]) == ("in_handling", "sso-qazvin-takestan")
    # the unit pressing complete again on its old task is the same action: it gets the first outcome, no second
    repeated = await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)
    assert repeated.status_code == 200 and repeated.json()["status"] == "awaiting_approval"
    stale = await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=senior)
    assert stale.status_code == 409
    state = await api.get(f"/cases/{code}", headers=senior)
    assert [e["kind"] for e in state.json()["events"]].count("task_completed") == 1


async def test_case_list_filters_and_scopes(api, seeded):
    first, second = await file(api), await file(api)
    await projected(seeded, first)
    await projected(seeded, second)
    senior = await login(api, "sso-senior")
    await api.post(f"/cases/{first}/review", json=ACCEPT, headers=senior)
    await projected(seeded, first, status="in_handling")
    listed = await api.get("/cases", params={"status": "in_handling", "agency_id": "sso"}, headers=senior)
    assert [c["tracking_code"] for c in listed.json()["items"]] == [first]
    everything = await api.get("/cases", params={"indicator": 7, "limit": 1}, headers=await login(api, "auditor"))
    assert everything.json()["total"] == 2 and len(everything.json()["items"]) == 1
    assert (await api.get("/cases", params={"indicator": 9}, headers=senior)).status_code == 422


async def test_senior_coordinator_closes_a_case_awaiting_feedback(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior, takestan = await login(api, "sso-senior"), await login(api, "sso-takestan")
    await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)
    task = await open_task(api, takestan, code, "handling")
    await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)
    await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"},
        headers=senior,
    )
    closed = await api.post(f"/cases/{code}/close", json={"reason": "شهروند تلفنی رضایت داد"}, headers=senior)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    await projected(seeded, code, status="closed")
    repeated = await api.post(f"/cases/{code}/close", json={"reason": "دوباره"}, headers=senior)
    assert repeated.status_code == 200 and repeated.json()["status"] == "closed"  # the first press's outcome
    again = await api.post(
        f"/cases/{code}/close", json={"reason": "دوباره"}, headers=senior | {"Idempotency-Key": "another-close-01"}
    )
    assert again.status_code == 409


async def test_escalate_is_refused_at_once_with_the_persian_reason(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    escalate = {"reason": "شعبه پاسخ نمی‌دهد"}
    refused = await api.post(f"/cases/{code}/escalate", json=escalate, headers=senior)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["message_fa"] == "فقط پرونده‌ای که در مرحله رسیدگی است به سطح بالاتر منتقل می‌شود"
    assert error["details"]["status"] == "in_review" and "only a case in handling" in error["message"]

    national = ACCEPT | {"unit_id": "sso-national"}
    assert (await api.post(f"/cases/{code}/review", json=national, headers=senior)).status_code == 200
    refused = await api.post(f"/cases/{code}/escalate", json=escalate, headers=senior)
    assert refused.status_code == 409
    assert refused.json()["error"]["message_fa"] == "پرونده در بالاترین سطح (ستاد ملی) است"
    async with seeded() as session:
        kinds = list(await session.scalars(select(CaseEventRow.kind).where(CaseEventRow.tracking_code == code)))
    assert "ignored_signal" not in kinds and "escalated" not in kinds


async def test_escalation_is_done_when_it_answers_and_a_stale_task_is_refused(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    county = await open_task(api, takestan, code, "handling")
    escalate = {"reason": "شعبه پاسخ نمی‌دهد", "task_id": county["task_id"]}
    moved = await api.post(f"/cases/{code}/escalate", json=escalate, headers=senior)
    assert moved.status_code == 202, moved.text
    async with seeded() as session:  # recorded and projected before the answer: no waiting
        case = await session.get(Case, code)
    assert (case.level, case.escalations) == ("provincial", 1)
    again = await api.post(f"/cases/{code}/escalate", json=escalate, headers=senior)
    assert again.status_code == 202, "the same press on the same task is the same escalation"
    stale = await api.post(f"/cases/{code}/escalate", json=escalate, headers=await login(api, "admin"))
    assert stale.status_code == 409 and "وظیفه" in stale.json()["error"]["message_fa"]
    assert (await projected(seeded, code)).escalations == 1


async def test_feedback_is_refused_at_once_with_the_persian_reason_and_given_once(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    early = await api.post(f"/complaints/{code}/feedback", json={"satisfied": True, "rating": 5})
    assert early.status_code == 409
    error = early.json()["error"]
    assert (error["code"], error["message_fa"]) == ("feedback_not_due", "این پرونده در انتظار بازخورد نیست")
    assert error["details"]["status"] == "in_review"

    senior, takestan = await login(api, "sso-senior"), await login(api, "sso-takestan")
    await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)
    task = await open_task(api, takestan, code, "handling")
    await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)
    await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "کارمند جایگزین مستقر شد", "outcome": "substitute_assigned"},
        headers=senior,
    )
    answer = {"satisfied": True, "rating": 4, "comment": "سپاس"}
    given = await api.post(f"/complaints/{code}/feedback", json=answer)
    assert given.status_code == 202, given.text
    async with seeded() as session:  # recorded before the answer
        case = await session.get(Case, code)
    assert (case.status, case.rating) == ("closed", 4)
    assert (await api.post(f"/complaints/{code}/feedback", json=answer)).status_code == 202, "a retry, the same"
    changed = await api.post(f"/complaints/{code}/feedback", json=answer | {"rating": 1})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "feedback_not_due"
    keyed = await api.post(f"/complaints/{code}/feedback", json=answer, headers={"Idempotency-Key": "another-one-1"})
    assert keyed.status_code == 409 and keyed.json()["error"]["message_fa"] == "این پرونده در انتظار بازخورد نیست"
    assert (await projected(seeded, code)).rating == 4


async def test_a_reply_with_no_question_open_is_refused_at_once_with_the_persian_reason(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    response = await api.post(f"/complaints/{code}/reply", json={"answer": "باجه ۴"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["message_fa"]) == ("no_question_open", "پرسشی از شما در این پرونده باز نیست")
