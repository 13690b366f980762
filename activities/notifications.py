"""Staff notifications, derived by the projection from the event it records, in the same transaction.

`record_transition` runs once per (case, seq) and commits the event, its tasks and these rows together, so a
retried projection or a worker killed mid-way notifies nobody twice, and no workflow command is spent per
notification. Each notification is a row of its own (`notifications`, unique per event, recipient and kind),
and, when the account has a mobile, a row of the SMS outbox that the dispatcher sends like a citizen's message.

Who is told what (README: Staff notifications):

- a handling task arrives in a unit (accepted review, escalation, sent back, reopened): the unit's coordinators;
- the senior coordinator gives a task to a named coordinator: that coordinator;
- a reminder before the case's 3-hour deadline: the holder of the open handling task, else the unit's
  coordinators; while the case is in review or awaits approval, the agency's senior coordinators;
- a reminder before a handling task's own deadline: its holder, else the unit's coordinators;
- the review is overdue, or a unit's result awaits approval: the agency's senior coordinators;
- the case breaches its 3-hour deadline, or runs out of levels: the national centre (every active centre admin)
  and the agency's senior coordinators;
- a request or a suggestion is forwarded as information (workflows/triage.py): the agency's senior coordinators;
- an on-site inspection is ordered: the inspector it names; it is not recorded in time: the agency's senior
  coordinators.

Only active accounts are told. The kinds listed in FOAD_STAFF_NOTIFICATIONS_OFF are not made at all.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case, Notification, SmsOutbox, Task, Unit, User, UserUnit
from schemas.case import Transition
from schemas.enums import EventKind, Role, TaskKind, TaskStatus
from schemas.notifications import NotificationKind
from schemas.text import mask_mobile
from sms import segments
from sms.staff import render_staff

log = logging.getLogger("foad.notifications")

K = NotificationKind
ARRIVALS = (EventKind.REVIEW_ACCEPTED, EventKind.ESCALATED, EventKind.SENT_BACK, EventKind.REOPENED)
# Events whose data records whom the projection told, even nobody.
RECORDED = (EventKind.BREACHED, EventKind.ESCALATION_EXHAUSTED)


@dataclass(frozen=True)
class _Notice:
    kind: NotificationKind
    recipients: list[User]
    unit_id: str | None = None
    due_at: datetime | None = None
    left: timedelta | None = None


async def _active(session: AsyncSession, *conditions) -> list[User]:
    found = await session.scalars(select(User).where(User.active.is_(True), *conditions).order_by(User.username))
    return list(found)


async def unit_coordinators(session: AsyncSession, unit_id: str | None) -> list[User]:
    if unit_id is None:
        return []
    return await _active(
        session,
        User.role == Role.UNIT_COORDINATOR.value,
        User.id.in_(select(UserUnit.user_id).where(UserUnit.unit_id == unit_id)),
    )


async def seniors(session: AsyncSession, agency_id: str) -> list[User]:
    return await _active(session, User.role == Role.SENIOR_COORDINATOR.value, User.agency_id == agency_id)


async def national_centre(session: AsyncSession) -> list[User]:
    """The centre's supervisors: every active centre admin."""
    return await _active(session, User.role == Role.ADMIN.value)


async def _by_username(session: AsyncSession, username: str | None) -> list[User]:
    return await _active(session, User.username == username) if username else []


async def _holder_or_unit(session: AsyncSession, task: Task) -> list[User]:
    return await _by_username(session, task.holder) or await unit_coordinators(session, task.unit_id)


