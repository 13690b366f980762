"""Staff accounts, for the centre admin: list, create, disable, enable, reset the password."""

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel

from api.auth.login import failures_seen
from api.deps import Admin, SessionDep
from api.edge.errors import ApiError, Conflict, FieldInvalid, NotFound
from database import users
from schemas.users import MobileUpdate, PasswordReset, UserCreate, UserOut, UserWithPassword

router = APIRouter(prefix="/users", tags=["users (admin)"])


def _refused(problem: users.UserProblem) -> ApiError:
    if problem.missing:
        return NotFound(problem.reason, message_fa="کاربر پیدا نشد.")
    if problem.conflict:
        return Conflict(problem.reason, code="user_exists", message_fa="کاربری با این نام کاربری وجود دارد.")
    return FieldInvalid(["body", problem.field], problem.reason, reason_fa=problem.reason_fa or None)


class LoginFailureOut(BaseModel):
    username: str
    client: str
    failures: int
    last_failed_at: datetime
    blocked_until: datetime | None


@router.get(
    "/login-failures",
    response_model=list[LoginFailureOut],
    summary="Wrong logins in a row, per username (known or not) and address; the delayed pairs first",
)
async def login_failures(admin: Admin, session: SessionDep) -> list[LoginFailureOut]:
    return [LoginFailureOut.model_validate(row, from_attributes=True) for row in await failures_seen(session)]


@router.get("", response_model=list[UserOut], summary="Every staff account")
async def list_users(admin: Admin, session: SessionDep) -> list[UserOut]:
    return await users.list_users(session)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserWithPassword, summary="Create an account")
async def create_user(body: UserCreate, admin: Admin, session: SessionDep) -> UserWithPassword:
    try:
        user, password = await users.create_user(session, body)
    except users.UserProblem as problem:
        raise _refused(problem) from None
    return UserWithPassword(**(await users.describe(session, user)).model_dump(), password=password)


async def _set_active(username: str, session: SessionDep, *, active: bool) -> UserOut:
    try:
        user = await users.set_active(session, username, active=active)
    except users.UserProblem as problem:
        raise _refused(problem) from None
    return await users.describe(session, user)


@router.post("/{username}/disable", response_model=UserOut, summary="Disable an account; its tokens stop working")
async def disable_user(username: str, admin: Admin, session: SessionDep) -> UserOut:
    if username == admin.username:
        raise Conflict("an admin cannot disable its own account", message_fa="مدیر نمی‌تواند حساب خود را غیرفعال کند.")
    return await _set_active(username, session, active=False)


@router.post("/{username}/enable", response_model=UserOut, summary="Enable an account again")
async def enable_user(username: str, admin: Admin, session: SessionDep) -> UserOut:
    return await _set_active(username, session, active=True)


@router.post(
    "/{username}/reset-password", response_model=UserWithPassword, summary="Set a new password and lift a lockout"
)
async def reset_password(username: str, body: PasswordReset, admin: Admin, session: SessionDep) -> UserWithPassword:
    try:
        user, password = await users.reset_password(session, username, body.password)
    except users.UserProblem as problem:
        raise _refused(problem) from None
    return UserWithPassword(**(await users.describe(session, user)).model_dump(), password=password)


@router.put("/{username}/mobile", response_model=UserOut, summary="Set or remove the mobile staff notifications go to")
async def set_mobile(username: str, body: MobileUpdate, admin: Admin, session: SessionDep) -> UserOut:
    try:
        user = await users.set_mobile(session, username, body.mobile)
    except users.UserProblem as problem:
        raise _refused(problem) from None
    return await users.describe(session, user)
