"""A citizen's SMS to the line, delivered by the fake gateway to the receive callback as Kavenegar and as the
generic gateway send it: a digit 1 to 5 is feedback on the case waiting for it; anything else gets one help SMS;
an unknown mobile, a malformed message and a wrong secret change nothing."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from database.models import Case, CaseEventRow, SmsOutbox
from sms.inbound import parse, rating
from tests.apiutil import file, http, login, make_app, open_task, projected, served
from tests.factories import MOBILE
from tests.fakegateway import deliver_inbound

SECRET = "inbound-secret-for-the-tests-0123"
ACCEPT = {"decision": "accept", "unit_id": "sso-qazvin-takestan", "action_order": "با شعبه تماس بگیرید"}
DONE = {"outcome": "substitute_assigned", "note": "کارمند جایگزین به باجه اعزام شد"}


@pytest.fixture
async def callback(temporal_env, seeded, task_queue, worker) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The app on a real port with the shared secret set: the receive callbacks' URL, and an API client."""
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue, sms_inbound_secret=SECRET)
    async with served(app) as root, http(app) as client:
        yield f"{root}/api/v1/sms/inbound", client


async def _awaiting_feedback(api: httpx.AsyncClient, seeded) -> str:
    code = await file(api)
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


async def _deliver(url: str, flavour: str, text: str, *, mobile: str = MOBILE, secret: str = SECRET, **kw):
    return await asyncio.to_thread(deliver_inbound, url, flavour=flavour, mobile=mobile, text=text, secret=secret, **kw)


async def _outbox(seeded, template: str) -> list[SmsOutbox]:
    async with seeded() as session:
        return list(await session.scalars(select(SmsOutbox).where(SmsOutbox.template == template)))


def test_a_reply_is_a_rating_only_when_it_is_one_digit_from_1_to_5_in_any_script():
    assert [rating(t) for t in ("4", " ۴ ", "٤.", "\u200f5", "1")] == [4, 4, 4, 5, 1]
    assert [rating(t) for t in ("0", "6", "44", "۴ ستاره", "چهار", "", "4/5")] == [None] * 7
    message = parse("kavenegar", {"from": "989121234567", "to": "10004346", "message": "۴", "messageid": "77"})
    assert (message.mobile, message.text, message.message_id) == ("09121234567", "۴", "77")


@pytest.mark.parametrize(
    "flavour,reply,expected",
    [("kavenegar", "۴", ("closed", True, 4)), ("generic", "٢", ("in_handling", False, 2))],
)
async def test_a_digit_reply_is_feedback_on_the_mobiles_case_that_waits_for_it(
    callback, seeded, flavour, reply, expected
):
    url, api = callback
    code = await _awaiting_feedback(api, seeded)
    status, answer = await _deliver(url, flavour, reply)
    assert status == 200, answer
    assert (answer["outcome"], answer["tracking_code"]) == ("feedback_recorded", code)
    case = await projected(seeded, code, status=expected[0])
    assert (case.satisfied, case.rating) == expected[1:]  # 1 and 2: not satisfied, the case reopens one level up
    # The gateway calling again with the same message is the same feedback, not a second one.
    again_status, again = await _deliver(url, flavour, reply)
    assert again_status == 200
    async with seeded() as session:
        given = await session.scalar(
            select(func.count()).where(
                CaseEventRow.tracking_code == code, CaseEventRow.kind.in_(("feedback", "reopened"))
            )
        )
    assert given == 1  # closed on a "feedback" event, or reopened on a "reopened" one
    # The result SMS the digit answered said what the digits mean, and carried the tracking page's link.
    (result,) = [m for m in await _outbox(seeded, "result") if m.tracking_code == code]
    assert "۱ تا ۵" in result.body and f"http://127.0.0.1:8000/track/{code}" in result.body


async def test_any_other_text_gets_one_help_sms_not_one_per_message(callback, seeded):
    url, api = callback
    code = await _awaiting_feedback(api, seeded)
    outcomes = [
        (await _deliver(url, flavour, text))[1]["outcome"]
        for flavour, text in [
            ("kavenegar", "ممنون از پیگیری"),
            ("generic", "6"),
            ("kavenegar", "۴ ستاره"),
        ]
    ]
    assert outcomes == ["help_sent", "help_withheld", "help_withheld"]
    (help_sms,) = await _outbox(seeded, "inbound_help")
    assert (help_sms.mobile, help_sms.tracking_code) == (MOBILE, code)
    assert f"http://127.0.0.1:8000/track/{code}" in help_sms.body and "۱ تا ۵" in help_sms.body
    async with seeded() as session:
        assert (await session.get(Case, code)).status == "awaiting_feedback"  # nothing was taken as feedback


async def test_a_digit_from_a_mobile_with_no_case_waiting_gets_the_help_sms(callback, seeded):
    url, api = callback
    code = await file(api)
    await projected(seeded, code)
    status, answer = await _deliver(url, "generic", "5")
    assert (status, answer["outcome"], answer["tracking_code"]) == (200, "help_sent", code)
    async with seeded() as session:
        assert (await session.get(Case, code)).rating is None


async def test_an_unknown_mobile_changes_nothing_and_is_sent_nothing(callback, seeded):
    url, _ = callback
    status, answer = await _deliver(url, "kavenegar", "4", mobile="09350000001")
    assert status == 200
    assert answer["outcome"] == "unknown_mobile" and answer["message_fa"]
    async with seeded() as session:
        assert await session.scalar(select(func.count()).select_from(SmsOutbox)) == 0


async def test_a_wrong_or_missing_secret_is_401_and_changes_nothing(callback, seeded):
    url, api = callback
    code = await _awaiting_feedback(api, seeded)
    before = len(await _outbox(seeded, "result"))
    for flavour in ("kavenegar", "generic"):
        status, answer = await _deliver(url, flavour, "4", secret="not-the-secret-at-all")
        assert status == 401, answer
        assert answer["error"]["code"] == "bad_inbound_secret" and answer["error"]["message_fa"]
    async with httpx.AsyncClient() as bare:
        assert (await bare.post(f"{url}/generic", json={"from": MOBILE, "text": "4"})).status_code == 401
        assert (await bare.get(f"{url}/kavenegar", params={"from": MOBILE, "message": "4"})).status_code == 401
    async with seeded() as session:
        case = await session.get(Case, code)
        assert (case.status, case.rating) == ("awaiting_feedback", None)
    assert len(await _outbox(seeded, "result")) == before and not await _outbox(seeded, "inbound_help")


async def test_a_malformed_message_is_a_422_naming_the_field(callback, seeded):
    url, _ = callback
    status, answer = await _deliver(url, "generic", "4", mobile="not-a-mobile")
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "body.mobile" and answer["error"]["message_fa"]
    async with httpx.AsyncClient() as bare:
        missing = await bare.get(f"{url}/kavenegar", params={"secret": SECRET, "message": "4"})
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "body.mobile"


async def test_the_callback_is_off_without_a_secret(temporal_env, seeded, task_queue, worker):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue)
    async with http(app, citizen=None) as client:
        response = await client.post("/sms/inbound/generic", json={"from": MOBILE, "text": "4"})
    assert response.status_code == 404
