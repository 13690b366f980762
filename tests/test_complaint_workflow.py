"""ComplaintWorkflow on the time-skipping test server: every path, hours of deadlines in milliseconds."""

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from database.models import CaseEventRow, SmsOutbox, Task
from schemas.actions import (
    ApproveInput,
    CitizenReplyInput,
    CloseInput,
    CompleteTaskInput,
    EscalateInput,
    FeedbackInput,
    InformationRequestInput,
    ReviewInput,
    SendBackInput,
)
from schemas.case import CaseState
from schemas.enums import (
    CaseStatus,
    EventKind,
    HandlingOutcome,
    Level,
    ReviewDecision,
    Step,
    TaskKind,
    TaskStatus,
)
from tests.factories import CHAIN, SENIOR, UNIT_COORDINATOR, accept, case_start, default_policy
from workflows.complaint import ComplaintWorkflow


def kinds(state: CaseState) -> list[EventKind]:
    return [event.kind for event in state.events]


async def test_case_handled_within_sla_closes_satisfied_and_projects_everything(cases):
    handle, state = await cases.handling()
    assert state.status is CaseStatus.IN_HANDLING and state.level is Level.COUNTY
    state = await cases.complete(handle, state)
    assert state.status is CaseStatus.AWAITING_APPROVAL and state.step is Step.RESULT
    state = await cases.approve(handle)
    assert state.status is CaseStatus.AWAITING_FEEDBACK
    answered = await handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=True, rating=5))
    assert answered.status is CaseStatus.CLOSED, "the update returns once the feedback is recorded"
    final = await handle.result()

    assert final.status is CaseStatus.CLOSED and not final.breached
    assert final.result_approved_at <= final.due_at
    assert kinds(final) == [
        EventKind.REGISTERED,
        EventKind.REVIEW_ACCEPTED,
        EventKind.TASK_COMPLETED,
        EventKind.RESULT_APPROVED,
        EventKind.FEEDBACK,
    ]
    code = final.tracking_code
    row = await cases.case_row(code)
    assert (row.status, row.step, row.satisfied, row.rating, row.last_seq) == ("closed", "feedback", True, 5, 5)
    assert [e.seq for e in await cases.rows(CaseEventRow, code)] == [1, 2, 3, 4, 5]
    tasks = {t.task_id: t for t in await cases.rows(Task, code)}
    assert [(t.kind, t.status) for t in tasks.values()] == [
        ("review", "completed"),
        ("handling", "completed"),
        ("approval", "completed"),
    ]
    assert tasks[f"{code}-T2"].closed_by == UNIT_COORDINATOR.username
    sms = await cases.rows(SmsOutbox, code)
    assert [m.template for m in sms] == ["registered", "accepted", "result", "feedback_received"]
    assert all(m.mobile == "09121234567" for m in sms)
    assert "۱" in sms[0].body or "۰" in sms[0].body


async def test_county_expiry_escalates_through_every_level_to_national(cases):
    policy = default_policy()
    handle, state = await cases.handling(policy)
    for level in (Level.COUNTY, Level.PROVINCIAL, Level.SUBORDINATE):
        assert (await cases.state(handle)).level is level
        state = await cases.advance(handle, policy.budget(level) + timedelta(seconds=1), events=1)
    assert state.level is Level.NATIONAL and state.unit.id == CHAIN[-1].id
    assert state.escalations == 3
    handling = [t for t in state.tasks if t.kind is TaskKind.HANDLING]
    assert [(t.level, t.status) for t in handling] == [
        (Level.COUNTY, TaskStatus.EXPIRED),
        (Level.PROVINCIAL, TaskStatus.EXPIRED),
        (Level.SUBORDINATE, TaskStatus.EXPIRED),
        (Level.NATIONAL, TaskStatus.OPEN),
    ]
    state = await cases.advance(handle, policy.budget(Level.NATIONAL) + timedelta(seconds=1), events=1)
    assert EventKind.ESCALATION_EXHAUSTED in kinds(state)
    assert state.current_task.status is TaskStatus.OPEN, "at the top the task stays open, not lost"
    rows = await cases.rows(Task, state.tracking_code)
    assert sorted(t.status for t in rows if t.kind == "handling") == ["expired", "expired", "expired", "open"]
    assert (await cases.case_row(state.tracking_code)).level == "national"


