"""Checking a staff login, shared by the token endpoint and the login page: the per-address rate limit, and a
growing delay after repeated wrong passwords for one username from one address.

Two things a stranger must not learn or do:
- which usernames exist: an unknown username is counted, delayed and answered exactly like a known one, and its
  password is checked against a dummy hash, so the answer takes as long;
- lock a real user out: the count is per username *and* address (`login_failures`), so guesses from elsewhere
  delay only the guesser; the account stays open to its owner. At FOAD_LOGIN_MAX_FAILURES wrong passwords in a
  row the pair waits 5 s, then 10, 20, ... up to FOAD_LOGIN_LOCKOUT_MINUTES, before its next try is even checked.
The admins see the pairs being delayed (GET /api/v1/users/login-failures).
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.edge.errors import TooManyRequests, Unauthorized
from api.edge.limits import enforce, per_hour
from database.models import LoginFailure, User
from database.sessions import transaction
from infra.passwords import hash_password, verify_password
from infra.settings import Settings
from schemas.enums import Role

FIRST_DELAY = timedelta(seconds=5)
KEY_LENGTH = 64  # the columns' length: a longer username or address is counted under its first 64 characters


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    role: Role
    generation: int  # the account's session generation, carried by the token and the page session


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no password matches in practice, checked for an unknown username so it costs the same time."""
    return hash_password("foad-no-such-user-dummy-password")


def delay_after(failures: int, settings: Settings) -> timedelta | None:
    """How long the pair waits after its `failures`-th wrong password in a row (None: not yet)."""
    over = failures - settings.login_max_failures
    if over < 0:
        return None
    cap = timedelta(minutes=settings.login_lockout_minutes)
    return min(FIRST_DELAY * 2 ** min(over, 20), cap)


def _refused(retry_after: int) -> TooManyRequests:
    return TooManyRequests(
        "too many wrong logins from this address for this username; wait before the next try",
        code="login_delayed",
        message_fa="ورودهای نادرست پیاپی؛ کمی صبر کنید و دوباره بکوشید.",
        retry_after=retry_after,
    )


def _wrong() -> Unauthorized:
    return Unauthorized(
        "wrong username or password, or the account is inactive",
        message_fa="نام کاربری یا گذرواژه نادرست است یا حساب غیرفعال است",
    )


async def authenticate(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, username: str, password: str, client: str
) -> LoggedIn:
    """The user the password belongs to; raises TooManyRequests (rate limit, delay) or Unauthorized."""
    await enforce(sessions, per_hour("login-client", settings.login_per_client_per_hour), client)
    key = (username[:KEY_LENGTH], client[:KEY_LENGTH])
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        failure = await session.get(LoginFailure, key)
        user = await session.scalar(select(User).where(User.username == username))
        found = (user.id, Role(user.role), user.session_generation, user.password_hash, user.active) if user else None
    if failure is not None and failure.blocked_until is not None and failure.blocked_until > now:
        raise _refused(int((failure.blocked_until - now).total_seconds()) + 1)
    stored_hash = found[3] if found else _dummy_hash()
    matches = await asyncio.to_thread(verify_password, password, stored_hash)
    if found is not None and found[4] and matches:
        async with transaction(sessions) as session:
            await session.execute(
                delete(LoginFailure).where(LoginFailure.username == key[0], LoginFailure.client == key[1])
            )
        return LoggedIn(user_id=found[0], role=found[1], generation=found[2])
    async with transaction(sessions) as session:  # its own: a failure counts although the request then fails
        failure = await session.get(LoginFailure, key, with_for_update=True)
        if failure is None:
            failure = LoginFailure(username=key[0], client=key[1], failures=0, last_failed_at=now)
            session.add(failure)
        failure.failures += 1
        failure.last_failed_at = now
        delay = delay_after(failure.failures, settings)
        failure.blocked_until = now + delay if delay else None
    raise _wrong()


async def failures_seen(session: AsyncSession) -> list[LoginFailure]:
    """The pairs with wrong logins in a row, those delayed last first: for the admins."""
    rows = await session.scalars(
        select(LoginFailure).order_by(LoginFailure.blocked_until.desc(), LoginFailure.last_failed_at.desc()).limit(500)
    )
    return list(rows)
