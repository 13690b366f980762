"""The rule book on its own: plain states and actors in, the actions allowed and the reasons out. No server."""

from datetime import UTC, datetime, timedelta

import pytest

from schemas.case import CaseState, Feedback, Pause, TaskInfo
from schemas.enums import CaseStatus, Level, Role, Step, TaskKind, TaskStatus
from tests.factories import CHAIN, SENIOR
from workflows.rules import (
    CITIZEN_SCOPE,
    Action,
    InvalidTransition,
    Scope,
    actor_refusal,
    allowed,
    inspection_refusal,
    refusal,
    refusals,
    state_refusal,
    task_refusal,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
AGENCY = "tst"
SENIOR_SCOPE = Scope(role=Role.SENIOR_COORDINATOR, username="tst-senior", agency_id=AGENCY)
OTHER_SENIOR = Scope(role=Role.SENIOR_COORDINATOR, username="x-senior", agency_id="other")
COUNTY = Scope(
    role=Role.UNIT_COORDINATOR, username="tst-county-coord", agency_id=AGENCY, unit_ids=frozenset({"tst-county"})
)
PROVINCE = Scope(
    role=Role.UNIT_COORDINATOR, username="tst-province-coord", agency_id=AGENCY, unit_ids=frozenset({"tst-province"})
)
INSPECTOR = Scope(role=Role.INSPECTOR, username="inspector1", agency_id=AGENCY)
ADMIN = Scope(role=Role.ADMIN, username="admin")
AUDITOR = Scope(role=Role.AUDITOR, username="auditor")


def case(status: CaseStatus, **fields) -> CaseState:
    state = CaseState(
        tracking_code="12345678903",
        agency_id=AGENCY,
        status=status,
        step=Step.REVIEW,
        registered_at=NOW,
        due_at=NOW + timedelta(hours=3),
        tasks=[
            TaskInfo(
                task_id="12345678903-T1",
                kind=TaskKind.REVIEW,
                status=TaskStatus.OPEN,
                agency_id=AGENCY,
                opened_at=NOW,
            )
        ],
        current_task_id="12345678903-T1",
    )
    return state.model_copy(update=fields)


def handling(level: Level = Level.COUNTY, **fields) -> CaseState:
    unit = next(u for u in CHAIN if u.level is level)
    task = TaskInfo(
        task_id="12345678903-T2",
        kind=TaskKind.HANDLING,
        status=TaskStatus.OPEN,
        agency_id=AGENCY,
        unit_id=unit.id,
        level=level,
        opened_at=NOW,
        assignee="inspector1",
    )
    return case(
        CaseStatus.IN_HANDLING,
        step=Step.HANDLING,
        level=level,
        unit=unit,
        chain=CHAIN,
        tasks=[task],
        current_task_id=task.task_id,
        **fields,
    )


def paused(state: CaseState) -> CaseState:
    pause = Pause(
        started_at=NOW, reason="شماره باجه را بفرستید", requested_by=SENIOR, reply_due_at=NOW + timedelta(days=1)
    )
    return state.model_copy(update={"pauses": [pause]})


def test_each_role_is_offered_what_its_scope_and_the_state_allow():
    review = case(CaseStatus.IN_REVIEW)
    assert allowed(review, SENIOR_SCOPE) == {Action.REVIEW, Action.REQUEST_INFORMATION}
    assert allowed(review, OTHER_SENIOR) == set()
    assert allowed(review, COUNTY) == set(), "no unit holds a task in review"
    assert allowed(review, CITIZEN_SCOPE) == set()

    county = handling()
    assert allowed(county, SENIOR_SCOPE) == {
        Action.COMPLETE,
        Action.ESCALATE,
        Action.REQUEST_INFORMATION,
        Action.REASSIGN,
        Action.ORDER_INSPECTION,
    }, "the senior gives a task to a named coordinator; it claims none"
    assert allowed(county, COUNTY) == {Action.COMPLETE, Action.ESCALATE, Action.REQUEST_INFORMATION, Action.CLAIM}
    assert allowed(county, PROVINCE) == set(), "the provincial unit does not hold the county's task"
    assert allowed(county, INSPECTOR) == {Action.COMPLETE}, "the inspector ordered on site"
    assert allowed(county, ADMIN) == {Action.ESCALATE}
    assert allowed(county, AUDITOR) == set()

    approval = case(CaseStatus.AWAITING_APPROVAL, step=Step.RESULT, current_task_id=None)
    assert allowed(approval, SENIOR_SCOPE) == {Action.APPROVE, Action.SEND_BACK}, "close comes after the result"

    feedback = case(CaseStatus.AWAITING_FEEDBACK, step=Step.FEEDBACK, current_task_id=None, result_approved_at=NOW)
    assert allowed(feedback, SENIOR_SCOPE) == {Action.CLOSE}
    assert allowed(feedback, CITIZEN_SCOPE) == {Action.FEEDBACK}

    for final in (CaseStatus.CLOSED, CaseStatus.REJECTED):
        for actor in (SENIOR_SCOPE, COUNTY, CITIZEN_SCOPE, AUDITOR):
            assert allowed(case(final, current_task_id=None), actor) == set()
        assert allowed(case(final, current_task_id=None), ADMIN) == {Action.ERASE}, "only the erasure is left"


def test_only_the_admin_erases_and_only_a_final_case():
    for actor in (SENIOR_SCOPE, COUNTY, AUDITOR, CITIZEN_SCOPE):
        refused = refusal(Action.ERASE, case(CaseStatus.CLOSED, current_task_id=None), actor)
        assert refused is not None and refused.forbidden
    for status in (CaseStatus.IN_REVIEW, CaseStatus.IN_HANDLING, CaseStatus.AWAITING_FEEDBACK):
        refused = refusal(Action.ERASE, case(status), ADMIN)
        assert refused is not None and not refused.forbidden and refused.code == "case_running"
        assert refused.message_fa.startswith("پرونده هنوز باز است")


def test_a_paused_case_allows_only_the_citizens_answer():
    state = paused(handling())
    assert allowed(state, SENIOR_SCOPE) == set()
    assert allowed(state, CITIZEN_SCOPE) == {Action.REPLY}
    for action in (Action.REVIEW, Action.COMPLETE, Action.ESCALATE, Action.REQUEST_INFORMATION):
        refused = refusal(action, state, SENIOR_SCOPE)
        assert refused is not None and not refused.forbidden
        if action is not Action.REVIEW:
            assert refused.message_fa == "پرونده در انتظار پاسخ شهروند است"


def test_escalation_stops_at_the_national_level_and_with_a_stale_task():
    refused = state_refusal(Action.ESCALATE, handling(Level.NATIONAL))
    assert refused is not None and refused.message_fa == "پرونده در بالاترین سطح (ستاد ملی) است"
    refused = state_refusal(Action.ESCALATE, case(CaseStatus.IN_REVIEW))
    assert refused.message_fa == "فقط پرونده‌ای که در مرحله رسیدگی است به سطح بالاتر منتقل می‌شود"
    assert refused.status is CaseStatus.IN_REVIEW and "(status: in_review)" in refused.message
    assert task_refusal(handling(), "12345678903-T2") is None
    stale = task_refusal(handling(), "12345678903-T1")
    assert stale is not None and "وظیفه" in stale.message_fa


def test_feedback_is_due_once_per_result():
    approved = case(CaseStatus.AWAITING_FEEDBACK, current_task_id=None, result_approved_at=NOW)
    assert state_refusal(Action.FEEDBACK, approved) is None
    answered = approved.model_copy(
        update={"feedback": Feedback(satisfied=True, rating=5, at=NOW + timedelta(minutes=1))}
    )
    refused = state_refusal(Action.FEEDBACK, answered)
    assert refused is not None and refused.code == "feedback_not_due" and "پیش‌تر" in refused.message_fa
    # reopened, handled again and approved later: the first answer was on the first result
    again = answered.model_copy(update={"result_approved_at": NOW + timedelta(hours=2), "reopened": True})
    assert state_refusal(Action.FEEDBACK, again) is None
    not_due = state_refusal(Action.FEEDBACK, handling())
    assert (not_due.code, not_due.message_fa) == ("feedback_not_due", "این پرونده در انتظار بازخورد نیست")


def test_a_reply_needs_an_open_question_and_questions_have_a_limit():
    refused = state_refusal(Action.REPLY, handling())
    assert (refused.code, refused.message_fa) == ("no_question_open", "پرسشی از شما در این پرونده باز نیست")
    assert state_refusal(Action.REPLY, paused(handling())) is None
    asked_twice = handling(max_information_requests=1)
    asked_twice = paused(asked_twice)
    asked_twice.pauses[0].ended_at = NOW + timedelta(minutes=5)
    refused = state_refusal(Action.REQUEST_INFORMATION, asked_twice)
    assert refused is not None and refused.message_fa == "سقف درخواست اطلاعات از شهروند برای این پرونده پر شده است"
    breached = handling(breached=True)
    assert state_refusal(Action.REQUEST_INFORMATION, breached).message_fa == "مهلت رسیدگی گذشته است و توقف آن ممکن نیست"


@pytest.mark.parametrize(
    ("action", "actor", "task_unit", "reason_fa"),
    [
        (Action.APPROVE, COUNTY, None, "فقط راهبر ارشد دستگاه مربوط می‌تواند این کار را انجام دهد."),
        (Action.ESCALATE, PROVINCE, "tst-county", "فقط واحدی که رسیدگی پرونده اکنون با آن است"),
        (Action.ESCALATE, INSPECTOR, "tst-county", "فقط راهبر ارشد دستگاه، واحدی که رسیدگی با آن است یا مدیر سامانه"),
        (Action.REQUEST_INFORMATION, ADMIN, "tst-county", "فقط راهبر ارشد دستگاه یا واحد مسئول رسیدگی"),
        (Action.FEEDBACK, SENIOR_SCOPE, None, "فقط شهروندی که شکایت را ثبت کرده"),
        (Action.REVIEW, CITIZEN_SCOPE, None, "فقط راهبر ارشد دستگاه مربوط"),
        (Action.ORDER_INSPECTION, COUNTY, "tst-county", "فقط راهبر ارشد دستگاه مربوط"),
        (Action.RECORD_INSPECTION, COUNTY, "tst-county", "فقط بازرسی که برای این بازرسی حضوری تعیین شده"),
    ],
)
def test_who_may_not_act_is_told_why(action, actor, task_unit, reason_fa):
    task = handling().current_task.model_copy(update={"unit_id": task_unit})
    refused = actor_refusal(action, actor, agency_id=AGENCY, task=task)
    assert refused is not None and refused.forbidden and refused.message_fa.startswith(reason_fa)


def test_every_action_has_an_answer_and_a_refusal_becomes_the_workflows_error():
    answers = refusals(case(CaseStatus.IN_REVIEW), SENIOR_SCOPE)
    assert set(answers) == set(Action)
    error = answers[Action.APPROVE].error()
    assert isinstance(error, InvalidTransition) and error.non_retryable and error.type == "InvalidTransition"
    assert error.details[0] == "نتیجه‌ای در انتظار تأیید نیست"
    assert error.details[1] == {"code": "invalid_action", "status": "in_review"}


def test_a_task_is_claimed_once_released_by_its_holder_and_reassigned_by_the_senior():
    from workflows.rules import claim_refusal

    county = handling()
    task_id = county.current_task_id
    assert claim_refusal(Action.CLAIM, county, task_id, COUNTY.username) is None
    held = county.model_copy(deep=True)
    held.current_task.holder = COUNTY.username
    other = claim_refusal(Action.CLAIM, held, task_id, "tst-county-coord2")
    assert other is not None and other.code == "task_held" and COUNTY.username in other.message_fa
    assert claim_refusal(Action.CLAIM, held, task_id, COUNTY.username) is None, "the holder's retried press"
    assert claim_refusal(Action.RELEASE, county, task_id, COUNTY.username).code == "task_not_held"
    assert claim_refusal(Action.RELEASE, held, task_id, "tst-county-coord2").code == "task_held"
    assert claim_refusal(Action.REASSIGN, held, task_id, SENIOR_SCOPE.username, COUNTY.username).code == "task_held"
    stale = claim_refusal(Action.CLAIM, county, "12345678903-T1", COUNTY.username)
    assert stale is not None and "وظیفه" in stale.message_fa
    assert claim_refusal(Action.CLAIM, paused(county), task_id, COUNTY.username) is not None

    task = held.current_task
    assert actor_refusal(Action.CLAIM, PROVINCE, agency_id=AGENCY, task=task).forbidden
    assert actor_refusal(Action.REASSIGN, COUNTY, agency_id=AGENCY, task=task).forbidden
    assert actor_refusal(Action.REASSIGN, SENIOR_SCOPE, agency_id=AGENCY, task=task) is None
    second = Scope(
        role=Role.UNIT_COORDINATOR, username="tst-county-coord2", agency_id=AGENCY, unit_ids=frozenset({"tst-county"})
    )
    for action in (Action.COMPLETE, Action.ESCALATE, Action.REQUEST_INFORMATION, Action.RELEASE):
        refused = actor_refusal(action, second, agency_id=AGENCY, task=task)
        assert refused is not None and refused.forbidden, action
    assert allowed(held, second) == set(), "a task another coordinator holds is not the second's to act on"
    assert allowed(held, COUNTY) == {Action.COMPLETE, Action.ESCALATE, Action.REQUEST_INFORMATION, Action.RELEASE}


def inspected(**task_fields) -> CaseState:
    """A county case with an on-site inspection open for inspector1."""
    state = handling()
    visit = TaskInfo(
        task_id="12345678903-T3",
        kind=TaskKind.INSPECTION,
        status=TaskStatus.OPEN,
        agency_id=AGENCY,
        opened_at=NOW,
        due_at=NOW + timedelta(hours=1),
        assignee="inspector1",
        **task_fields,
    )
    state.current_task.assignee = None
    return state.model_copy(update={"tasks": [*state.tasks, visit]})


def test_an_inspection_is_ordered_by_the_senior_in_handling_and_only_one_at_a_time():
    assert refusal(Action.ORDER_INSPECTION, handling(), SENIOR_SCOPE) is None
    assert refusal(Action.ORDER_INSPECTION, handling(), INSPECTOR).forbidden
    in_review = state_refusal(Action.ORDER_INSPECTION, case(CaseStatus.IN_REVIEW))
    assert in_review is not None and "همراه دستور اقدام" in in_review.message_fa
    assert state_refusal(Action.ORDER_INSPECTION, paused(handling())).message_fa == "پرونده در انتظار پاسخ شهروند است"
    twice = state_refusal(Action.ORDER_INSPECTION, inspected())
    assert (twice.code, twice.message_fa) == ("inspection_open", "یک بازرسی حضوری برای این پرونده هنوز در جریان است")


def test_only_the_named_inspector_records_an_inspection_until_it_passes_to_the_senior():
    state = inspected()
    assert allowed(state, INSPECTOR) == {Action.RECORD_INSPECTION}, "the handling task is the unit's now"
    other = Scope(role=Role.INSPECTOR, username="inspector2", agency_id=AGENCY)
    assert refusal(Action.RECORD_INSPECTION, state, other).forbidden
    assert refusal(Action.RECORD_INSPECTION, state, SENIOR_SCOPE).forbidden, "not before it is overdue"
    overdue = inspected(escalated_at=NOW + timedelta(hours=1))
    assert refusal(Action.RECORD_INSPECTION, overdue, SENIOR_SCOPE) is None
    assert refusal(Action.RECORD_INSPECTION, overdue, INSPECTOR) is None, "the inspector may still record it late"
    assert refusal(Action.RECORD_INSPECTION, overdue, OTHER_SENIOR).forbidden


def test_a_record_needs_the_open_inspection_of_the_case():
    none_open = state_refusal(Action.RECORD_INSPECTION, handling())
    assert (none_open.code, none_open.message_fa) == ("no_inspection_open", "بازرسی حضوری بازی برای این پرونده نیست")
    assert inspection_refusal(inspected(), "12345678903-T3") is None
    assert inspection_refusal(inspected(), "12345678903-T2").code == "no_inspection_open"
    closed = inspected().model_copy(update={"status": CaseStatus.CLOSED})
    assert state_refusal(Action.RECORD_INSPECTION, closed) is not None
