"""Staff accounts for the centre admin: create, disable and enable, reset a password. Used by the API and by
`python -m cli.users`. A password left out is generated. Functions here never commit; their callers do.
"""

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, LoginFailure, Unit, User, UserUnit
from infra.passwords import hash_password
from schemas.enums import Role
from schemas.users import UserCreate, UserOut

AGENCY_ROLES = (Role.SENIOR_COORDINATOR, Role.UNIT_COORDINATOR, Role.INSPECTOR)


class UserProblem(ValueError):
    """A request about a user that cannot be carried out; `field` names the input at fault."""

    def __init__(
        self, field: str, reason: str, *, reason_fa: str = "", conflict: bool = False, missing: bool = False
    ) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.reason_fa = reason_fa
        self.conflict = conflict
        self.missing = missing


def new_password() -> str:
    return secrets.token_urlsafe(12)


async def _check(session: AsyncSession, new: UserCreate) -> None:
    if await session.scalar(select(User.id).where(User.username == new.username)) is not None:
        raise UserProblem("username", "a user with this username exists", conflict=True)
    role = Role(new.role)
    if role in AGENCY_ROLES and new.agency_id is None:
        raise UserProblem("agency_id", f"a {role.value} needs an agency", reason_fa="این نقش به یک دستگاه نیاز دارد.")
    if new.agency_id is not None and await session.get(Agency, new.agency_id) is None:
        raise UserProblem("agency_id", "unknown agency", reason_fa="این دستگاه پیدا نشد.")
    if role is Role.UNIT_COORDINATOR and not new.unit_ids:
        raise UserProblem(
            "unit_ids",
            "a unit coordinator needs at least one unit",
            reason_fa="هماهنگ‌کننده واحد دست‌کم یک واحد لازم دارد.",
        )
    for unit_id in new.unit_ids:
        unit = await session.get(Unit, unit_id)
        if unit is None:
            raise UserProblem("unit_ids", f"unknown unit {unit_id!r}", reason_fa="این واحد پیدا نشد.")
        if unit.agency_id != new.agency_id:
            raise UserProblem(
                "unit_ids",
                f"unit {unit_id!r} is not of agency {new.agency_id!r}",
                reason_fa="این واحد از واحدهای دستگاه کاربر نیست.",
            )


async def create_user(session: AsyncSession, new: UserCreate) -> tuple[User, str | None]:
    """The new user, and its password if it was generated here."""
    await _check(session, new)
    generated = None if new.password else new_password()
    user = User(
        username=new.username,
        full_name=new.full_name,
        role=new.role,
        password_hash=hash_password(new.password or generated),
        agency_id=new.agency_id,
        active=True,
        failed_logins=0,
        mobile=new.mobile,
    )
    session.add(user)
    await session.flush()
    session.add_all(UserUnit(user_id=user.id, unit_id=u) for u in dict.fromkeys(new.unit_ids))
    await session.flush()
    return user, generated


async def get_user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserProblem("username", "no such user", missing=True)
    return user


async def revoke_sessions(session: AsyncSession, user_id: int) -> None:
    """Every token and page session issued to the user so far stops working with its next request."""
    await session.execute(update(User).where(User.id == user_id).values(session_generation=User.session_generation + 1))


async def set_active(session: AsyncSession, username: str, *, active: bool) -> User:
    """Disabling takes effect at once: the user's tokens stop working with its next request, and stay revoked
    if the account is enabled again."""
    user = await get_user(session, username)
    if user.active and not active:
        user.session_generation += 1
    user.active = active
    return user


async def set_mobile(session: AsyncSession, username: str, mobile: str | None) -> User:
    """The mobile the staff notifications go to by SMS (None: on the notifications page only). Validated by
    schemas.users (MobileNumber)."""
    user = await get_user(session, username)
    user.mobile = mobile
    return user


async def reset_password(session: AsyncSession, username: str, password: str | None = None) -> tuple[User, str | None]:
    """Sets the password (generated if None) and lifts a lockout."""
    user = await get_user(session, username)
    generated = None if password else new_password()
    user.password_hash = hash_password(password or generated)
    user.failed_logins, user.locked_until = 0, None
    user.session_generation += 1  # whoever knew the old password loses its sessions
    await session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    return user, generated


async def describe(session: AsyncSession, user: User) -> UserOut:
    now = datetime.now(UTC)
    units = await session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))
    return UserOut(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        agency_id=user.agency_id,
        unit_ids=sorted(units),
        active=user.active,
        locked=await session.scalar(
            select(LoginFailure.username)
            .where(LoginFailure.username == user.username, LoginFailure.blocked_until > now)
            .limit(1)
        )
        is not None,
        mobile=user.mobile,
    )


async def list_users(session: AsyncSession) -> list[UserOut]:
    users = await session.scalars(select(User).order_by(User.username))
    return [await describe(session, u) for u in users]
