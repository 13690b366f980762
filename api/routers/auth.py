"""Login for staff: an OAuth2 password form in, a bearer token out; repeated failures lock the account."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.auth.login import authenticate
from api.auth.tokens import create_token
from api.deps import CurrentUser, SessionDep, SessionsDep, SettingsDep
from api.services.access_log import client_address
from database.users import revoke_sessions
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
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
) -> Token:
    logged_in = await authenticate(
        sessions=sessions,
        settings=settings,
        username=form.username,
        password=form.password,
        client=client_address(request),
    )
    token, lifetime = create_token(
        user_id=logged_in.user_id, role=logged_in.role, generation=logged_in.generation, settings=settings
    )
    return Token(access_token=token, expires_in=lifetime, role=logged_in.role)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: revokes every token and page session of the account, on the server",
)
async def logout(user: CurrentUser, session: SessionDep) -> None:
    await revoke_sessions(session, user.id)


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
