"""Staff notifications and claiming work, through the HTTP API on the time-skipping server with a real worker.

A case nobody acts on (but the late review) tells each level's coordinators of its arrival and its reminders,
the senior of the overdue review, and the centre of the breach and of the levels run out: each once, as a row of
its own and, for an account with a mobile, one outbox SMS. Two coordinators of one unit claim the same task at
once: one gets 200, the other 409 with who holds it; a claim on a task that moved on is a 409 too.
"""

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from database.models import CaseEventRow, Notification, SmsOutbox, Task
from sms import segments
from tests.apiutil import file, login, open_task, projected
from tests.factories import OFFICE, PASSWORD, complaint
from tests.polling import eventually_async

ACCEPT = {"decision": "accept", "unit_id": OFFICE, "action_order": "با شعبه تماس بگیرید و جایگزین بفرستید"}
MOBILES = {"sso-senior": "09120000001", "sso-takestan": "0912 000 0002", "admin": "+989120000003"}
SECOND = {
    "username": "sso-takestan2",
    "full_name": "مریم کاظمی",
    "role": "unit_coordinator",
    "agency_id": "sso",
    "unit_ids": [OFFICE],
    "password": PASSWORD,
}


async def _event(sessions, code: str, kind: str, timeout: float = 20.0) -> CaseEventRow:
    async def probe() -> CaseEventRow | None:
        async with sessions() as session:
            return await session.scalar(
                select(CaseEventRow).where(CaseEventRow.tracking_code == code, CaseEventRow.kind == kind)
            )

    return await eventually_async(probe, timeout=timeout, what=f"a {kind} event of {code}")


async def _notices(sessions, code: str) -> list[Notification]:
    async with sessions() as session:
        found = await session.scalars(select(Notification).where(Notification.tracking_code == code))
        return list(found)


# First in the module: the tests after it skip hours ahead, and a case filed then breaches at once.
async def test_the_json_api_lists_ones_own_notifications_and_marks_them_read(api, seeded, temporal_env):
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    await _event(seeded, code, "review_accepted")
    unit = await login(api, "sso-takestan")
    mine = (await api.get("/notifications", headers=unit)).json()
    arrived = [n for n in mine["items"] if n["tracking_code"] == code]
    assert [n["kind"] for n in arrived] == ["task_arrived"] and arrived[0]["read_at"] is None
    assert mine["unread"] >= 1 and "۱۲۸" in arrived[0]["body"]

    others = (await api.get("/notifications", headers=senior)).json()["items"]
    foreign = await api.post("/notifications/read", json={"ids": [arrived[0]["id"]]}, headers=senior)
    assert foreign.status_code == 200 and foreign.json()["marked"] == 0, "another person's notification is not marked"
    assert all(n["id"] != arrived[0]["id"] for n in others)

    marked = await api.post("/notifications/read", json={"ids": [arrived[0]["id"]]}, headers=unit)
    assert marked.json()["marked"] == 1 and marked.json()["unread"] == mine["unread"] - 1
    again = await api.post("/notifications/read", json={"ids": [arrived[0]["id"]]}, headers=unit)
    assert again.json()["marked"] == 0, "marking twice changes nothing"
    unread = (await api.get("/notifications", params={"unread_only": True}, headers=unit)).json()["items"]
    assert all(n["id"] != arrived[0]["id"] for n in unread)
    bad = await api.get("/notifications", params={"limit": 0}, headers=unit)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "limit"
    assert (await api.get("/notifications")).status_code in (401, 403), "a citizen has no staff notifications"


async def test_two_coordinators_claim_at_once_one_wins_and_the_loser_is_told_who_holds_it(api, seeded, temporal_env):
    with temporal_env.auto_time_skipping_disabled():  # the county's hour must not pass while the updates wait
        await _claim_race(api, seeded)


