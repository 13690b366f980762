"""Login for staff: an OAuth2 password form in, a bearer token out; repeated failures lock the account."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from api.access_log import client_address
from api.deps import CurrentUser, SessionsDep, SettingsDep
from api.errors import TooManyRequests, Unauthorized
from api.limits import enforce, per_hour
from api.security import create_token
from foad.db import transaction
from foad.models import User
from foad.passwords import verify_password
from schemas.enums import Role

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: Role


class Me(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    agency_id: str | None
    unit_ids: list[str]


@router.post(
    "/token",
    response_model=Token,
    summary="Log in (OAuth2 password form) for a bearer token",
    description="After `FOAD_LOGIN_MAX_FAILURES` wrong passwords in a row the account is locked for "
    "`FOAD_LOGIN_LOCKOUT_MINUTES`: a 429 `account_locked` with Retry-After, whatever the password.",
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, sessions: SessionsDep, settings: SettingsDep
) -> Token:
    await enforce(sessions, per_hour("login-client", settings.login_per_client_per_hour), client_address(request))
    now = datetime.now(UTC)
    async with transaction(sessions) as session:  # its own: a failure counts although the request then fails
        user = await session.scalar(select(User).where(User.username == form.username))
        locked_for = _attempt(user, form.password, settings=settings, now=now)
    if locked_for is not None:
        raise TooManyRequests(
            "the account is locked after repeated failed logins",
            code="account_locked",
            message_fa="حساب به دلیل ورودهای نادرست پیاپی موقتاً قفل شده است.",
            retry_after=locked_for,
        )
    if user is None or user.failed_logins or not user.active:
        raise Unauthorized(
            "wrong username or password, or the account is inactive",
            message_fa="نام کاربری یا گذرواژه نادرست است یا حساب غیرفعال است",
        )
    token, lifetime = create_token(user_id=user.id, role=user.role, settings=settings)
    return Token(access_token=token, expires_in=lifetime, role=Role(user.role))


def _attempt(user: User | None, password: str, *, settings, now: datetime) -> int | None:
    """Counts one login attempt on the user's row; the seconds it stays locked, or None if it is not locked.

    Afterwards `failed_logins` is 0 only if the password was right (a lockout resets it, and locks).
    """
    if user is None:
        return None
    if user.locked_until is not None and user.locked_until > now:
        return int((user.locked_until - now).total_seconds()) + 1
    if user.active and verify_password(password, user.password_hash):
        user.failed_logins, user.locked_until = 0, None
        return None
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0
        return int(timedelta(minutes=settings.login_lockout_minutes).total_seconds())
    return None


@router.get("/me", response_model=Me, summary="Who the bearer token belongs to")
async def me(user: CurrentUser) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        agency_id=user.agency_id,
        unit_ids=sorted(user.unit_ids),
    )