async def test_manual_escalation_moves_the_case_one_level_up(cases):
    handle, state = await cases.handling()
    state = await handle.execute_update(
        ComplaintWorkflow.escalate_task,
        EscalateInput(actor=SENIOR, reason="واحد شهرستان پاسخگو نیست", from_task_id=state.current_task_id),
    )
    assert state.level is Level.PROVINCIAL, "the update returns once the escalation is recorded"
    assert kinds(state)[-1] is EventKind.ESCALATED
    escalated = [e for e in state.events if e.kind is EventKind.ESCALATED]
    assert escalated[0].actor.username == SENIOR.username and escalated[0].data["cause"] == "manual"
    assert state.tasks[1].status is TaskStatus.CANCELLED
    state = await cases.settled(handle, 3)
    assert (await cases.case_row(state.tracking_code)).level == "provincial"


async def test_escalation_is_refused_with_its_reason_when_the_state_does_not_allow_it(cases):
    def escalation(task_id: str | None = None) -> EscalateInput:
        return EscalateInput(actor=SENIOR, reason="فوری است", from_task_id=task_id)

    handle = await cases.start()
    message, message_fa = await rejection(handle, ComplaintWorkflow.escalate_task, escalation())
    assert "only a case in handling" in message and "(status: in_review)" in message
    assert message_fa == "فقط پرونده‌ای که در مرحله رسیدگی است به سطح بالاتر منتقل می‌شود"

    state = await handle.execute_update(ComplaintWorkflow.review, accept())
    message, message_fa = await rejection(handle, ComplaintWorkflow.escalate_task, escalation("not-the-current-task"))
    assert "no longer open" in message and "وظیفه" in message_fa, "a stale escalation is refused, not ignored"

    await handle.execute_update(
        ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="شماره باجه را بفرستید")
    )
    _, message_fa = await rejection(handle, ComplaintWorkflow.escalate_task, escalation(state.current_task_id))
    assert message_fa == "پرونده در انتظار پاسخ شهروند است"
    await handle.execute_update(ComplaintWorkflow.reply_to_question, CitizenReplyInput(answer="باجه ۴"))

    national = accept(chain=CHAIN[-1:])
    top = await cases.start()
    state = await top.execute_update(ComplaintWorkflow.review, national)
    _, message_fa = await rejection(top, ComplaintWorkflow.escalate_task, escalation(state.current_task_id))
    assert message_fa == "پرونده در بالاترین سطح (ستاد ملی) است"
    for case in (handle, top):
        assert EventKind.ESCALATED not in kinds(await cases.state(case))
        assert EventKind.IGNORED_SIGNAL not in kinds(await cases.state(case)), "refused, so nothing to record"


async def test_the_legacy_signals_still_act_and_ignore_as_before(cases):
    """The signals stay for histories recorded before the updates (the replay set proves those too)."""
    handle, state = await cases.handling()
    await handle.signal(
        ComplaintWorkflow.escalate, EscalateInput(actor=SENIOR, reason="دیرهنگام", from_task_id="not-the-current-task")
    )
    state = await cases.settled(handle, 3)
    assert state.level is Level.COUNTY and EventKind.IGNORED_SIGNAL in kinds(state)
    await handle.signal(
        ComplaintWorkflow.escalate,
        EscalateInput(actor=SENIOR, reason="پاسخ نمی‌دهد", from_task_id=state.current_task_id),
    )
    state = await cases.settled(handle, 4)
    assert state.level is Level.PROVINCIAL
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.signal(ComplaintWorkflow.feedback, FeedbackInput(satisfied=True, rating=4))
    assert (await handle.result()).feedback.rating == 4


async def test_reminders_then_breach_at_three_hours_moves_case_to_the_top(cases):
    policy = default_policy(level_budgets={level: timedelta(hours=10) for level in Level})
    handle, state = await cases.handling(policy)
    state = await cases.advance(handle, policy.sla + timedelta(seconds=1), events=4)
    assert state.reminders_sent == 2
    assert state.breached and state.breached_at >= state.due_at
    assert state.level is Level.NATIONAL and state.escalations == 1
    assert kinds(state)[-4:] == [EventKind.REMINDER, EventKind.REMINDER, EventKind.BREACHED, EventKind.ESCALATED]
    breach = next(e for e in state.events if e.kind is EventKind.BREACHED)
    assert breach.at - state.registered_at >= policy.sla
    row = await cases.case_row(state.tracking_code)
    assert row.breached and row.level == "national"
    state = await cases.complete(handle, state)
    state = await cases.approve(handle)
    assert state.breached, "the breach stays on the record after the result"


