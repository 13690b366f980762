"""A staff member's own notifications (activities/notifications.py writes them): the list, newest first, with
how many are unread, and marking them read. The pages show the same rows at /notifications."""

from datetime import UTC, datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from api.deps import SessionDep, StaffReader
from database.models import Notification
from schemas.notifications import NotificationOut

router = APIRouter(prefix="/notifications", tags=["notifications (staff)"])


class NotificationList(BaseModel):
    unread: int = Field(description="How many of the caller's notifications are unread, in all")
    items: list[NotificationOut]


class MarkRead(BaseModel):
    ids: list[int] | None = Field(
        default=None, max_length=500, description="The notifications to mark read; omitted: every unread one"
    )


class Marked(BaseModel):
    marked: int = Field(description="How many were unread and are read now")
    unread: int


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        tracking_code=row.tracking_code,
        seq=row.seq,
        kind=row.kind,
        body=row.body,
        created_at=row.created_at,
        read_at=row.read_at,
        sms=row.sms_id is not None,
    )


async def _unread(session: SessionDep, username: str) -> int:
    mine = (Notification.username == username, Notification.read_at.is_(None))
    return await session.scalar(select(func.count()).select_from(Notification).where(*mine)) or 0


@router.get("", response_model=NotificationList, summary="The caller's notifications, newest first")
async def list_notifications(
    user: StaffReader,
    session: SessionDep,
    unread_only: bool = False,
    limit: int = Query(default=100, ge=1, le=500),
) -> NotificationList:
    query = select(Notification).where(Notification.username == user.username)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = await session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return NotificationList(unread=await _unread(session, user.username), items=[_out(r) for r in rows])


@router.post("/read", response_model=Marked, summary="Mark the caller's notifications read")
async def mark_read(body: MarkRead, user: StaffReader, session: SessionDep) -> Marked:
    """Only the caller's own: an id of another person's notification is not marked (and not told apart)."""
    query = update(Notification).where(Notification.username == user.username, Notification.read_at.is_(None))
    if body.ids is not None:
        query = query.where(Notification.id.in_(body.ids))
    marked = (await session.execute(query.values(read_at=datetime.now(UTC)))).rowcount or 0
    return Marked(marked=marked, unread=await _unread(session, user.username))