class StaffNotifier:
    def __init__(self, off: Iterable[NotificationKind] = ()) -> None:
        self._off = frozenset(NotificationKind(k) for k in off)

    async def notify(self, session: AsyncSession, transition: Transition) -> list[dict] | None:
        """Write this event's notifications (and their SMS); what was made, for the event's data, or None when
        the event calls for none. Call it after the transition's tasks are written."""
        notices = [n for n in await self._notices(session, transition) if n.kind not in self._off]
        if not notices and transition.event.kind not in RECORDED:
            return None
        made: list[dict] = []
        now = datetime.now(UTC)
        for notice in notices:
            unit = await session.get(Unit, notice.unit_id) if notice.unit_id else None
            body = render_staff(
                notice.kind,
                tracking_code=transition.tracking_code,
                unit=unit.name_fa if unit else "",
                due_at=notice.due_at,
                left=notice.left,
                now=now,
            )
            for user in {u.username: u for u in notice.recipients}.values():
                made.append(await self._write(session, transition, notice.kind, user, body, now))
        return made

    @staticmethod
    async def _write(
        session: AsyncSession, transition: Transition, kind: NotificationKind, user: User, body: str, now: datetime
    ) -> dict:
        code, seq = transition.tracking_code, transition.event.seq
        row = Notification(tracking_code=code, seq=seq, username=user.username, kind=kind.value, body=body)
        row.created_at = now
        session.add(row)
        if user.mobile:
            sms = SmsOutbox(
                key=f"staff:{code}:{seq}:{kind.value}:{user.id}",
                tracking_code=code,
                mobile=user.mobile,
                template=f"staff_{kind.value}",
                body=body,
                status="pending",
                created_at=now,
                segments=segments.count(body).segments,
            )
            session.add(sms)
            await session.flush()
            row.sms_id = sms.id
        log.info(
            "staff notification %s to %s%s for %s (seq %d)",
            kind.value,
            user.username,
            f" by sms to {mask_mobile(user.mobile)}" if user.mobile else "",
            code,
            seq,
        )
        return {"username": user.username, "role": user.role, "kind": kind.value, "sms": bool(user.mobile)}

    async def _notices(self, session: AsyncSession, transition: Transition) -> list[_Notice]:
        event, snapshot = transition.event, transition.snapshot
        kind = event.kind
        opened = [t for t in transition.tasks if t.status is TaskStatus.OPEN and t.kind is TaskKind.HANDLING]
        case = await session.get(Case, transition.tracking_code)
        assert case is not None, "the projection writes the case before its notifications"
        agency_id = case.agency_id
        if kind in ARRIVALS and opened:
            task = opened[-1]
            return [_Notice(K.TASK_ARRIVED, await unit_coordinators(session, task.unit_id), task.unit_id, task.due_at)]
        if kind is EventKind.TASK_REASSIGNED and opened:
            task = opened[-1]
            return [_Notice(K.TASK_ASSIGNED, await _by_username(session, task.holder), task.unit_id, task.due_at)]
        if kind is EventKind.TASK_COMPLETED:
            done = next((t for t in transition.tasks if t.kind is TaskKind.HANDLING), None)
            return [_Notice(K.APPROVAL_WAITING, await seniors(session, agency_id), done.unit_id if done else None)]
        if kind is EventKind.REVIEW_OVERDUE:
            return [_Notice(K.REVIEW_OVERDUE, await seniors(session, agency_id))]
        if kind is EventKind.FORWARDED:
            return [_Notice(K.INFORMATION_FORWARDED, await seniors(session, agency_id))]
        if kind is EventKind.INSPECTION_ORDERED:
            visit = next((t for t in transition.tasks if t.task_id == event.task_id), None)
            inspector = await _by_username(session, event.data.get("inspector"))
            return [_Notice(K.INSPECTION_ORDERED, inspector, due_at=visit.due_at if visit else None)]
        if kind is EventKind.INSPECTION_OVERDUE:
            return [_Notice(K.INSPECTION_OVERDUE, await seniors(session, agency_id))]
        if kind in RECORDED:
            told = [*await national_centre(session), *await seniors(session, agency_id)]
            notice = K.BREACHED if kind is EventKind.BREACHED else K.ESCALATION_EXHAUSTED
            return [_Notice(notice, told, snapshot.unit_id)]
        left = timedelta(minutes=float(event.data.get("minutes_left", 0)))
        if kind is EventKind.REMINDER:
            task = await self._open_task(session, transition.tracking_code)
            if task is None:
                return []
            if task.kind == TaskKind.HANDLING.value:
                return [_Notice(K.REMINDER, await _holder_or_unit(session, task), task.unit_id, left=left)]
            return [_Notice(K.REMINDER, await seniors(session, agency_id), left=left)]
        if kind is EventKind.TASK_REMINDER and event.task_id:
            task = await session.get(Task, event.task_id)
            if task is None or task.status != TaskStatus.OPEN.value:
                return []
            return [_Notice(K.TASK_REMINDER, await _holder_or_unit(session, task), task.unit_id, left=left)]
        return []

    @staticmethod
    async def _open_task(session: AsyncSession, tracking_code: str) -> Task | None:
        return await session.scalar(
            select(Task).where(Task.tracking_code == tracking_code, Task.status == TaskStatus.OPEN.value).limit(1)
        )
