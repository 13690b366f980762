"""The citizen's SMS written by the projection, in its transaction (the projection-outbox patch): each message
once, whatever the retries; none when the projection fails; no send_sms activity in a new case's history, and
the auditor's history still names each projection.

The activity on its own (no server), then whole cases on the time-skipping server with a projection that fails
after committing, so that every transition is projected twice."""

import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activities.case import CaseActivities
from activities.notifications import StaffNotifier
from activities.office_calendar import OfficeCalendarActivities
from api.services.history import read_history
from database.models import CaseEventRow, SmsOutbox
from schemas.actions import FeedbackInput
from schemas.case import SYSTEM, CaseEvent, CaseSnapshot, CaseState, SmsRequest, Transition
from schemas.enums import CaseStatus, EventKind, Step
from sms.sender import OutboxSmsSender
from tests.casedriver import CaseDriver
from tests.factories import AGENCY, case_start, seed_test_units
from tests.replay import recording_converter
from workflows.complaint import ComplaintWorkflow

START = case_start()
CODE = START.tracking_code


def _registered(sms: SmsRequest | None) -> Transition:
    state = CaseState(
        tracking_code=CODE,
        agency_id=AGENCY,
        status=CaseStatus.IN_REVIEW,
        step=Step.REVIEW,
        registered_at=START.registered_at,
        due_at=START.registered_at + timedelta(hours=3),
    )
    event = CaseEvent(seq=1, kind=EventKind.REGISTERED, at=START.registered_at, step=Step.REVIEW, actor=SYSTEM)
    return Transition(tracking_code=CODE, event=event, snapshot=CaseSnapshot.of(state), tasks=[], start=START, sms=sms)


SMS = SmsRequest(
    key=f"{CODE}:1:registered",
    tracking_code=CODE,
    mobile=START.citizen.mobile,
    template="registered",
    params={"tracking_code": CODE, "due_at": (START.registered_at + timedelta(hours=3)).isoformat()},
)


async def _outbox(sessions, code: str) -> list[SmsOutbox]:
    async with sessions() as session:
        return list(await session.scalars(select(SmsOutbox).where(SmsOutbox.tracking_code == code)))


async def test_a_projection_applied_twice_writes_its_sms_once(sessions):
    await seed_test_units(sessions)
    projection = CaseActivities(sessions, OutboxSmsSender(sessions))
    await projection.record_transition(_registered(SMS))
    await projection.record_transition(_registered(SMS))  # Temporal's retry after a lost completion
    [row] = await _outbox(sessions, CODE)
    assert (row.key, row.template, row.status) == (SMS.key, "registered", "pending")
    assert "ثبت شد" in row.body and "۱۲۸" in row.body


class _FailingNotifier(StaffNotifier):
    async def notify(self, session, transition):
        raise RuntimeError("the database went away mid-projection")


async def test_a_projection_that_fails_writes_no_sms_and_its_retry_writes_one(sessions):
    await seed_test_units(sessions)
    failing = CaseActivities(sessions, OutboxSmsSender(sessions), _FailingNotifier())
    try:
        await failing.record_transition(_registered(SMS))
    except RuntimeError:
        pass
    assert await _outbox(sessions, CODE) == []  # rolled back with the event: no message for an unrecorded step
    await CaseActivities(sessions, OutboxSmsSender(sessions)).record_transition(_registered(SMS))
    assert [row.key for row in await _outbox(sessions, CODE)] == [SMS.key]


async def test_every_sms_of_a_case_is_written_once_though_every_projection_ran_twice(temporal_env, sessions):
    """Each projection commits, then fails as if the worker died before reporting it: Temporal runs it again."""
    await seed_test_units(sessions)
    projection = CaseActivities(sessions, OutboxSmsSender(sessions))
    failed: set[int] = set()

    @activity.defn(name="record_transition")
    async def committed_then_lost(transition: Transition) -> None:
        await projection.record_transition(transition)
        if transition.event.seq not in failed:
            failed.add(transition.event.seq)
            raise ApplicationError("the worker died after the commit")

    queue = f"outbox-{uuid.uuid4().hex[:8]}"
    calendar = OfficeCalendarActivities(sessions)
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=[ComplaintWorkflow],
        activities=[committed_then_lost, calendar.compute_deadline],
    ):
        cases = CaseDriver(temporal_env, sessions, queue)
        handle, state = await cases.handling()
        state = await cases.complete(handle, state)
        await cases.approve(handle)
        await handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=True, rating=5))
        final = await handle.result()

    code = final.tracking_code
    assert failed == {e.seq for e in final.events}  # every projection was retried
    sms = sorted(await _outbox(sessions, code), key=lambda m: m.id)
    assert [m.template for m in sms] == ["registered", "accepted", "result", "feedback_received"]
    seqs = {e.kind: e.seq for e in final.events}
    assert [m.key for m in sms] == [
        f"{code}:{seqs[EventKind.REGISTERED]}:registered",
        f"{code}:{seqs[EventKind.REVIEW_ACCEPTED]}:accepted",
        f"{code}:{seqs[EventKind.RESULT_APPROVED]}:result",
        f"{code}:{seqs[EventKind.FEEDBACK]}:feedback_received",
    ]
    async with sessions() as session:
        rows = list(await session.scalars(select(CaseEventRow.seq).where(CaseEventRow.tracking_code == code)))
    assert sorted(rows) == [e.seq for e in final.events]  # and each event once on the timeline
    history = await handle.fetch_history()
    scheduled = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    assert scheduled == []  # projections are local activities, and no send_sms is scheduled any more


async def test_the_auditors_history_shows_each_local_projection_and_no_patch_marker():
    path = Path(__file__).parent / "replay" / "histories" / "first_level_projected_with_its_sms.json"
    recorded = WorkflowHistory.from_json("complaint-1", path.read_text())
    history = await read_history(recorded, tracking_code="1", converter=recording_converter())
    projections = [e for e in history.events if e.name == "record_transition"]
    assert [e.kind for e in projections] == ["activity_completed"] * 5  # one per case event, each run locally
    assert all(e.summary == {"local": True} for e in projections)
    assert not [e for e in history.events if e.name == "send_sms"]
    markers = [e for e in recorded.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert len(markers) > len(projections)  # the patch's marker is in the history, not on the auditor's page
