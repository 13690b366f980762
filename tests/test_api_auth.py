"""Login, tokens, and who may see or do what."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import update

from api.auth.tokens import ALGORITHM
from database.models import User
from infra.settings import DEV_SECRET
from tests.apiutil import file, login, open_task, projected
from tests.factories import PASSWORD, complaint

REJECT = {"decision": "reject", "referral_note": "به دیوان عدالت اداری مراجعه کنید"}


async def test_login_returns_a_bearer_token_with_the_role(api):
    response = await api.post("/auth/token", data={"username": "sso-senior", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["role"]) == ("bearer", "senior_coordinator")
    assert body["expires_in"] > 0
    me = await api.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["agency_id"]) == ("sso-senior", "sso")


async def test_wrong_password_is_401(api):
    response = await api.post("/auth/token", data={"username": "sso-senior", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_inactive_user_cannot_log_in_and_its_token_stops_working(api, seeded):
    headers = await login(api, "operator1")
    async with seeded() as session, session.begin():
        await session.execute(update(User).where(User.username == "operator1").values(active=False))
    assert (await api.post("/auth/token", data={"username": "operator1", "password": PASSWORD})).status_code == 401
    assert (await api.get("/cases", headers=headers)).status_code == 401


async def test_staff_endpoints_need_a_token(api):
    for path in ("/cases", "/tasks", "/auth/me"):
        response = await api.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_forged_or_expired_token_is_401(api):
    now = datetime.now(UTC)
    forged = jwt.encode({"sub": "1", "exp": now + timedelta(hours=1)}, "x" * 40, algorithm=ALGORITHM)
    expired = jwt.encode(
        {"sub": "1", "typ": "staff", "exp": now - timedelta(minutes=1)}, DEV_SECRET, algorithm=ALGORITHM
    )
    for token in (forged, expired, "not-a-jwt"):
        response = await api.get("/cases", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


async def test_senior_coordinator_of_another_agency_is_403(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    other = await login(api, "nigc-senior")
    response = await api.post(f"/cases/{code}/review", json=REJECT, headers=other)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (await api.get(f"/cases/{code}", headers=other)).status_code == 403
    listed = await api.get("/cases", headers=other)
    assert code not in [c["tracking_code"] for c in listed.json()["items"]]


async def test_auditor_reads_every_case_but_cannot_act(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    auditor = await login(api, "auditor")
    detail = await api.get(f"/cases/{code}", headers=auditor)
    assert detail.status_code == 200
    assert detail.json()["citizen"]["masked"] is False
    assert (await api.post(f"/cases/{code}/review", json=REJECT, headers=auditor)).status_code == 403
    assert (await api.post("/complaints", json=complaint(), headers=auditor)).status_code == 403


async def test_unit_coordinator_sees_only_cases_with_a_task_for_its_units(api, seeded):
    code = await file(api)
    await projected(seeded, code)
    takestan = await login(api, "sso-takestan")
    assert (await api.get(f"/cases/{code}", headers=takestan)).status_code == 403
    senior = await login(api, "sso-senior")
    accept = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
    assert (await api.post(f"/cases/{code}/review", json=accept, headers=senior)).status_code == 200
    task = await open_task(api, takestan, code, "handling")
    detail = await api.get(f"/cases/{code}", headers=takestan)
    assert detail.status_code == 200
    assert detail.json()["citizen"]["masked"] is True
    eslamshahr = await login(api, "sso-eslamshahr")
    body = {"outcome": "resolved_by_phone", "note": "تماس گرفته شد"}
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=body, headers=eslamshahr)).status_code == 403
    assert (await api.get(f"/cases/{code}", headers=eslamshahr)).status_code == 403


async def test_operator_has_no_task_inbox(api):
    operator = await login(api, "operator1")
    assert (await api.get("/tasks", headers=operator)).status_code == 403
    assert (await api.get("/cases", headers=operator)).status_code == 200