async def _claim_race(api, seeded) -> None:
    admin = await login(api, "admin")
    assert (await api.post("/users", json=SECOND, headers=admin)).status_code == 201
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    first, second = await login(api, "sso-takestan"), await login(api, "sso-takestan2")
    task = await open_task(api, first, code, "handling")
    body = {"task_id": task["task_id"]}

    answers = await asyncio.gather(
        api.post(f"/cases/{code}/claim", json=body, headers=first),
        api.post(f"/cases/{code}/claim", json=body, headers=second),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won, lost = sorted(answers, key=lambda a: a.status_code)
    holder = won.json()["holder"]
    assert holder in ("sso-takestan", "sso-takestan2")
    error = lost.json()["error"]
    assert error["code"] == "task_held", error
    assert error["code"] == "task_held" and error["message_fa"] == f"این کار را پیش‌تر {holder} برداشته است"

    # The loser may not complete the task now; the holder releases it, and the senior gives it to the other.
    loser = second if holder == "sso-takestan" else first
    other = "sso-takestan2" if holder == "sso-takestan" else "sso-takestan"
    await _event(seeded, code, "task_claimed")
    done = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}
    refused = await api.post(f"/tasks/{task['task_id']}/complete", json=done, headers=loser)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    not_holder = await api.post(f"/cases/{code}/release", json=body, headers=loser)
    assert not_holder.status_code == 403
    winner = first if holder == "sso-takestan" else second
    released = await api.post(f"/cases/{code}/release", json=body, headers=winner)
    assert released.status_code == 200 and released.json()["holder"] is None
    nobody = await api.post(f"/cases/{code}/reassign", json=body | {"to_username": "sso-qazvin"}, headers=senior)
    assert nobody.status_code == 422 and nobody.json()["error"]["details"][0]["loc"] == ["body", "to_username"]
    unit_cannot = await api.post(f"/cases/{code}/reassign", json=body | {"to_username": other}, headers=winner)
    assert unit_cannot.status_code == 403
    given = await api.post(f"/cases/{code}/reassign", json=body | {"to_username": other}, headers=senior)
    assert given.status_code == 200 and given.json()["holder"] == other

    reassigned = await _event(seeded, code, "task_reassigned")
    assert (reassigned.actor_username, reassigned.data["holder"]) == ("sso-senior", other)
    assert [(n["username"], n["kind"]) for n in reassigned.data["notified"]] == [(other, "task_assigned")]
    async with seeded() as session:
        row = await session.get(Task, task["task_id"])
        kinds = list(
            await session.scalars(
                select(CaseEventRow.kind).where(CaseEventRow.tracking_code == code).order_by(CaseEventRow.seq)
            )
        )
    assert row.holder == other
    assert kinds[-3:] == ["task_claimed", "task_released", "task_reassigned"]
    inbox = (await api.get("/tasks", headers=first)).json()
    assert next(t for t in inbox if t["task_id"] == task["task_id"])["holder"] == other


async def test_a_claim_on_a_task_that_moved_on_is_refused_with_the_reason(api, seeded, temporal_env):
    with temporal_env.auto_time_skipping_disabled():
        await _stale_claim(api, seeded)


async def _stale_claim(api, seeded) -> None:
    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    county = await open_task(api, takestan, code, "handling")
    escalated = await api.post(
        f"/cases/{code}/escalate", json={"reason": "شعبه پاسخ نمی‌دهد", "task_id": county["task_id"]}, headers=senior
    )
    assert escalated.status_code == 202, escalated.text
    await _event(seeded, code, "escalated")

    stale = await api.post(f"/cases/{code}/claim", json={"task_id": county["task_id"]}, headers=takestan)
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["message_fa"] == "این وظیفه دیگر باز نیست؛ پرونده به سطح دیگری رفته یا رسیدگی شده است"
    review = f"{code}-T1"
    not_handling = await api.post(f"/cases/{code}/claim", json={"task_id": review}, headers=takestan)
    assert not_handling.status_code == 409
    unknown = await api.post(f"/cases/{code}/claim", json={"task_id": "x" * 65}, headers=takestan)
    assert unknown.status_code == 422
    provincial = await login(api, "sso-qazvin")
    task = await open_task(api, provincial, code, "handling")
    assert task["task_id"] != county["task_id"]
    claimed = await api.post(f"/cases/{code}/claim", json={"task_id": task["task_id"]}, headers=provincial)
    assert claimed.status_code == 200 and claimed.json()["holder"] == "sso-qazvin"
    again = await api.post(f"/cases/{code}/claim", json={"task_id": task["task_id"]}, headers=provincial)
    assert again.status_code == 200, "a retried press (the same update id) gets the first one's outcome"


