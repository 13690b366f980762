"""The auditor's view: history from the workflow's own events, and replay against today's code."""

from sqlalchemy import update

from database.models import Case
from tests.apiutil import file, login, open_task, projected

ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "resolved_by_phone", "note": "با رئیس شعبه تماس گرفته شد"}


async def _handled_case(api, seeded) -> str:
    """A case reviewed by the senior coordinator and handled by the Takestan unit, awaiting approval."""
    code = await file(api)
    await projected(seeded, code)
    senior, takestan = await login(api, "sso-senior"), await login(api, "sso-takestan")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    task = await open_task(api, takestan, code, "handling")
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)).status_code == 200
    await projected(seeded, code, status="awaiting_approval")
    return code


async def test_history_lists_each_update_with_its_actor(api, seeded):
    code = await _handled_case(api, seeded)
    response = await api.get(f"/cases/{code}/history", headers=await login(api, "auditor"))
    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert events[0]["kind"] == "workflow_started"
    assert events[0]["actor"]["username"] == "citizen"
    assert events[0]["summary"]["office_unit_id"] == "sso-qazvin-takestan"
    accepted = [(e["name"], e["actor"]["username"]) for e in events if e["kind"] == "update_accepted"]
    assert accepted == [("review", "sso-senior"), ("complete_task", "sso-takestan")]
    review = next(e for e in events if e["kind"] == "update_accepted" and e["name"] == "review")
    assert review["summary"]["chain"][0] == "sso-qazvin-takestan" and review["summary"]["decision"] == "accept"
    completed = [e for e in events if e["kind"] == "update_completed"]
    assert [e["actor"]["username"] for e in completed] == ["sso-senior", "sso-takestan"]
    kinds = {e["kind"] for e in events}
    assert {"activity_scheduled", "activity_completed", "timer_started", "search_attributes_upserted"} <= kinds
    assert all("workflow_task" not in e["kind"] for e in events)


async def test_replay_of_a_recorded_case_succeeds_and_matches_the_read_model(api, seeded):
    code = await _handled_case(api, seeded)
    response = await api.post(f"/cases/{code}/replay", headers=await login(api, "auditor"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["replayed"] is True and report["error"] is None
    assert report["matches_read_model"] is True and report["mismatches"] == []
    assert report["events"] > 10


async def test_replay_reports_a_read_model_that_disagrees_with_the_workflow(api, seeded):
    code = await _handled_case(api, seeded)
    async with seeded() as session, session.begin():
        await session.execute(update(Case).where(Case.tracking_code == code).values(escalations=3))
    report = (await api.post(f"/cases/{code}/replay", headers=await login(api, "admin"))).json()
    assert report["replayed"] is True
    assert report["matches_read_model"] is False
    assert report["mismatches"] == [{"field": "escalations", "read_model": 3, "workflow": 0}]


async def test_history_and_replay_are_for_auditors_and_admins_only(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.get(f"/cases/{code}/history", headers=senior)).status_code == 403
    assert (await api.post(f"/cases/{code}/replay", headers=senior)).status_code == 403