async def test_breach_during_review_sends_the_accepted_case_to_the_top(cases):
    policy = default_policy()
    handle = await cases.start(policy)
    await cases.env.sleep(policy.sla + timedelta(seconds=1))
    state = await handle.execute_update(ComplaintWorkflow.review, accept())
    assert state.breached and state.level is Level.NATIONAL
    assert EventKind.REVIEW_OVERDUE in kinds(state)


async def test_out_of_scope_rejection_ends_the_case_with_a_referral(cases):
    handle = await cases.start()
    await handle.execute_update(
        ComplaintWorkflow.review,
        ReviewInput(
            actor=SENIOR,
            decision=ReviewDecision.REJECT,
            referral_note="موضوع محتوایی است؛ به دیوان عدالت اداری مراجعه کنید",
        ),
    )
    final = await handle.result()
    assert final.status is CaseStatus.REJECTED and final.referral_note.startswith("موضوع")
    assert [m.template for m in await cases.rows(SmsOutbox, final.tracking_code)] == ["registered", "rejected"]


async def test_send_back_reopens_handling_at_the_same_unit(cases):
    handle, state = await cases.handling()
    state = await cases.complete(handle, state)
    state = await handle.execute_update(
        ComplaintWorkflow.send_back, SendBackInput(actor=SENIOR, reason="گزارش ناقص است؛ نام کارمند جایگزین را بنویسید")
    )
    assert state.status is CaseStatus.IN_HANDLING and state.level is Level.COUNTY
    assert state.outcome is None
    assert [t.status for t in state.tasks] == [
        TaskStatus.COMPLETED,
        TaskStatus.COMPLETED,
        TaskStatus.CANCELLED,
        TaskStatus.OPEN,
    ]
    state = await cases.complete(handle, state)
    assert state.status is CaseStatus.AWAITING_APPROVAL


async def test_dissatisfied_feedback_reopens_once_one_level_higher(cases):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    first = await cases.approve(handle)
    dissatisfied = FeedbackInput(satisfied=False, rating=1, comment="مشکل حل نشد")
    state = await handle.execute_update(ComplaintWorkflow.give_feedback, dissatisfied)
    assert state.status is CaseStatus.IN_HANDLING and state.reopened
    assert state.level is Level.PROVINCIAL
    assert state.due_at > first.due_at, "a reopened case gets a fresh 3-hour leg"
    await cases.complete(handle, state)
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=False, rating=2))
    final = await handle.result()
    assert final.status is CaseStatus.CLOSED, "a case reopens only once"
    assert kinds(final).count(EventKind.REOPENED) == 1
    assert final.feedback.rating == 2


async def test_feedback_is_refused_with_its_reason_unless_the_result_awaits_it(cases):
    handle, state = await cases.handling()
    answer = FeedbackInput(satisfied=True, rating=5)
    message, message_fa = await rejection(handle, ComplaintWorkflow.give_feedback, answer)
    assert "not awaiting feedback" in message and message_fa == "این پرونده در انتظار بازخورد نیست"
    await cases.complete(handle, state)
    await cases.approve(handle)
    # two answers at once (both dissatisfied, so the case runs on): one is taken, the other refused with the reason
    results = await asyncio.gather(
        handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=False, rating=1)),
        handle.execute_update(ComplaintWorkflow.give_feedback, FeedbackInput(satisfied=False, rating=2)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, CaseState) for r in results) == 1, results
    [refused] = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
    assert refused.cause.details[0] in (
        "این پرونده در انتظار بازخورد نیست",
        "بازخورد شما درباره این نتیجه پیش‌تر ثبت شده است",
    )
    _, message_fa = await rejection(handle, ComplaintWorkflow.give_feedback, answer)
    assert message_fa in ("این پرونده در انتظار بازخورد نیست", "بازخورد شما درباره این نتیجه پیش‌تر ثبت شده است")
    state = await cases.state(handle)
    assert kinds(state).count(EventKind.REOPENED) == 1 and state.status is CaseStatus.IN_HANDLING


