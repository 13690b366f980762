"""Checking a staff login, shared by the token endpoint and the login page: the per-address rate limit,
and the lockout after repeated wrong passwords."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.edge.errors import TooManyRequests, Unauthorized
from api.edge.limits import enforce, per_hour
from database.models import User
from database.sessions import transaction
from infra.passwords import verify_password
from infra.settings import Settings
from schemas.enums import Role


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    role: Role


async def authenticate(
    *, sessions: async_sessionmaker[AsyncSession], settings: Settings, username: str, password: str, client: str
) -> LoggedIn:
    """The user the password belongs to; raises TooManyRequests (rate limit, lockout) or Unauthorized."""
    await enforce(sessions, per_hour("login-client", settings.login_per_client_per_hour), client)
    now = datetime.now(UTC)
    async with transaction(sessions) as session:  # its own: a failure counts although the request then fails
        user = await session.scalar(select(User).where(User.username == username))
        attempt = _attempt(user, password, settings=settings, now=now)
    if attempt.locked_for is not None:
        raise TooManyRequests(
            "the account is locked after repeated failed logins",
            code="account_locked",
            message_fa="حساب به دلیل ورودهای نادرست پیاپی موقتاً قفل شده است.",
            retry_after=attempt.locked_for,
        )
    if user is None or not attempt.accepted:
        raise Unauthorized(
            "wrong username or password, or the account is inactive",
            message_fa="نام کاربری یا گذرواژه نادرست است یا حساب غیرفعال است",
        )
    return LoggedIn(user_id=user.id, role=Role(user.role))


@dataclass(frozen=True)
class _Attempt:
    accepted: bool
    locked_for: int | None = None  # seconds the account stays locked, if it is


def _attempt(user: User | None, password: str, *, settings: Settings, now: datetime) -> _Attempt:
    """Counts one login attempt on the user's row: a right password resets the count, the last wrong one locks."""
    if user is None:
        return _Attempt(accepted=False)
    if user.locked_until is not None and user.locked_until > now:
        return _Attempt(accepted=False, locked_for=int((user.locked_until - now).total_seconds()) + 1)
    if user.active and verify_password(password, user.password_hash):
        user.failed_logins, user.locked_until = 0, None
        return _Attempt(accepted=True)
    user.failed_logins += 1
    if user.failed_logins < settings.login_max_failures:
        return _Attempt(accepted=False)
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    user.locked_until, user.failed_logins = now + lockout, 0
    return _Attempt(accepted=False, locked_for=int(lockout.total_seconds()))
