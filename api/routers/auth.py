"""Login for staff: an OAuth2 password form in, a bearer token out."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import Unauthorized
from api.security import create_token
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


@router.post("/token", response_model=Token, summary="Log in (OAuth2 password form) for a bearer token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep):
    user = await session.scalar(select(User).where(User.username == form.username))
    if user is None or not user.active or not verify_password(form.password, user.password_hash):
        raise Unauthorized(
            "wrong username or password, or the account is inactive",
            message_fa="نام کاربری یا گذرواژه نادرست است یا حساب غیرفعال است",
        )
    token, lifetime = create_token(user_id=user.id, role=user.role, settings=settings)
    return Token(access_token=token, expires_in=lifetime, role=Role(user.role))


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
