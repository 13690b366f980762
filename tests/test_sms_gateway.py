"""The SMS dispatcher against a local server playing the gateway: success, 5xx, 429, timeouts, never twice."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from database.models import SmsOutbox
from database.sessions import transaction
from infra.settings import Settings
from schemas.text import latin_digits
from sms.dispatch import SmsDispatcher, build_gateway
from sms.sender import OutboxSmsSender, render
from tests.apiutil import file
from tests.factories import MOBILE
from tests.fakegateway import FakeGateway
from tests.polling import eventually_async


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake():
    with FakeGateway() as gateway:
        yield gateway


def settings_for(fake: FakeGateway, **overrides) -> Settings:
    values = dict(
        environment="test",
        sms_gateway="kavenegar",
        sms_gateway_api_key=fake.api_key,
        sms_gateway_url=fake.kavenegar_url,
        sms_sender="10004346",
        sms_gateway_timeout_seconds=0.5,
        sms_backoff_seconds=2,
        sms_max_attempts=3,
        sms_delivery_poll_seconds=30,
    )
    return Settings(**(values | overrides))


@pytest.fixture
async def dispatch(sessions, fake):
    """Builds a dispatcher on the fake gateway with a hand-driven clock; closes its HTTP clients after."""
    built = []

    def make(**overrides) -> tuple[SmsDispatcher, Clock]:
        clock = Clock()
        gateway = build_gateway(settings_for(fake, **overrides))
        assert gateway is not None
        built.append(gateway)
        return SmsDispatcher(sessions, gateway, settings_for(fake, **overrides), clock=clock), clock

    yield make
    for gateway in built:
        await gateway.aclose()


async def queue(sessions, n: int = 1) -> list[int]:
    sender = OutboxSmsSender(sessions)
    ids = []
    for i in range(n):
        body = render("registered", {"tracking_code": f"1234567890{i}", "due_at": "2026-11-23T11:05:00+00:00"})
        ids.append(
            int(
                await sender.send(
                    key=f"k{i}", tracking_code=f"1234567890{i}", mobile=MOBILE, template="registered", body=body
                )
            )
        )
    return ids


async def row(sessions, row_id: int) -> SmsOutbox:
    async with sessions() as session:
        found = await session.get(SmsOutbox, row_id)
    assert found is not None
    return found


def test_no_gateway_is_the_default():
    assert build_gateway(Settings(environment="test")) is None


async def test_kavenegar_send_records_message_id_and_delivery(sessions, fake, dispatch):
    dispatcher, clock = dispatch()
    [row_id] = await queue(sessions)
    report = await dispatcher.run_once()
    assert report.sent == [row_id]
    sent = await row(sessions, row_id)
    assert (sent.status, sent.gateway, sent.delivery_status, sent.attempts, sent.segments) == (
        "sent",
        "kavenegar",
        "queued",
        1,
        2,
    )
    [params] = fake.sends()
    assert params["receptor"] == MOBILE and params["localid"] == str(row_id) and params["sender"] == "10004346"
    assert params["message"] == sent.body and "کد رهگیری" in params["message"]
    assert sent.gateway_message_id == str(fake.accepted[str(row_id)]["messageid"])

    fake.delivered.add(sent.gateway_message_id)
    assert (await dispatcher.run_once()).delivery_updates == 0  # not due for a status poll yet
    clock.advance(31)
    assert (await dispatcher.run_once()).delivery_updates == 1
    assert (await row(sessions, row_id)).delivery_status == "delivered"
    assert len(fake.sends()) == 1


async def test_5xx_is_retried_after_a_backoff(sessions, fake, dispatch):
    dispatcher, clock = dispatch()
    fake.script.extend(["5xx", "5xx"])
    [row_id] = await queue(sessions)
    assert (await dispatcher.run_once()).retrying == [row_id]
    waiting = await row(sessions, row_id)
    assert waiting.status == "pending" and "500" in (waiting.last_error or "")
    assert waiting.next_attempt_at == clock.now + timedelta(seconds=2)
    assert (await dispatcher.run_once()).retrying == []  # not due yet: nothing is claimed
    clock.advance(2)
    assert (await dispatcher.run_once()).retrying == [row_id]
    assert (await row(sessions, row_id)).next_attempt_at == clock.now + timedelta(seconds=4)  # doubled
    clock.advance(4)
    assert (await dispatcher.run_once()).sent == [row_id]
    assert (await row(sessions, row_id)).attempts == 3


async def test_rate_limit_waits_at_least_retry_after(sessions, fake, dispatch):
    dispatcher, clock = dispatch(sms_backoff_seconds=0.1)
    fake.script.append("429")
    [row_id] = await queue(sessions)
    assert (await dispatcher.run_once()).retrying == [row_id]
    assert (await row(sessions, row_id)).next_attempt_at == clock.now + timedelta(seconds=1)
    clock.advance(1)
    assert (await dispatcher.run_once()).sent == [row_id]


async def test_out_of_attempts_or_refused_is_failed(sessions, fake, dispatch):
    dispatcher, clock = dispatch(sms_max_attempts=2)
    fake.script.extend(["5xx", "reject", "5xx"])
    first, second = await queue(sessions, 2)
    report = await dispatcher.run_once()  # first: 5xx, second: refused for good
    assert report.retrying == [first] and report.failed == [second]
    assert "411" in ((await row(sessions, second)).last_error or "")
    clock.advance(60)
    assert (await dispatcher.run_once()).failed == [first]  # 5xx again, and out of attempts
    assert (await row(sessions, first)).status == "failed"
    clock.advance(600)
    await dispatcher.run_once()
    assert len(fake.sends()) == 3


async def test_timeout_before_acceptance_is_looked_up_then_resent_once(sessions, fake, dispatch):
    dispatcher, clock = dispatch()
    fake.script.append("timeout")
    [row_id] = await queue(sessions)
    assert (await dispatcher.run_once()).unknown == [row_id]
    assert (await row(sessions, row_id)).status == "unknown"
    clock.advance(2)
    report = await dispatcher.run_once()  # the gateway never got it: back to pending, and sent in the same round
    assert report.retrying == [row_id] and report.sent == [row_id]
    assert (await row(sessions, row_id)).attempts == 2
    assert len(fake.sends()) == 2 and len(fake.accepted) == 1


async def test_timeout_after_acceptance_is_not_sent_again(sessions, fake, dispatch):
    dispatcher, clock = dispatch()
    fake.script.append("accept_then_timeout")
    [row_id] = await queue(sessions)
    assert (await dispatcher.run_once()).unknown == [row_id]
    clock.advance(2)
    assert (await dispatcher.run_once()).sent == [row_id]
    sent = await row(sessions, row_id)
    assert sent.gateway_message_id == str(fake.accepted[str(row_id)]["messageid"])
    assert len(fake.sends()) == 1


async def test_a_stale_claim_is_looked_up_not_resent(sessions, fake, dispatch):
    """A dispatcher that died mid-send left the row `sending`; the gateway had taken the message."""
    dispatcher, clock = dispatch(sms_claim_timeout_seconds=60)
    [row_id] = await queue(sessions)
    fake._take(str(row_id), {"receptor": MOBILE})
    async with transaction(sessions) as session:
        await session.execute(
            update(SmsOutbox)
            .where(SmsOutbox.id == row_id)
            .values(status="sending", claim_token="dead", claimed_at=clock.now, attempts=1)
        )
    assert (await dispatcher.run_once()).sent == []
    clock.advance(61)
    assert (await dispatcher.run_once()).sent == [row_id]
    assert fake.sends() == []


async def test_generic_gateway_without_dedupe_never_resends_an_unsure_send(sessions, fake, dispatch):
    dispatcher, clock = dispatch(sms_gateway="generic", sms_gateway_url=f"{fake.url}/generic/send")
    fake.script.append("accept_then_timeout")
    first, second = await queue(sessions, 2)
    report = await dispatcher.run_once()
    assert report.unknown == [first] and report.sent == [second]
    assert (await row(sessions, second)).gateway_message_id == str(fake.accepted[str(second)]["messageid"])
    clock.advance(2)
    assert (await dispatcher.run_once()).unconfirmed == [first]
    clock.advance(600)
    await dispatcher.run_once()
    assert (await row(sessions, first)).status == "unconfirmed"
    assert [p["to"] for p in fake.sends()] == [MOBILE, MOBILE]


async def test_generic_gateway_that_dedupes_gets_the_same_idempotency_key_again(sessions, fake, dispatch):
    dispatcher, clock = dispatch(
        sms_gateway="generic", sms_gateway_url=f"{fake.url}/generic/send", sms_generic_dedupes=True
    )
    fake.script.append("accept_then_timeout")
    [row_id] = await queue(sessions)
    await dispatcher.run_once()
    clock.advance(2)
    report = await dispatcher.run_once()  # no look-up on a generic gateway, but it dedupes: send again
    assert report.retrying == [row_id] and report.sent == [row_id]
    assert len(fake.sends()) == 2 and len(fake.accepted) == 1


async def test_concurrent_dispatchers_send_each_row_once(db, fake):
    ids = await queue(db, 12)
    settings = settings_for(fake, sms_gateway_timeout_seconds=5)
    gateways = [build_gateway(settings) for _ in range(3)]
    dispatchers = [SmsDispatcher(db, g, settings, batch_size=5) for g in gateways if g is not None]
    reports = []
    for _ in range(3):  # three rounds of three dispatchers racing for batches of five
        reports += await asyncio.gather(*(d.run_once() for d in dispatchers))
    for gateway in gateways:
        assert gateway is not None
        await gateway.aclose()
    assert sorted(i for r in reports for i in r.sent) == ids
    assert sorted(int(p["localid"]) for p in fake.sends()) == ids
    async with db() as session:
        statuses = set(await session.scalars(select(SmsOutbox.status)))
    assert statuses == {"sent"}


async def test_a_filed_complaints_sms_reaches_the_gateway_in_persian(api, seeded, fake, dispatch):
    """The whole chain: intake -> workflow -> send_sms activity -> outbox -> dispatcher -> gateway."""
    dispatcher, _ = dispatch()
    code = await file(api)

    async def sent_to_gateway() -> dict | None:
        await dispatcher.run_once()
        return next((p for p in fake.sends() if code in latin_digits(p["message"])), None)

    params = await eventually_async(sent_to_gateway, timeout=30)
    assert params["message"].startswith("فواد ۱۲۸: شکایت شما ثبت شد") and params["receptor"] == MOBILE
    async with seeded() as session:
        row = await session.scalar(select(SmsOutbox).where(SmsOutbox.tracking_code == code))
    assert row is not None and row.status == "sent" and row.gateway_message_id


async def test_a_look_up_that_keeps_failing_ends_unconfirmed_instead_of_asking_for_ever(sessions, fake, dispatch):
    dispatcher, clock = dispatch()  # three attempts
    fake.script.append("timeout")
    [row_id] = await queue(sessions)
    assert (await dispatcher.run_once()).unknown == [row_id]  # attempt 1: the send's answer never came
    fake.failing_lookups = True
    clock.advance(600)
    assert (await dispatcher.run_once()).unknown == [row_id]  # attempt 2: the look-up failed
    clock.advance(600)
    assert (await dispatcher.run_once()).unconfirmed == [row_id]  # attempt 3: left to a person
    clock.advance(6000)
    assert (await dispatcher.run_once()).unconfirmed == []
    unconfirmed = await row(sessions, row_id)
    assert (unconfirmed.status, unconfirmed.attempts) == ("unconfirmed", 3)
    assert "look-up failed" in unconfirmed.last_error
    assert len(fake.sends()) == 1
