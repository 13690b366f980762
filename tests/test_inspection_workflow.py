"""On-site inspections on the time-skipping test server: a task of its own with its own deadline, recorded by the
named inspector, passed to the senior coordinator when late."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from database.models import CaseEventRow, Task
from schemas.actions import CloseInput, OrderInspectionInput, RecordInspectionInput, ReviewInput
from schemas.case import Actor, CaseState
from schemas.enums import CaseStatus, EventKind, HandlingOutcome, ReviewDecision, Role, TaskKind, TaskStatus
from tests.factories import CHAIN, SENIOR, default_policy
from workflows.complaint import ComplaintWorkflow

INSPECTOR = Actor(username="inspector1", role=Role.INSPECTOR, user_id=9)


def inspection(state: CaseState):
    return next(t for t in state.tasks if t.kind is TaskKind.INSPECTION)


def record(task_id: str, arrived_at, outcome=HandlingOutcome.RESOLVED_ON_SITE) -> RecordInspectionInput:
    return RecordInspectionInput(
        actor=INSPECTOR,
        task_id=task_id,
        arrived_at=arrived_at,
        findings="کارمند باجه در محل حاضر شد و پرونده مستمری همان‌جا انجام شد",
        outcome=outcome,
    )


async def test_review_with_an_inspector_opens_an_inspection_task_beside_the_handling(cases):
    policy = default_policy(inspection_budget=timedelta(minutes=45))
    handle = await cases.start(policy)
    order = ReviewInput(
        actor=SENIOR,
        decision=ReviewDecision.ACCEPT,
        action_order="بازرس به شعبه برود",
        chain=CHAIN,
        inspector="inspector1",
    )
    await handle.execute_update(ComplaintWorkflow.review, order)
    state = await cases.settled(handle, 3)
    visit = inspection(state)
    assert state.current_task.kind is TaskKind.HANDLING, "the inspection is never the case's current task"
    assert state.current_task.assignee is None
    assert (visit.assignee, visit.status, visit.due_at - visit.opened_at) == (
        "inspector1",
        TaskStatus.OPEN,
        timedelta(minutes=45),
    )
    assert [e.kind for e in state.events][-2:] == [EventKind.REVIEW_ACCEPTED, EventKind.INSPECTION_ORDERED]
    rows = {t.task_id: t for t in await cases.rows(Task, state.tracking_code)}
    assert (rows[visit.task_id].kind, rows[visit.task_id].assignee) == ("inspection", "inspector1")


async def test_the_inspectors_record_completes_the_handling_and_the_result_awaits_approval(cases):
    handle, state = await cases.handling()
    state = await handle.execute_update(
        ComplaintWorkflow.order_inspection,
        OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند در باجه بررسی شود"),
    )
    visit = inspection(state)
    await cases.env.sleep(timedelta(minutes=12))
    arrived = visit.opened_at + timedelta(minutes=10)
    state = await handle.execute_update(ComplaintWorkflow.record_inspection, record(visit.task_id, arrived))
    assert state.status is CaseStatus.AWAITING_APPROVAL
    assert state.outcome is HandlingOutcome.RESOLVED_ON_SITE
    done = inspection(state)
    assert (done.status, done.arrived_at, done.closed_by.username) == (TaskStatus.COMPLETED, arrived, "inspector1")
    assert [e.kind for e in state.events][-2:] == [EventKind.INSPECTION_COMPLETED, EventKind.TASK_COMPLETED]
    completed = next(e for e in state.events if e.kind is EventKind.INSPECTION_COMPLETED)
    assert completed.data["late"] is False and completed.data["arrived_at"] == arrived.isoformat()
    state = await cases.settled(handle, len(state.events))
    row = next(t for t in await cases.rows(Task, state.tracking_code) if t.task_id == visit.task_id)
    assert (row.status, row.arrived_at, row.outcome) == ("completed", arrived, "resolved_on_site")


async def test_an_inspection_not_done_in_time_passes_to_the_senior_and_may_be_recorded_late(cases):
    policy = default_policy(inspection_budget=timedelta(minutes=30))
    handle, state = await cases.handling(policy)
    await handle.execute_update(
        ComplaintWorkflow.order_inspection,
        OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند در باجه بررسی شود"),
    )
    state = await cases.advance(handle, timedelta(minutes=31), events=1)
    overdue = [e for e in state.events if e.kind is EventKind.INSPECTION_OVERDUE]
    assert len(overdue) == 1 and overdue[0].data["inspector"] == "inspector1"
    visit = inspection(state)
    assert visit.status is TaskStatus.OPEN and visit.escalated_at is not None
    row = next(t for t in await cases.rows(Task, state.tracking_code) if t.task_id == visit.task_id)
    assert row.escalated_at == visit.escalated_at
    state = await handle.execute_update(
        ComplaintWorkflow.record_inspection, record(visit.task_id, visit.opened_at + timedelta(minutes=25))
    )
    completed = next(e for e in state.events if e.kind is EventKind.INSPECTION_COMPLETED)
    assert completed.data["late"] is True
    events = await cases.rows(CaseEventRow, state.tracking_code)
    assert EventKind.INSPECTION_OVERDUE.value in [e.kind for e in events]


async def test_inspection_orders_and_records_the_state_does_not_allow_are_refused_with_the_reason(cases):
    handle = await cases.start()
    order = OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند بررسی شود")
    with pytest.raises(WorkflowUpdateFailedError) as in_review:
        await handle.execute_update(ComplaintWorkflow.order_inspection, order)
    assert "in handling" in in_review.value.cause.message
    handle, state = await cases.handling()
    state = await handle.execute_update(ComplaintWorkflow.order_inspection, order)
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await handle.execute_update(ComplaintWorkflow.order_inspection, order)
    assert "already open" in twice.value.cause.message
    with pytest.raises(WorkflowUpdateFailedError) as wrong_task:
        await handle.execute_update(
            ComplaintWorkflow.record_inspection, record(state.current_task_id, state.registered_at)
        )
    assert "not an open inspection" in wrong_task.value.cause.message
    assert inspection(await cases.state(handle)).status is TaskStatus.OPEN, "a refused record changes nothing"


async def test_a_case_that_ends_with_an_inspection_open_cancels_it(cases):
    handle, state = await cases.handling()
    await handle.execute_update(
        ComplaintWorkflow.order_inspection,
        OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند بررسی شود"),
    )
    await cases.complete(handle, await cases.state(handle))  # the unit resolved it before the visit
    await cases.approve(handle)
    await handle.execute_update(ComplaintWorkflow.close, CloseInput(actor=SENIOR, reason="پرونده پایان یافت"))
    final = await handle.result()
    assert final.status is CaseStatus.CLOSED
    assert inspection(final).status is TaskStatus.CANCELLED
    assert final.events[-1].kind is EventKind.INSPECTION_CANCELLED


async def test_an_arrival_before_the_order_or_after_now_is_refused_and_changes_nothing(cases):
    handle, state = await cases.handling()
    state = await handle.execute_update(
        ComplaintWorkflow.order_inspection,
        OrderInspectionInput(actor=SENIOR, inspector="inspector1", note="حضور کارمند در باجه بررسی شود"),
    )
    visit = inspection(state)
    for arrived in (visit.opened_at - timedelta(minutes=5), visit.opened_at + timedelta(hours=1)):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(ComplaintWorkflow.record_inspection, record(visit.task_id, arrived))
        assert refused.value.cause.details[1]["code"] == "invalid_arrival"
    same_minute = visit.opened_at.replace(second=0, microsecond=0)
    state = await handle.execute_update(ComplaintWorkflow.record_inspection, record(visit.task_id, same_minute))
    assert inspection(state).arrived_at == same_minute, "a time to the minute of the order is taken"