# Last in the module: it moves the module's test server clock hours ahead of the wall clock the API files with.
async def test_a_case_nobody_acts_on_tells_each_level_the_senior_and_the_centre_once(api, seeded, temporal_env):
    admin = await login(api, "admin")
    for username, mobile in MOBILES.items():
        response = await api.put(f"/users/{username}/mobile", json={"mobile": mobile}, headers=admin)
        assert response.status_code == 200, response.text
    assert response.json()["mobile"] == "09120000003", "normalised like a citizen's mobile"
    wrong = await api.put("/users/sso-qazvin/mobile", json={"mobile": "12345"}, headers=admin)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["loc"][-1] == "mobile"

    code = await file(api)
    await projected(seeded, code)
    await temporal_env.sleep(timedelta(minutes=25))  # the senior's 20 minutes run out
    await _event(seeded, code, "review_overdue")
    senior = await login(api, "sso-senior")
    reviewed = await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)
    assert reviewed.status_code == 200, reviewed.text
    await temporal_env.sleep(timedelta(minutes=170))  # county, provincial, subordinate, national: nobody answers
    await _event(seeded, code, "escalation_exhausted")

    got = Counter((n.kind, n.username) for n in await _notices(seeded, code))
    assert got == Counter(
        {
            ("review_overdue", "sso-senior"): 1,
            ("task_arrived", "sso-takestan"): 1,
            ("task_reminder", "sso-takestan"): 1,  # 15 minutes before the county's hour (60 before: at arrival)
            ("task_arrived", "sso-qazvin"): 1,
            ("task_reminder", "sso-qazvin"): 1,
            ("reminder", "sso-qazvin"): 1,  # an hour before the 3 hours, the provincial unit holds the case
            ("task_arrived", "sso-subordinate"): 1,
            ("task_reminder", "sso-subordinate"): 1,
            ("task_arrived", "sso-national"): 1,
            ("reminder", "sso-national"): 1,  # 15 minutes before the 3 hours
            ("task_reminder", "sso-national"): 1,
            ("breached", "admin"): 1,
            ("breached", "sso-senior"): 1,
            ("escalation_exhausted", "admin"): 1,
            ("escalation_exhausted", "sso-senior"): 1,
        }
    ), got

    async with seeded() as session:
        breach = await session.scalar(
            select(CaseEventRow).where(CaseEventRow.tracking_code == code, CaseEventRow.kind == "breached")
        )
        outbox = list(
            await session.scalars(
                select(SmsOutbox).where(SmsOutbox.tracking_code == code, SmsOutbox.template.like("staff_%"))
            )
        )
    assert "national_centre_notified" not in breach.data, "what was done, not a constant"
    assert breach.data["notified"] == [
        {"username": "admin", "role": "admin", "kind": "breached", "sms": True},
        {"username": "sso-senior", "role": "senior_coordinator", "kind": "breached", "sms": True},
    ]
    by_recipient = Counter((m.template, m.mobile) for m in outbox)
    assert by_recipient == Counter(
        {
            ("staff_review_overdue", "09120000001"): 1,
            ("staff_task_arrived", "09120000002"): 1,
            ("staff_task_reminder", "09120000002"): 1,
            ("staff_breached", "09120000003"): 1,
            ("staff_breached", "09120000001"): 1,
            ("staff_escalation_exhausted", "09120000003"): 1,
            ("staff_escalation_exhausted", "09120000001"): 1,
        }
    ), "an SMS only to an account with a mobile, once each"
    for message in outbox:
        assert message.status == "pending" and message.segments == segments.count(message.body).segments <= 2
        assert "۱۲۸" in message.body and code not in message.body, "Persian, in Persian digits"


async def test_a_suggestion_and_an_inspection_tell_the_senior_and_the_named_inspector(api, seeded, temporal_env):
    suggestion = await file(api, complaint() | {"contact": "suggestion"})
    await projected(seeded, suggestion, status="forwarded")
    got = Counter((n.kind, n.username) for n in await _notices(seeded, suggestion))
    assert got == Counter({("information_forwarded", "sso-senior"): 1}), got

    code = await file(api)
    await projected(seeded, code)
    senior = await login(api, "sso-senior")
    ordered = ACCEPT | {"inspector": "inspector1"}
    assert (await api.post(f"/cases/{code}/review", json=ordered, headers=senior)).status_code == 200
    await _event(seeded, code, "inspection_ordered")
    await temporal_env.sleep(timedelta(minutes=65))  # the inspection's hour runs out: it passes to the senior
    await _event(seeded, code, "inspection_overdue")
    kinds = Counter((n.kind, n.username) for n in await _notices(seeded, code))
    assert kinds[("inspection_ordered", "inspector1")] == 1 and kinds[("inspection_overdue", "sso-senior")] == 1
