"""Record the replay set: representative cases run on the time-skipping server, histories saved as JSON.

    .venv/bin/python -m tests.replay.record

Run it only to ADD histories (new paths through the workflow). Never re-record an existing file to make
a failing replay pass: the committed histories stand for cases already running in production.
"""

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from database.sessions import create_engine, sessionmaker
from schemas.actions import (
    ApproveInput,
    CalendarChangedInput,
    CitizenReplyInput,
    ClaimInput,
    CloseInput,
    EscalateInput,
    FeedbackInput,
    InformationRequestInput,
    OrderInspectionInput,
    ReassignInput,
    RecordInspectionInput,
    ReviewInput,
    SendBackInput,
)
from schemas.case import Actor
from schemas.enums import ContactKind, HandlingOutcome, Level, ReviewDecision, Role, TaskKind
from schemas.referral import ReferralTarget
from tests.casedriver import CaseDriver, running_cases
from tests.clockutil import office_policy
from tests.dbutil import migrate
from tests.factories import SENIOR, UNIT_COORDINATOR, accept, default_policy
from tests.replay import recording_converter
from tests.testserver import start_test_server
from workflows.complaint import ComplaintWorkflow

HISTORIES = Path(__file__).parent / "histories"
INSPECTOR = Actor(username="inspector1", role=Role.INSPECTOR, user_id=9)


async def handled_within_sla(cases: CaseDriver):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.signal(ComplaintWorkflow.feedback, FeedbackInput(satisfied=True, rating=5, comment="ممنون"))
    return handle


async def escalated_to_national_and_breached(cases: CaseDriver):
    policy = default_policy()
    handle, state = await cases.handling(policy)
    state = await cases.advance(handle, timedelta(hours=3, minutes=1), events=6)
    await cases.complete(handle, state)
    await cases.approve(handle)
    await cases.env.sleep(policy.feedback_window + timedelta(minutes=1))
    return handle


async def rejected_out_of_scope(cases: CaseDriver):
    handle = await cases.start()
    await handle.execute_update(
        ComplaintWorkflow.review,
        ReviewInput(
            actor=SENIOR, decision=ReviewDecision.REJECT, referral_note="موضوع محتوایی است؛ به دیوان عدالت اداری"
        ),
    )
    return handle


async def reopened_after_dissatisfied_feedback(cases: CaseDriver):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.signal(ComplaintWorkflow.feedback, FeedbackInput(satisfied=False, rating=1))
    state = await cases.settled(handle, 5)
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.signal(ComplaintWorkflow.feedback, FeedbackInput(satisfied=True, rating=4))
    return handle


async def encrypted_handled_within_sla(cases: CaseDriver):
    """The first history recorded with the payload codec on: every payload sealed with the development key."""
    return await handled_within_sla(cases)


async def escalated_by_hand_sent_back_and_closed(cases: CaseDriver):
    policy = default_policy(level_budgets={level: timedelta(hours=2) for level in Level})
    handle, state = await cases.handling(policy)
    await handle.signal(
        ComplaintWorkflow.escalate,
        EscalateInput(actor=SENIOR, reason="شهرستان پاسخ نمی‌دهد", from_task_id=state.current_task_id),
    )
    state = await cases.settled(handle, 3)
    state = await cases.complete(handle, state)
    await handle.execute_update(ComplaintWorkflow.send_back, SendBackInput(actor=SENIOR, reason="گزارش ناقص است"))
    state = await cases.settled(handle, 5)
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="رضایت تلفنی"))
    return handle


async def office_hours_with_a_pause(cases: CaseDriver):
    """Deadlines from the calendar activity, a question to the citizen, an answer, a calendar change."""
    handle = await cases.start(office_policy())
    await cases.settled(handle, 1)
    await handle.execute_update(
        ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="شماره باجه را بفرستید")
    )
    await cases.settled(handle, 2)
    await handle.signal(ComplaintWorkflow.citizen_reply, CitizenReplyInput(answer="باجه ۴"))
    await cases.settled(handle, 3)
    state = await handle.execute_update(ComplaintWorkflow.review, accept())
    await handle.signal(ComplaintWorkflow.calendar_changed, CalendarChangedInput(reason="تعطیلی اعلام‌شده"))
    await cases.settled(handle, 4)
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.signal(ComplaintWorkflow.feedback, FeedbackInput(satisfied=True, rating=5))
    return handle


