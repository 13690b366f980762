"""The case workflow's on-site inspections: ordered for a named inspector, recorded with the inspector's findings,
passed to the agency's senior coordinator when not done in time.

A mixin of ComplaintWorkflow (Temporal registers the handlers of base classes too), like clock_handlers; it uses
the workflow's `_record`, `_ready`, `_check`, `_wait_until` and `_complete_handling`. An
inspection is a task of its own (TaskKind.INSPECTION) beside the handling task: it is never the case's current
task, and it has its own deadline, the policy's inspection budget counted on the wall clock from the order (a
pause for the citizen's answer does not stop it). The inspector records the arrival time, the findings and the
outcome; while the case is still in handling and its clock runs, that record also completes the handling task
with the same outcome (the inspector resolved it on site) and the result goes to the senior for approval.
Deterministic code only, like the rest of the workflow.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.actions import OrderInspectionInput, RecordInspectionInput
    from schemas.case import SYSTEM, Actor, CaseState, TaskInfo
    from schemas.enums import EventKind, TaskKind, TaskStatus
    from schemas.policy import Policy
    from workflows.rules import Action, InvalidTransition, inspection_refusal, open_inspection, state_refusal

ARRIVAL_SKEW = timedelta(minutes=2)  # a phone's clock a little ahead of the server's


class CaseInspections:
    """The workflow's attributes these handlers share (set in ComplaintWorkflow.__init__)."""

    _state: CaseState
    _policy: Policy
    _inspection_clocks: list[asyncio.Task]

    @workflow.update
    async def order_inspection(self, request: OrderInspectionInput) -> CaseState:
        """The senior coordinator sends a named inspector to the office while the case is in handling."""
        await self._ready(self._validate_order_inspection, request)
        await self._order_inspection(request.actor, request.inspector, request.note)
        return self._state

    @order_inspection.validator
    def _validate_order_inspection(self, request: OrderInspectionInput) -> None:
        self._check(Action.ORDER_INSPECTION)

    @workflow.update
    async def record_inspection(self, request: RecordInspectionInput) -> CaseState:
        """The inspector's record of the visit: arrival time, findings, outcome."""
        await self._ready(self._validate_record_inspection, request)
        task = self._state.task(request.task_id)
        assert task is not None, "the validator guarantees the open inspection"
        now = workflow.now()
        task.status = TaskStatus.COMPLETED
        task.closed_at = now
        task.closed_by = request.actor
        task.outcome = request.outcome
        task.note = request.findings
        task.arrived_at = request.arrived_at
        await self._record(
            EventKind.INSPECTION_COMPLETED,
            request.actor,
            tasks=[task],
            task_id=task.task_id,
            note=request.findings,
            data={
                "outcome": request.outcome.value,
                "arrived_at": request.arrived_at.isoformat(),
                "late": task.due_at is not None and now > task.due_at,
                "inspector": task.assignee,
            },
        )
        current = self._state.current_task
        if (
            current is not None
            and current.kind is TaskKind.HANDLING
            and state_refusal(Action.COMPLETE, self._state) is None
        ):
            await self._complete_handling(request.actor, request.outcome, request.findings)
        return self._state

    @record_inspection.validator
    def _validate_record_inspection(self, request: RecordInspectionInput) -> None:
        self._check(Action.RECORD_INSPECTION)
        if (refused := inspection_refusal(self._state, request.task_id)) is not None:
            raise refused.error()
        task = self._state.task(request.task_id)
        assert task is not None
        # to the minute, as a person gives it, between the order and now (the workflow's clock: the API's may differ)
        ordered = task.opened_at.replace(second=0, microsecond=0)
        if not ordered <= request.arrived_at <= workflow.now() + ARRIVAL_SKEW:
            raise InvalidTransition(
                "the arrival must lie between the inspection's order and now",
                "زمان رسیدن به محل باید پس از دستور بازرسی و پیش از اکنون باشد",
                code="invalid_arrival",
                status=self._state.status,
            )

    # --- the inspection task and its clock --------------------------------------------------------------

    async def _order_inspection(self, actor: Actor, inspector: str, note: str | None) -> TaskInfo:
        """Open the inspection task, record the order, and start its clock."""
        now = workflow.now()
        task = TaskInfo(
            task_id=f"{self._state.tracking_code}-T{len(self._state.tasks) + 1}",
            kind=TaskKind.INSPECTION,
            status=TaskStatus.OPEN,
            agency_id=self._state.agency_id,
            opened_at=now,
            due_at=now + self._policy.inspection_budget,
            assignee=inspector,
        )
        self._state.tasks.append(task)
        await self._record(
            EventKind.INSPECTION_ORDERED,
            actor,
            tasks=[task],
            task_id=task.task_id,
            note=note,
            data={"inspector": inspector, "due_at": task.due_at.isoformat()},
        )
        self._inspection_clocks.append(asyncio.create_task(self._inspection_clock(task)))
        return task

    async def _inspection_clock(self, task: TaskInfo) -> None:
        """At the inspection's deadline, an inspection still open passes to the agency's senior coordinator."""
        assert task.due_at is not None
        done = lambda: task.status is not TaskStatus.OPEN or self._state.status.is_final  # noqa: E731
        if await self._wait_until(done, task.due_at):
            return
        task.escalated_at = workflow.now()
        await self._record(
            EventKind.INSPECTION_OVERDUE,
            SYSTEM,
            tasks=[task],
            task_id=task.task_id,
            note="inspection not recorded in time; passed to the agency's senior coordinator",
            data={"inspector": task.assignee, "due_at": task.due_at.isoformat()},
        )

    async def _end_open_inspection(self) -> None:
        """A case that ends with an inspection still open cancels it, so it leaves every inbox."""
        task = open_inspection(self._state)
        if task is None:
            return
        task.status = TaskStatus.CANCELLED
        task.closed_at = workflow.now()
        task.closed_by = SYSTEM
        await self._record(
            EventKind.INSPECTION_CANCELLED,
            SYSTEM,
            tasks=[task],
            task_id=task.task_id,
            note="the case ended before the inspection was recorded",
        )
