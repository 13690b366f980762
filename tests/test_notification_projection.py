"""The projection's staff notifications on their own (no server): the activity applied to crafted transitions.
A kind turned off makes nothing; a retried projection makes nothing twice; a disabled account is not told."""

from datetime import timedelta

from sqlalchemy import func, select

from activities.case import CaseActivities
from activities.notifications import StaffNotifier
from database.models import CaseEventRow, Notification, SmsOutbox
from database.sessions import transaction
from database.users import create_user, set_active
from schemas.case import SYSTEM, CaseEvent, CaseSnapshot, CaseState, TaskInfo, Transition
from schemas.enums import CaseStatus, EventKind, Level, Step, TaskKind, TaskStatus
from schemas.notifications import NotificationKind
from schemas.users import UserCreate
from sms.sender import OutboxSmsSender
from tests.factories import AGENCY, CHAIN, PASSWORD, case_start, seed_test_units

START = case_start()
CODE = START.tracking_code


def _transition(seq: int, kind: EventKind, tasks: list[TaskInfo], **state) -> Transition:
    snapshot = CaseSnapshot.of(
        CaseState(
            tracking_code=CODE,
            agency_id=AGENCY,
            status=state.pop("status", CaseStatus.IN_HANDLING),
            step=Step.HANDLING,
            registered_at=START.registered_at,
            due_at=START.registered_at + timedelta(hours=3),
            **state,
        )
    )
    at = START.registered_at + timedelta(minutes=seq)
    event = CaseEvent(
        seq=seq, kind=kind, at=at, step=Step.HANDLING, actor=SYSTEM, task_id=tasks[-1].task_id if tasks else None
    )
    return Transition(
        tracking_code=CODE, event=event, snapshot=snapshot, tasks=tasks, start=START if seq == 1 else None
    )


def _task(n: int, kind: TaskKind, status: TaskStatus, unit=None) -> TaskInfo:
    return TaskInfo(
        task_id=f"{CODE}-T{n}",
        kind=kind,
        status=status,
        agency_id=AGENCY,
        unit_id=unit.id if unit else None,
        level=unit.level if unit else None,
        opened_at=START.registered_at,
        due_at=START.registered_at + timedelta(hours=1),
    )


async def test_kinds_off_retries_and_disabled_accounts(sessions):
    await seed_test_units(sessions)
    async with transaction(sessions) as session:
        for username, role, units, mobile in (
            ("tst-senior", "senior_coordinator", [], "09120000021"),
            ("tst-county-coord", "unit_coordinator", [CHAIN[0].id], "09120000022"),
            ("tst-province-coord", "unit_coordinator", [CHAIN[1].id], None),
            ("tst-province-away", "unit_coordinator", [CHAIN[1].id], "09120000024"),
            ("centre", "admin", [], None),
        ):
            new = UserCreate(
                username=username,
                full_name="کاربر آزمایشی",
                role=role,
                agency_id=None if role == "admin" else AGENCY,
                unit_ids=units,
                password=PASSWORD,
                mobile=mobile,
            )
            await create_user(session, new)
        await set_active(session, "tst-province-away", active=False)

    quiet = CaseActivities(sessions, OutboxSmsSender(sessions), StaffNotifier(off=[NotificationKind.TASK_ARRIVED]))
    review = _task(1, TaskKind.REVIEW, TaskStatus.OPEN)
    await quiet.record_transition(_transition(1, EventKind.REGISTERED, [review], status=CaseStatus.IN_REVIEW))
    county = _task(2, TaskKind.HANDLING, TaskStatus.OPEN, CHAIN[0])
    done = review.model_copy(update={"status": TaskStatus.COMPLETED})
    await quiet.record_transition(_transition(2, EventKind.REVIEW_ACCEPTED, [done, county], level=Level.COUNTY))
    breach = _transition(3, EventKind.BREACHED, [], breached=True)
    await quiet.record_transition(breach)
    await quiet.record_transition(breach)  # a retried projection

    told = CaseActivities(sessions, OutboxSmsSender(sessions))
    province = _task(3, TaskKind.HANDLING, TaskStatus.OPEN, CHAIN[1])
    expired = county.model_copy(update={"status": TaskStatus.EXPIRED})
    await told.record_transition(_transition(4, EventKind.ESCALATED, [expired, province], level=Level.PROVINCIAL))

    async with sessions() as session:
        notices = [
            (n.seq, n.kind, n.username) for n in await session.scalars(select(Notification).order_by(Notification.id))
        ]
        data = dict(
            (
                await session.execute(
                    select(CaseEventRow.seq, CaseEventRow.data).where(CaseEventRow.tracking_code == CODE)
                )
            ).all()
        )
        sms = await session.scalar(
            select(func.count()).select_from(SmsOutbox).where(SmsOutbox.template.like("staff_%"))
        )
    assert notices == [
        (3, "breached", "centre"),
        (3, "breached", "tst-senior"),
        (4, "task_arrived", "tst-province-coord"),
    ], "no arrival while the kind is off; the breach once; the disabled coordinator not at all"
    assert "notified" not in data[2]
    assert [n["username"] for n in data[3]["notified"]] == ["centre", "tst-senior"]
    assert sms == 1, "only tst-senior has a mobile among those told"