# Since escalate, feedback and the citizen's reply became Workflow Updates (the API no longer sends the signals):
# the same roads with the updates, named by update ids as the API names them (api/services/casework.py).


async def escalated_and_answered_by_updates(cases: CaseDriver):
    """A manual escalation and the citizen's feedback as updates; satisfied, so the case closes."""
    handle, state = await cases.handling()
    county = state.current_task_id
    await handle.execute_update(
        ComplaintWorkflow.escalate_task,
        EscalateInput(actor=SENIOR, reason="شهرستان پاسخ نمی‌دهد", from_task_id=county),
        id=f"escalate/{county}/{SENIOR.username}",
    )
    state = await cases.settled(handle, 3)
    state = await cases.complete(handle, state)
    await cases.approve(handle)
    approval = state.current_task_id
    await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=True, rating=5, comment="ممنون"),
        id=f"give_feedback/{approval}/citizen",
    )
    return handle


async def reopened_by_feedback_updates(cases: CaseDriver):
    """Dissatisfied feedback (an update) reopens the case one level up; the second answer closes it."""
    handle, state = await cases.handling()
    state = await cases.complete(handle, state)
    first = state.current_task_id
    await cases.approve(handle)
    state = await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=False, rating=1, comment="مشکل حل نشد"),
        id=f"give_feedback/{first}/citizen",
    )
    state = await cases.settled(handle, 5)
    state = await cases.complete(handle, state)
    second = state.current_task_id
    await cases.approve(handle)
    await handle.execute_update(
        ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=True, rating=4), id=f"give_feedback/{second}/citizen"
    )
    return handle


async def office_hours_with_a_pause_answered_by_update(cases: CaseDriver):
    """Deadlines from the calendar activity, a question, the citizen's answer as an update, a calendar change."""
    handle = await cases.start(office_policy())
    state = await cases.settled(handle, 1)
    await handle.execute_update(
        ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="شماره باجه را بفرستید")
    )
    await cases.settled(handle, 2)
    await handle.execute_update(
        ComplaintWorkflow.reply_to_question,
        CitizenReplyInput(answer="باجه ۴"),
        id=f"reply_to_question/{state.tracking_code}-Q1/citizen",
    )
    await cases.settled(handle, 3)
    state = await handle.execute_update(ComplaintWorkflow.review, accept())
    await handle.signal(ComplaintWorkflow.calendar_changed, CalendarChangedInput(reason="تعطیلی اعلام‌شده"))
    await cases.settled(handle, 4)
    state = await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=True, rating=5),
        id=f"give_feedback/{state.current_task_id}/citizen",
    )
    return handle


async def claimed_reassigned_reminded_and_breached(cases: CaseDriver):
    """Claim, release and reassignment as updates (ids as api/services/claims.py names them), the task's own
    reminders (the `task-reminders` patch) and a breach recorded without the constant (`notified-by-projection`)."""
    handle, state = await cases.handling()
    county = state.current_task_id
    claim = ClaimInput(actor=UNIT_COORDINATOR, task_id=county)
    coordinator = UNIT_COORDINATOR.username
    await handle.execute_update(ComplaintWorkflow.claim_task, claim, id=f"claim_task/{county}-H0/{coordinator}")
    await handle.execute_update(ComplaintWorkflow.release_task, claim, id=f"release_task/{county}-H1/{coordinator}")
    await handle.execute_update(
        ComplaintWorkflow.reassign_task,
        ReassignInput(actor=SENIOR, task_id=county, to_username="tst-county-coord2"),
        id=f"reassign_task/{county}-H2/{SENIOR.username}",
    )
    await cases.settled(handle, 5)
    await cases.env.sleep(timedelta(hours=3, minutes=31))  # every level's budget, the reminders, the breach
    state = await cases.settled(handle)
    state = await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=True, rating=4),
        id=f"give_feedback/{state.current_task_id}/citizen",
    )
    return handle


# Since triage (workflows/triage.py): contacts that are not complaints, a referral target at review, an outcome on
# approval.


async def triage_referred_at_intake(cases: CaseDriver):
    """An out-of-scope contact: referred to a registry entry at once, with no review and no clock."""
    target = ReferralTarget(id="inspection-136", name_fa="سازمان بازرسی کل کشور", phone="136")
    return await cases.start(contact=ContactKind.OUT_OF_SCOPE, referral=target)


