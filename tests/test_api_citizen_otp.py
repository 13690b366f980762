"""A citizen proves its mobile with a one-time code sent by SMS: expiry, single use, guesses, rate limits."""

import logging
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from database.models import AccessRecord, OtpChallenge, SmsOutbox
from schemas.text import latin_digits
from tests.apiutil import citizen_auth, file, http, login, make_app, projected
from tests.factories import MOBILE, complaint

ANONYMOUS = {"Authorization": ""}


async def _sent_code(sessions, mobile: str = MOBILE) -> str:
    async with sessions() as session:
        body = await session.scalar(
            select(SmsOutbox.body)
            .where(SmsOutbox.template == "otp", SmsOutbox.mobile == mobile)
            .order_by(SmsOutbox.id.desc())
            .limit(1)
        )
    assert body is not None, "no one-time code in the outbox"
    return re.search(r"\d{6}", latin_digits(body)).group()


async def _ask(api, mobile: str = MOBILE):
    return await api.post("/citizen/otp", json={"mobile": mobile}, headers=ANONYMOUS)


async def _verify(api, code: str, mobile: str = MOBILE):
    return await api.post("/citizen/otp/verify", json={"mobile": mobile, "code": code}, headers=ANONYMOUS)


async def test_a_code_sent_by_sms_buys_a_token_that_files_and_reads_the_citizens_own_cases(api, seeded):
    sent = await _ask(api, "+98 912 123 4567")
    assert sent.status_code == 202, sent.text
    assert sent.json()["expires_in"] == 300 and MOBILE not in sent.text
    code = await _sent_code(seeded)
    verified = await _verify(api, "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in code))  # typed in Persian digits
    assert verified.status_code == 200, verified.text
    token = {"Authorization": f"Bearer {verified.json()['access_token']}"}

    tracking = await file(api, headers=token)
    await projected(seeded, tracking)
    mine = await api.get("/citizen/cases", headers=token)
    assert [c["tracking_code"] for c in mine.json()] == [tracking]
    detail = await api.get(f"/citizen/cases/{tracking}", headers=token)
    assert detail.status_code == 200
    assert detail.json()["description"].startswith("کارمند باجه")
    async with seeded() as session:
        access = await session.scalar(select(AccessRecord).where(AccessRecord.tracking_code == tracking))
    assert (access.what, access.username) == ("citizen_case", "citizen:0912***4567")


async def test_the_code_is_stored_only_as_a_keyed_hash(api, seeded):
    await _ask(api)
    code = await _sent_code(seeded)
    async with seeded() as session:
        stored = await session.scalar(select(OtpChallenge.code_hash).where(OtpChallenge.mobile == MOBILE))
    assert code not in stored and len(stored) == 64


async def test_a_code_works_once(api, seeded):
    await _ask(api)
    code = await _sent_code(seeded)
    assert (await _verify(api, code)).status_code == 200
    again = await _verify(api, code)
    assert again.status_code == 401 and again.json()["error"]["code"] == "otp_invalid"


async def test_an_expired_code_is_refused(api, seeded):
    await _ask(api)
    code = await _sent_code(seeded)
    async with seeded() as session, session.begin():
        await session.execute(update(OtpChallenge).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert (await _verify(api, code)).status_code == 401


async def test_a_new_code_retires_the_old_one(api, seeded):
    await _ask(api)
    first = await _sent_code(seeded)
    await _ask(api)
    second = await _sent_code(seeded)
    if first != second:
        assert (await _verify(api, first)).status_code == 401
    assert (await _verify(api, second)).status_code == 200


async def test_wrong_guesses_spend_the_code(api, seeded):
    await _ask(api)
    code = await _sent_code(seeded)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert [(await _verify(api, wrong)).status_code for _ in range(5)] == [401] * 5
    assert (await _verify(api, code)).status_code == 401  # the right code comes too late


def _answer(response) -> tuple[int, dict]:
    body = response.json()["error"]
    body.pop("request_id", None)
    return response.status_code, body


async def test_a_wrong_code_gets_one_answer_whatever_the_cause(api, seeded):
    """No live code, a wrong guess, the last guess, a spent code: a stranger cannot tell which mobile has a
    live code, nor how many guesses are left."""
    never_asked = _answer(await _verify(api, "123456", "09357778899"))
    await _ask(api)
    code = await _sent_code(seeded)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    guesses = [_answer(await _verify(api, wrong)) for _ in range(5)]
    spent = _answer(await _verify(api, code))
    assert never_asked[0] == 401
    assert all(answer == never_asked for answer in [*guesses, spent]), (never_asked, guesses, spent)


async def test_malformed_codes_and_mobiles_are_422_naming_the_field(api):
    response = await api.post("/citizen/otp/verify", json={"mobile": MOBILE, "code": "12ab"}, headers=ANONYMOUS)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.code"
    assert (await _ask(api, "12345")).status_code == 422


async def test_requests_for_one_mobile_are_limited_with_a_retry_time(seeded):
    app = make_app(sessions=seeded, otp_per_mobile_per_hour=3)
    async with http(app, citizen=None) as client:
        answers = [(await _ask(client)).status_code for _ in range(4)]
        assert answers == [202, 202, 202, 429]
        refused = await _ask(client)
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        assert (await _ask(client, "09351112233")).status_code == 202  # another mobile has its own budget


async def test_requests_and_guesses_from_one_address_are_limited(seeded):
    app = make_app(sessions=seeded, otp_per_client_per_hour=2, otp_verify_per_client_per_hour=2)
    async with http(app, citizen=None) as client:
        assert [(await _ask(client, m)).status_code for m in ("09120000001", "09120000002", "09120000003")] == [
            202,
            202,
            429,
        ]
        guesses = [(await _verify(client, "000000", "09120000001")).status_code for _ in range(3)]
        assert guesses == [401, 401, 429]


async def test_citizen_intake_is_limited_per_address(seeded, worker, temporal_env, task_queue):
    app = make_app(sessions=seeded, client=temporal_env.client, task_queue=task_queue, intake_per_client_per_hour=1)
    async with http(app) as client:
        await file(client)
        second = await client.post("/complaints", json=complaint(), headers={"Idempotency-Key": "second-one-x"})
        assert second.status_code == 429
        operator = await login(client, "operator1")
        assert (await client.post("/complaints", json=complaint(), headers=operator)).status_code == 201


async def test_filing_needs_the_token_of_the_complaints_own_mobile(api):
    response = await api.post("/complaints", json=complaint(), headers=citizen_auth("09351112233"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "mobile_mismatch"
    response = await api.post("/complaints", json=complaint(), headers=ANONYMOUS)
    assert response.status_code == 401 and response.json()["error"]["code"] == "citizen_token_required"


async def test_the_code_reaches_the_log_only_in_development(seeded, caplog):
    for environment, logged in (("test", False), ("development", True)):
        caplog.clear()
        async with http(make_app(sessions=seeded, environment=environment), citizen=None) as client:
            with caplog.at_level(logging.INFO, logger="foad"):
                assert (await _ask(client, "09120000009")).status_code == 202
        code = await _sent_code(seeded, "09120000009")
        assert (code in caplog.text) is logged, environment
