"""The record of who saw which case's personal data: written with the request that showed it."""

from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import AccessRecord


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