async def test_a_reply_with_no_question_open_is_refused_and_an_answer_runs_the_clock_again(cases):
    handle, state = await cases.handling()
    reply = CitizenReplyInput(answer="باجه ۴")
    message, message_fa = await rejection(handle, ComplaintWorkflow.reply_to_question, reply)
    assert "no question" in message and message_fa == "پرسشی از شما در این پرونده باز نیست"
    asked = await handle.execute_update(
        ComplaintWorkflow.request_information, InformationRequestInput(actor=SENIOR, reason="شماره باجه را بفرستید")
    )
    assert asked.open_pause is not None
    answered = await handle.execute_update(ComplaintWorkflow.reply_to_question, reply)
    assert answered.open_pause is None and answered.pauses[0].answer == "باجه ۴"
    assert kinds(answered)[-1] is EventKind.INFORMATION_RECEIVED, "the update returns once the answer is recorded"
    assert answered.due_at > asked.due_at, "the deadline moved by the time paused"
    _, message_fa = await rejection(handle, ComplaintWorkflow.reply_to_question, CitizenReplyInput(answer="باز هم"))
    assert message_fa == "پرسشی از شما در این پرونده باز نیست"
    state = await cases.complete(handle, answered)
    assert state.status is CaseStatus.AWAITING_APPROVAL, "the case runs on after the answer"


async def test_silence_closes_the_case_when_the_feedback_window_ends(cases):
    policy = default_policy()
    handle, state = await cases.handling(policy)
    await cases.complete(handle, state)
    approved = await cases.approve(handle)
    final = await handle.result()
    assert final.status is CaseStatus.CLOSED and final.feedback is None
    assert final.closed_at - approved.result_approved_at >= policy.feedback_window
    assert (await cases.case_row(final.tracking_code)).status == "closed"


async def test_coordinator_may_close_after_the_result(cases):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    await cases.approve(handle)
    state = await handle.execute_update(
        ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="شهروند تلفنی رضایت داد")
    )
    assert state.status is CaseStatus.CLOSED
    assert (await handle.result()).status is CaseStatus.CLOSED


async def rejection(handle, update, arg) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(update, arg)
    cause = failure.value.cause
    return cause.message, cause.details[0]


async def test_every_invalid_action_is_rejected_with_its_reason(cases):
    handle = await cases.start()
    approve = ApproveInput(actor=SENIOR, result_note="نتیجه")
    assert "no result awaiting approval" in (await rejection(handle, ComplaintWorkflow.approve, approve))[0]
    message, message_fa = await rejection(handle, ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="بستن"))
    assert "only a case whose result was approved" in message and "بسته" in message_fa
    send_back = SendBackInput(actor=SENIOR, reason="برگشت")
    assert "no result to send back" in (await rejection(handle, ComplaintWorkflow.send_back, send_back))[0]
    complete = CompleteTaskInput(
        actor=UNIT_COORDINATOR, task_id="x", outcome=HandlingOutcome.RESOLVED_BY_PHONE, note="..."
    )
    assert "no handling task open" in (await rejection(handle, ComplaintWorkflow.complete_task, complete))[0]
    broken_chain = accept(chain=CHAIN[:2])
    assert "national HQ" in (await rejection(handle, ComplaintWorkflow.review, broken_chain))[0]

    state = await handle.execute_update(ComplaintWorkflow.review, accept())
    assert "not awaiting review" in (await rejection(handle, ComplaintWorkflow.review, accept()))[0]
    stale = complete.model_copy(update={"task_id": f"{state.tracking_code}-T1"})
    message, message_fa = await rejection(handle, ComplaintWorkflow.complete_task, stale)
    assert "no longer open" in message and "وظیفه" in message_fa
    state = await cases.state(handle)
    assert kinds(state) == [EventKind.REGISTERED, EventKind.REVIEW_ACCEPTED], "rejected actions leave no trace"


async def test_concurrent_approvals_only_one_wins(cases):
    handle, state = await cases.handling()
    await cases.complete(handle, state)
    results = await asyncio.gather(cases.approve(handle), cases.approve(handle), return_exceptions=True)
    assert sum(isinstance(r, CaseState) for r in results) == 1
    assert sum(isinstance(r, WorkflowUpdateFailedError) for r in results) == 1
    state = await cases.state(handle)
    assert kinds(state).count(EventKind.RESULT_APPROVED) == 1


async def test_duplicate_intake_gives_one_case(cases):
    start = case_start(registered_at=await cases.env.get_current_time())
    first = await cases.start(tracking_code=start.tracking_code)
    second = await cases.start(tracking_code=start.tracking_code)
    assert first.result_run_id == second.result_run_id
    await cases.settled(second, 1)
    assert len(await cases.rows(CaseEventRow, start.tracking_code)) == 1
    assert len(await cases.rows_reaching(SmsOutbox, start.tracking_code, 1)) == 1
