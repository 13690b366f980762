"""Request dependencies: settings, a session committed at the edge, the engine, and who is calling."""

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth.tokens import mobile_from_token, staff_from_token
from api.edge.errors import Forbidden, Unauthorized
from api.engine import Engine
from database.models import User, UserUnit
from infra.settings import Settings
from schemas.case import Actor
from schemas.enums import Role

TOKEN_URL = "/api/v1/auth/token"

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    full_name: str
    role: Role
    agency_id: str | None
    unit_ids: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, user_id=self.id, full_name=self.full_name)

    def is_senior_of(self, agency_id: str) -> bool:
        return self.role is Role.SENIOR_COORDINATOR and self.agency_id == agency_id

    def holds_unit(self, unit_id: str | None) -> bool:
        return unit_id is not None and unit_id in self.unit_ids


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """For a unit of work of its own, committed whether or not the request then succeeds (a failed login
    counted, a rate limit spent, an intake key reserved). Everything else uses the request's session."""
    return request.app.state.sessions


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session, for the JSON API and the pages alike: committed when the handler returns (before
    the response is sent, so a client that got its answer reads its own write), rolled back if it raises.
    Handlers and the services below them never commit; `release_connection` is the one exception."""
    async with get_sessions(request)() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def release_connection(session: AsyncSession) -> None:
    """Commits what the request's session did so far and hands its connection back to the pool, for a
    handler about to wait on the engine: a Workflow Update or query waits for a worker (up to the RPC timeout),
    a calendar change signals thousands of cases, and a connection held meanwhile is one fewer for every other
    request of the process. The session begins a new transaction if the handler goes on; the edge commits it."""
    await session.commit()


async def get_engine(request: Request) -> Engine:
    """The engine, for the JSON API, the pages and the readiness probe; it connects on the first call."""
    return Engine.of(request.app)


def idempotency_key_header(description: str) -> Any:
    """The optional `Idempotency-Key` header, one format for intake and the coordinators' actions."""
    return Header(
        alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$", description=description
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
EngineDep = Annotated[Engine, Depends(get_engine)]


async def load_staff_user(session: AsyncSession, user_id: int, generation: int) -> StaffUser | None:
    """The active user, if the token or page session is of its current session generation (not revoked)."""
    user = await session.get(User, user_id)
    if user is None or not user.active or user.session_generation != generation:
        return None
    unit_ids = await session.scalars(select(UserUnit.unit_id).where(UserUnit.user_id == user.id))
    return StaffUser(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        agency_id=user.agency_id,
        unit_ids=frozenset(unit_ids),
    )


async def optional_user(
    token: Annotated[str | None, Depends(_bearer)], session: SessionDep, settings: SettingsDep
) -> StaffUser | None:
    """The caller if a valid token came with the request; None for an anonymous (or stale) one."""
    if not token:
        return None
    found = staff_from_token(token, settings=settings)
    return await load_staff_user(session, *found) if found is not None else None


async def current_user(
    token: Annotated[str | None, Depends(_bearer)], session: SessionDep, settings: SettingsDep
) -> StaffUser:
    if not token:
        raise Unauthorized("a bearer token is required")
    found = staff_from_token(token, settings=settings)
    user = await load_staff_user(session, *found) if found is not None else None
    if user is None:
        raise Unauthorized("the token is invalid, expired or revoked, or the account is inactive")
    return user


CurrentUser = Annotated[StaffUser, Depends(current_user)]
OptionalUser = Annotated[StaffUser | None, Depends(optional_user)]


def require_roles(*roles: Role) -> Callable[[StaffUser], Coroutine[Any, Any, StaffUser]]:
    async def check(user: CurrentUser) -> StaffUser:
        if user.role not in roles:
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return user

    return check


STAFF_READERS = (
    Role.OPERATOR,
    Role.SENIOR_COORDINATOR,
    Role.UNIT_COORDINATOR,
    Role.INSPECTOR,
    Role.AUDITOR,
    Role.ADMIN,
)

StaffReader = Annotated[StaffUser, Depends(require_roles(*STAFF_READERS))]
Auditor = Annotated[StaffUser, Depends(require_roles(Role.AUDITOR, Role.ADMIN))]
Admin = Annotated[StaffUser, Depends(require_roles(Role.ADMIN))]


async def citizen_mobile(token: Annotated[str | None, Depends(_bearer)], settings: SettingsDep) -> str:
    """The mobile number a citizen proved with a one-time code (the token from /citizen/otp/verify)."""
    mobile = mobile_from_token(token, settings=settings) if token else None
    if mobile is None:
        raise Unauthorized(
            "a citizen token is required: verify the mobile number with a one-time code first",
            code="citizen_token_required",
            message_fa="ابتدا شماره همراه خود را با کد یک‌بارمصرف تأیید کنید.",
        )
    return mobile


async def optional_citizen_mobile(token: Annotated[str | None, Depends(_bearer)], settings: SettingsDep) -> str | None:
    return mobile_from_token(token, settings=settings) if token else None


CitizenMobile = Annotated[str, Depends(citizen_mobile)]
OptionalCitizenMobile = Annotated[str | None, Depends(optional_citizen_mobile)]
