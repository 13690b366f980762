"""The record of who saw which case's personal data: written with the request that showed it."""

from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import StaffUser
from database.models import AccessRecord
from schemas.text import mask_mobile


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def record_access(
    session: AsyncSession, *, username: str, role: str, tracking_code: str | None, what: str, request: Request
) -> None:
    session.add(
        AccessRecord(
            at=datetime.now(UTC),
            username=username,
            role=role,
            tracking_code=tracking_code,
            what=what,
            client=client_address(request)[:64],
        )
    )


async def record_staff_access(
    session: AsyncSession, request: Request, user: StaffUser, *, tracking_code: str | None, what: str
) -> None:
    await record_access(
        session, username=user.username, role=user.role.value, tracking_code=tracking_code, what=what, request=request
    )


async def record_citizen_access(
    session: AsyncSession, request: Request, mobile: str, *, tracking_code: str, what: str
) -> None:
    """The citizen who proved `mobile`, logged under its masked number."""
    username = f"citizen:{mask_mobile(mobile)}"
    await record_access(
        session, username=username, role="citizen", tracking_code=tracking_code, what=what, request=request
    )
