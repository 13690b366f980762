"""For auditors: who saw which case's personal data, when, from where."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from api.deps import Auditor, SessionDep
from database.models import AccessRecord

router = APIRouter(prefix="/access-log", tags=["audit"])


class AccessOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    username: str
    role: str
    tracking_code: str | None
    what: str
    client: str


@router.get("", response_model=list[AccessOut], summary="Accesses to personal data, newest first")
async def access_log(
    user: Auditor,
    session: SessionDep,
    tracking_code: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AccessOut]:
    query = select(AccessRecord).order_by(AccessRecord.at.desc(), AccessRecord.id.desc()).limit(limit)
    if tracking_code is not None:
        query = query.where(AccessRecord.tracking_code == tracking_code)
    if username is not None:
        query = query.where(AccessRecord.username == username)
    if since is not None:
        query = query.where(AccessRecord.at >= since)
    return [AccessOut.model_validate(r) for r in await session.scalars(query)]
