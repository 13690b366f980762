"""A caller without a smartphone: the operator sends a one-time code to the case's own mobile, the caller reads it
back, and only then does the operator see the caller's cases and record the caller's feedback (pages, no browser:
the real worker on the time-skipping server)."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import select

from api.pages.operator import CALLER_PROOF_TYP
from database.models import AccessRecord, Case, SmsOutbox, User
from schemas.text import latin_digits
from tests.apiutil import file, http, login, make_app, open_task, projected
from tests.factories import MOBILE, PASSWORD, complaint

ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}


@pytest.fixture
def app(temporal_env, seeded, task_queue, worker):
    return make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)


def pages(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://foad.test")


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@asynccontextmanager
async def operator_session(app, username: str = "operator1") -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The operator logged in on the pages, on the caller page, and its CSRF token."""
    async with pages(app) as client:
        token = csrf((await client.get("/login")).text)
        await client.post("/login", data={"csrf": token, "username": username, "password": PASSWORD})
        form = await client.get("/operator/caller")
        assert form.status_code == 200 and "کد رهگیری شکایت" in form.text
        yield client, csrf(form.text)


async def awaiting_feedback(api: httpx.AsyncClient, seeded, body: dict | None = None) -> str:
    code = await file(api, body)
    senior = await login(api, "sso-senior")
    await open_task(api, senior, code, "review")
    assert (await api.post(f"/cases/{code}/review", json=ACCEPT, headers=senior)).status_code == 200
    takestan = await login(api, "sso-takestan")
    task = await open_task(api, takestan, code, "handling")
    assert (await api.post(f"/tasks/{task['task_id']}/complete", json=DONE, headers=takestan)).status_code == 200
    await open_task(api, senior, code, "approval")
    approved = await api.post(
        f"/cases/{code}/approve",
        json={"result_note": "جایگزین مستقر شد", "outcome": "substitute_assigned"},
        headers=senior,
    )
    assert approved.status_code == 200, approved.text
    await projected(seeded, code, status="awaiting_feedback")
    return code


async def sent_code(seeded, mobile: str = MOBILE) -> str:
    async with seeded() as session:
        body = await session.scalar(
            select(SmsOutbox.body)
            .where(SmsOutbox.template == "otp", SmsOutbox.mobile == mobile)
            .order_by(SmsOutbox.id.desc())
        )
    return re.search(r"\d{6}", latin_digits(body)).group(0)


async def test_the_operator_records_a_callers_feedback_after_the_code_is_read_back(app, seeded):
    async with http(app) as api:
        code = await awaiting_feedback(api, seeded)
        other = await file(api, complaint(description="یک شکایت دیگر از همین شهروند درباره همان باجه"))
    await projected(seeded, other)
    async with operator_session(app) as (client, token):
        asked = await client.post("/operator/caller/code", data={"csrf": token, "tracking_code": code})
        assert asked.status_code == 200 and "۰۹۱۲***۴۵۶۷" in asked.text
        assert "شکایت‌های تماس‌گیرنده" not in asked.text  # nothing of the caller's is shown before the code
        proved = await client.post(
            "/operator/caller/verify", data={"csrf": token, "tracking_code": code, "code": await sent_code(seeded)}
        )
        assert proved.status_code == 200, proved.text
        shown = proved.text
        assert "شکایت‌های تماس‌گیرنده" in shown
        assert all(f'name="tracking_code" value="{c}"' in shown or c in latin_digits(shown) for c in (code, other))
        assert f'id="caller-feedback-{code}"' in shown and f'id="caller-feedback-{other}"' not in shown
        proof = re.search(r'name="proof" value="([^"]+)"', shown).group(1)
        given = await client.post(
            "/operator/caller/feedback",
            data={"csrf": token, "proof": proof, "tracking_code": code, "satisfied": "yes", "rating": "4"},
        )
        assert given.status_code == 200, given.text
        assert "بازخورد تماس‌گیرنده" in given.text
    case = await projected(seeded, code, status="closed")
    assert (case.satisfied, case.rating) == (True, 4)
    async with seeded() as session:
        seen = set(
            await session.scalars(
                select(AccessRecord.tracking_code).where(
                    AccessRecord.username == "operator1", AccessRecord.what == "caller_cases"
                )
            )
        )
    assert seen == {code, other}


async def test_the_code_can_be_asked_for_by_the_callers_mobile_too(app, seeded):
    async with http(app) as api:
        code = await file(api)
    await projected(seeded, code)
    async with operator_session(app) as (client, token):
        asked = await client.post("/operator/caller/code", data={"csrf": token, "mobile": "۰۹۱۲۱۲۳۴۵۶۷"})
        assert asked.status_code == 200
        proved = await client.post(
            "/operator/caller/verify", data={"csrf": token, "mobile": MOBILE, "code": await sent_code(seeded)}
        )
        assert proved.status_code == 200 and code in latin_digits(proved.text)
        unknown = await client.post("/operator/caller/code", data={"csrf": token, "mobile": "09350000001"})
        assert unknown.status_code == 422 and "شکایتی با این شماره همراه ثبت نشده است" in unknown.text
        bad = await client.post("/operator/caller/code", data={"csrf": token, "tracking_code": "12345"})
        assert bad.status_code == 422 and "شکایتی با این کد رهگیری نیست" in bad.text


async def test_feedback_without_a_proved_code_is_refused_and_changes_nothing(app, seeded):
    async with http(app) as api:
        code = await awaiting_feedback(api, seeded)
    async with http(app, citizen="09351112233") as api:
        stranger = await file(api, complaint(mobile="09351112233"))
    await projected(seeded, stranger)
    async with operator_session(app) as (client, token):
        feedback = {"csrf": token, "tracking_code": code, "satisfied": "yes", "rating": "5"}
        # No proof, a forged one, and a wrong code read back.
        for proof in ("", "not-a-token", jwt.encode({"typ": CALLER_PROOF_TYP, "mob": MOBILE}, "x" * 32)):
            refused = await client.post("/operator/caller/feedback", data=feedback | {"proof": proof})
            assert refused.status_code == 403 and "اثبات نشده" in refused.text
        await client.post("/operator/caller/code", data={"csrf": token, "tracking_code": code})
        wrong = await client.post(
            "/operator/caller/verify", data={"csrf": token, "tracking_code": code, "code": "000000"}
        )
        assert wrong.status_code == 401 and "کد نادرست" in wrong.text and "شکایت‌های تماس‌گیرنده" not in wrong.text

        # Another operator's proof is not this operator's; a proof for one mobile is not for another mobile's case.
        async with seeded() as session:
            admin_id = await session.scalar(select(User.id).where(User.username == "admin"))
            operator_id = await session.scalar(select(User.id).where(User.username == "operator1"))
        soon = datetime.now(UTC) + timedelta(minutes=5)
        secret = app.state.settings.secret_key
        for claims, status in (
            ({"uid": admin_id, "mob": MOBILE}, 403),
            ({"uid": operator_id, "mob": "09351112233"}, 403),
        ):
            proof = jwt.encode({"typ": CALLER_PROOF_TYP, "exp": soon, **claims}, secret, algorithm="HS256")
            refused = await client.post("/operator/caller/feedback", data=feedback | {"proof": proof})
            assert refused.status_code == status, refused.text
    async with seeded() as session:
        case = await session.get(Case, code)
    assert (case.status, case.rating) == ("awaiting_feedback", None)
