"""Case activities: project a workflow transition into the read model, and send the citizen an SMS.

Both are idempotent: a transition is applied once per (case, seq), an SMS is sent once per key, so
Temporal may retry them freely.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notifications import StaffNotifier
from database.models import Case, CaseEventRow, Task
from database.sessions import transaction
from schemas.case import CaseStart, SmsRequest, TaskInfo, Transition
from schemas.enums import EventKind, Level
from sms.sender import SmsSender, render, tracking_link
from timekeeping.jalali import jalali_period
from workflows.visibility import workflow_id


def _new_case(start: CaseStart) -> Case:
    return Case(
        tracking_code=start.tracking_code,
        workflow_id=workflow_id(start.tracking_code),
        agency_id=start.agency_id,
        office_unit_id=start.office.id,
        province_code=start.province_code,
        county_code=start.county_code,
        indicator=int(start.indicator),
        channel=start.channel.value,
        citizen_national_code=start.citizen.national_code,
        citizen_mobile=start.citizen.mobile,
        citizen_name=start.citizen.full_name,
        description=start.description,
        employee_name=start.employee_name,
        incident_at=start.incident_at,
        registered_at=start.registered_at,
        filed_by=start.filed_by.username,
        last_seq=0,
        contact_kind=start.contact.value,
        identity=start.identity.value if start.identity else None,
        national_code_mismatch=start.national_code_mismatch,
        client_app=start.client_app,
    )


# What the projection adds to an event's data beyond the workflow's history: whom it notified.
PROJECTION_ONLY_DATA = ("notified",)


def history_data(data: dict | None) -> dict:
    """An event row's data as the workflow's history holds it, without what the projection added."""
    return {k: v for k, v in (data or {}).items() if k not in PROJECTION_ONLY_DATA}


def _apply_task(row: Task, info: TaskInfo) -> None:
    row.status = info.status.value
    row.due_at = info.due_at
    row.closed_at = info.closed_at
    row.closed_by = info.closed_by.username if info.closed_by else None
    row.outcome = info.outcome.value if info.outcome else None
    row.note = info.note
    row.assignee = info.assignee
    row.holder = info.holder
    row.arrived_at = info.arrived_at
    row.escalated_at = info.escalated_at


class CaseActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sms_sender: SmsSender,
        notifier: StaffNotifier | None = None,
        *,
        public_base_url: str = "http://127.0.0.1:8000",
    ) -> None:
        self._sessions = sessions
        self._sms = sms_sender
        self._notifier = notifier or StaffNotifier()
        self._public_base_url = public_base_url

    @activity.defn(name="record_transition")
    async def record_transition(self, transition: Transition) -> None:
        async with transaction(self._sessions) as session:
            row = await project_transition(session, transition)
            if row is None:
                return
            # The staff told about this event, in the same transaction (activities/notifications.py); the
            # event's data records whom, as the timeline shows it.
            notified = await self._notifier.notify(session, transition)
            if notified is not None:
                row.data = {**row.data, "notified": notified}
        event = transition.event
        activity.logger.info("case %s: %s (seq %d)", transition.tracking_code, event.kind.value, event.seq)

    @activity.defn(name="send_sms")
    async def send_sms(self, request: SmsRequest) -> str:
        # The tracking page's link, for the templates that ask the citizen to act (sms.sender.TEMPLATES).
        link = tracking_link(self._public_base_url, request.tracking_code)
        body = render(request.template, {"link": link} | request.params)
        return await self._sms.send(
            key=request.key,
            tracking_code=request.tracking_code,
            mobile=request.mobile,
            template=request.template,
            body=body,
        )


async def project_transition(session: AsyncSession, transition: Transition) -> CaseEventRow | None:
    """Apply one transition to the read model in `session`: its timeline row, or None if it was applied already
    (same case and seq).

    The record_transition activity calls it, and so does the rebuild of the read model from the archive."""
    event = transition.event
    case = await session.get(Case, transition.tracking_code)
    if case is None:
        if transition.start is None:
            raise ApplicationError(f"case {transition.tracking_code} has no registration in the read model")
        case = _new_case(transition.start)
        session.add(case)
    elif await _applied(session, transition):
        return None
    _apply_snapshot(case, transition)
    if event.kind is EventKind.ESCALATED and event.level is not None and event.level is not Level.COUNTY:
        column = f"escalated_{event.level.value}"
        setattr(case, column, (getattr(case, column) or 0) + 1)
    if event.kind is EventKind.SENT_BACK:
        case.sent_backs = (case.sent_backs or 0) + 1
    row = CaseEventRow(
        tracking_code=transition.tracking_code,
        seq=event.seq,
        kind=event.kind.value,
        at=event.at,
        step=event.step.value,
        actor_username=event.actor.username,
        actor_role=event.actor.role.value,
        level=event.level.value if event.level else None,
        unit_id=event.unit_id,
        task_id=event.task_id,
        note=event.note,
        data=event.data,
    )
    session.add(row)
    for info in transition.tasks:
        await _upsert_task(session, transition.tracking_code, info)
    return row


async def _applied(session: AsyncSession, transition: Transition) -> bool:
    found = await session.scalar(
        select(CaseEventRow.id).where(
            CaseEventRow.tracking_code == transition.tracking_code,
            CaseEventRow.seq == transition.event.seq,
        )
    )
    return found is not None


def _apply_snapshot(case: Case, transition: Transition) -> None:
    snapshot = transition.snapshot
    for field, value in snapshot.model_dump(mode="python", exclude={"deadline"}).items():
        setattr(case, field, getattr(value, "value", value))
    case.deadline = snapshot.deadline.model_dump(mode="json") if snapshot.deadline else None
    case.last_seq = max(case.last_seq or 0, transition.event.seq)
    case.updated_at = transition.event.at
    case.jalali_year, case.jalali_month = jalali_period(case.registered_at)
    approved = case.result_approved_at
    case.result_seconds = int((approved - case.registered_at).total_seconds()) if approved else None


async def _upsert_task(session: AsyncSession, tracking_code: str, info: TaskInfo) -> None:
    row = await session.get(Task, info.task_id)
    if row is None:
        row = Task(
            task_id=info.task_id,
            tracking_code=tracking_code,
            kind=info.kind.value,
            agency_id=info.agency_id,
            unit_id=info.unit_id,
            level=info.level.value if info.level else None,
            opened_at=info.opened_at,
        )
        session.add(row)
    _apply_task(row, info)
