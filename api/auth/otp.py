"""One-time codes that prove a citizen holds a mobile number.

A code is six random digits, sent by SMS through the same sender as every message, kept only as an HMAC
keyed with the server's secret, valid for a few minutes, for a few guesses, and once.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.edge.limits import enforce, per_hour
from database.models import OtpChallenge
from database.sessions import transaction
from infra.settings import Settings
from schemas.text import mask_mobile
from sms.sender import OutboxSmsSender, SmsSender
from timekeeping.persian import persian_digits

log = logging.getLogger("foad.otp")

OTP_TEMPLATE = "otp"
OTP_TEXT = "فواد ۱۲۸: کد تأیید شما {code} است. این کد را به کسی ندهید."


class OtpRejected(Exception):
    """The code is wrong, expired, spent, or there is none. One answer for every cause: telling them apart
    would tell a stranger whether a mobile has a live code (and how many guesses it has left)."""

    reason = "the code is wrong or expired; ask for a new one if it keeps failing"

    def __init__(self) -> None:
        super().__init__(self.reason)


def _digest(mobile: str, code: str, settings: Settings) -> str:
    return hmac.new(settings.secret_key.encode(), f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


async def send_code(
    *, sessions: async_sessionmaker[AsyncSession], sender: SmsSender, settings: Settings, mobile: str, client: str
) -> timedelta:
    """Issues a new code for `mobile` (earlier unused ones stop working) and sends it; returns its lifetime."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.otp_minutes)
    async with transaction(sessions) as session:
        await session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.mobile == mobile, OtpChallenge.used_at.is_(None))
            .values(used_at=now)
        )
        challenge = OtpChallenge(
            mobile=mobile,
            code_hash=_digest(mobile, code, settings),
            created_at=now,
            expires_at=now + lifetime,
            attempts=0,
            client=client[:64],
        )
        session.add(challenge)
        await session.flush()
        challenge_id = challenge.id
    body = OTP_TEXT.format(code=persian_digits(code))
    await sender.send(key=f"otp:{challenge_id}", tracking_code="", mobile=mobile, template=OTP_TEMPLATE, body=body)
    if settings.environment == "development":
        log.info("development only: one-time code for %s is %s", mask_mobile(mobile), code)
    return lifetime


async def verify_code(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, mobile: str, code: str
) -> None:
    """Spends the mobile's live code if `code` matches it; raises OtpRejected otherwise.

    The attempt is counted in its own transaction before the comparison, so a wrong guess always counts.
    """
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        challenge = await _live_challenge(session, mobile, now)
        if challenge is None:
            raise OtpRejected()
        challenge.attempts += 1
        if not hmac.compare_digest(challenge.code_hash, _digest(mobile, code, settings)):
            left = settings.otp_max_attempts - challenge.attempts
            if left <= 0:
                challenge.used_at = now
            wrong = OtpRejected()
        else:
            challenge.used_at = now
            wrong = None
    if wrong is not None:
        raise wrong


async def _live_challenge(session: AsyncSession, mobile: str, now: datetime) -> OtpChallenge | None:
    return await session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.mobile == mobile, OtpChallenge.used_at.is_(None), OtpChallenge.expires_at > now)
        .order_by(OtpChallenge.id.desc())
        .limit(1)
        .with_for_update()
    )


def sms_sender(app_state: object, sessions: async_sessionmaker[AsyncSession]) -> SmsSender:
    """The app's sender (tests may put one on app.state), else the outbox every message goes through."""
    return getattr(app_state, "sms_sender", None) or OutboxSmsSender(sessions)


async def issue_limited(
    *, sessions: async_sessionmaker[AsyncSession], sender: SmsSender, settings: Settings, mobile: str, client: str
) -> timedelta:
    """send_code behind the per-address and per-mobile hourly limits (the JSON API and the pages alike)."""
    await enforce(sessions, per_hour("otp-request-client", settings.otp_per_client_per_hour), client)
    await enforce(sessions, per_hour("otp-request-mobile", settings.otp_per_mobile_per_hour), mobile)
    return await send_code(sessions=sessions, sender=sender, settings=settings, mobile=mobile, client=client)


async def verify_limited(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, mobile: str, code: str, client: str
) -> None:
    """verify_code behind the per-address and per-mobile hourly limits on guesses."""
    await enforce(sessions, per_hour("otp-verify-client", settings.otp_verify_per_client_per_hour), client)
    await enforce(sessions, per_hour("otp-verify-mobile", settings.otp_verify_per_mobile_per_hour), mobile)
    await verify_code(sessions=sessions, settings=settings, mobile=mobile, code=code)