async def triage_suggestion_forwarded(cases: CaseDriver):
    """A suggestion: recorded and forwarded to the senior coordinator as information."""
    return await cases.start(contact=ContactKind.SUGGESTION)


async def triage_rejected_to_a_referral_target_and_approved_with_an_outcome(cases: CaseDriver):
    """One case rejected to a registry entry; another approved with the senior's outcome, then answered."""
    referred = await cases.start()
    await cases.settled(referred, 1)
    judiciary = ReferralTarget(id="judiciary", name_fa="قوه قضاییه", address_fa="دفتر خدمات الکترونیک قضایی")
    await referred.execute_update(
        ComplaintWorkflow.review,
        ReviewInput(
            actor=SENIOR, decision=ReviewDecision.REJECT, referral_note="حکم دادگاه", referral_target=judiciary
        ),
    )
    await referred.result()
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    state = await handle.execute_update(
        ComplaintWorkflow.approve,
        ApproveInput(actor=SENIOR, result_note="با تماس تلفنی حل شد", outcome=HandlingOutcome.RESOLVED_BY_PHONE),
    )
    await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=True, rating=5),
        id=f"give_feedback/{state.tasks[-1].task_id}/citizen",
    )
    return handle


async def inspected_late_then_recorded_and_closed(cases: CaseDriver):
    """An inspection ordered at review, overdue (to the senior), recorded late, approved, closed by the senior."""
    policy = default_policy(inspection_budget=timedelta(minutes=30))
    handle = await cases.start(policy)
    order = accept().model_copy(update={"inspector": "inspector1"})
    state = await handle.execute_update(ComplaintWorkflow.review, order)
    state = await cases.advance(handle, timedelta(minutes=31), events=1)
    visit = next(t for t in state.tasks if t.kind is TaskKind.INSPECTION)
    await handle.execute_update(
        ComplaintWorkflow.record_inspection,
        RecordInspectionInput(
            actor=INSPECTOR,
            task_id=visit.task_id,
            arrived_at=visit.opened_at + timedelta(minutes=20),
            findings="کارمند باجه در محل نبود؛ مدیر شعبه جایگزین گذاشت",
            outcome=HandlingOutcome.RESOLVED_ON_SITE,
        ),
    )
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="شهروند تلفنی رضایت داد"))
    return handle


async def inspection_ordered_in_handling_then_breached_and_feedback(cases: CaseDriver):
    """An inspection ordered during handling, a breach (its SMS), the unit's completion, the inspection
    cancelled at the end, feedback received."""
    policy = default_policy(level_budgets={level: timedelta(hours=10) for level in Level})
    handle, state = await cases.handling(policy)
    await handle.execute_update(
        ComplaintWorkflow.order_inspection,
        OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند در باجه بررسی شود"),
    )
    state = await cases.advance(handle, policy.sla + timedelta(seconds=1), events=5)
    state = await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(
        ComplaintWorkflow.give_feedback,
        FeedbackInput(satisfied=True, rating=4),
        id=f"give_feedback/{state.current_task_id}/citizen",
    )
    return handle


SCENARIOS: list[Callable[[CaseDriver], Awaitable]] = [
    handled_within_sla,
    escalated_to_national_and_breached,
    rejected_out_of_scope,
    reopened_after_dissatisfied_feedback,
    escalated_by_hand_sent_back_and_closed,
    encrypted_handled_within_sla,
    office_hours_with_a_pause,
    escalated_and_answered_by_updates,
    reopened_by_feedback_updates,
    office_hours_with_a_pause_answered_by_update,
    claimed_reassigned_reminded_and_breached,
    triage_referred_at_intake,
    triage_suggestion_forwarded,
    triage_rejected_to_a_referral_target_and_approved_with_an_outcome,
    inspected_late_then_recorded_and_closed,
    inspection_ordered_in_handling_then_breached_and_feedback,
]


async def record(overwrite: bool = False) -> None:
    env = await start_test_server(recording_converter())
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/foad.db"
        migrate(url)
        engine = create_engine(url)
        async with running_cases(env, sessionmaker(engine), "replay-recorder") as cases:
            for scenario in SCENARIOS:
                target = HISTORIES / f"{scenario.__name__}.json"
                if target.exists() and not overwrite:
                    print(f"kept     {target.name}")
                    continue
                handle = await scenario(cases)
                await handle.result()
                history = await handle.fetch_history()
                target.write_text(history.to_json())
                print(f"recorded {target.name}: {len(history.events)} events")
        await engine.dispose()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
