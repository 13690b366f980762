"""The case workflow's clock handlers: the pause while the citizen is asked, a changed calendar, deadlines.

A mixin of ComplaintWorkflow (Temporal registers the handlers of base classes too), kept apart so the
main line in workflows/complaint.py stays readable. It uses the workflow's state, policy, `_record`,
`_ready`, `_check`, `_wait_until` and `_sla_clock`; deterministic code only, like the rest of the workflow.
"""

import asyncio
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.actions import CalendarChangedInput, CitizenReplyInput, InformationRequestInput
    from schemas.case import CITIZEN, SYSTEM, CaseStart, CaseState, Pause, UnitRef
    from schemas.clock import Deadline
    from schemas.enums import CaseStatus, EventKind, TaskKind
    from schemas.policy import Policy
    from workflows.clock import CaseClock
    from workflows.rules import Action, already_taken


class CaseClockHandlers:
    """The workflow's attributes these handlers share (set in ComplaintWorkflow.__init__)."""

    _start: CaseStart
    _policy: Policy
    _state: CaseState
    _case_clock: CaseClock
    _sla_started_at: datetime
    _clock_generation: int
    _sla_task: asyncio.Task | None
    _reply: CitizenReplyInput | None
    _pauses_ended: int

    # --- the pause: asking the citizen for information ---------------------------------------------

    @workflow.update
    async def request_information(self, request: InformationRequestInput) -> CaseState:
        """Ask the citizen for what is needed; the clock and the task's budget stop until the answer."""
        await self._ready(self._validate_request_information, request)
        now = workflow.now()
        pause = Pause(
            started_at=now,
            reason=request.reason,
            requested_by=request.actor,
            reply_due_at=now + self._policy.reply_window,
        )
        self._state.pauses.append(pause)
        self._stop_sla_clock()
        await self._record(
            EventKind.INFORMATION_REQUESTED,
            request.actor,
            task_id=self._state.current_task_id,
            note=request.reason,
            data={"reply_due_at": pause.reply_due_at.isoformat()},
            sms=("information_requested", {"what": request.reason, "reply_due_at": pause.reply_due_at.isoformat()}),
        )
        return self._state

    @request_information.validator
    def _validate_request_information(self, request: InformationRequestInput) -> None:
        self._check(Action.REQUEST_INFORMATION)

    @workflow.update
    async def reply_to_question(self, reply: CitizenReplyInput) -> CaseState:
        """The citizen's answer to the open question; returns once it is recorded and the clock runs again."""
        await self._ready(self._validate_reply_to_question, reply)
        pause = self._state.open_pause
        assert pause is not None, "the validator guarantees an open question"
        ended = self._pauses_ended
        self._reply = reply  # the main line takes it, exactly as it took the signal's
        await workflow.wait_condition(lambda: self._pauses_ended > ended)
        if pause.ended_by != "citizen":  # cannot happen: the answer was set while the question was open
            raise already_taken(Action.REPLY, self._state).error()
        return self._state

    @reply_to_question.validator
    def _validate_reply_to_question(self, reply: CitizenReplyInput) -> None:
        self._check(Action.REPLY)
        if self._reply is not None:
            raise already_taken(Action.REPLY, self._state).error()

    @workflow.signal
    def citizen_reply(self, reply: CitizenReplyInput) -> None:
        """Kept for histories recorded before the reply_to_question update; the API no longer sends it."""
        if self._state.open_pause is not None and self._reply is None:
            self._reply = reply
        else:
            workflow.logger.warning("citizen reply ignored: no question is open")

    async def _await_reply(self) -> None:
        pause = self._state.open_pause
        assert pause is not None
        await self._wait_until(lambda: self._reply is not None, pause.reply_due_at)
        reply, self._reply = self._reply, None
        pause.ended_at = workflow.now()
        pause.ended_by = "citizen" if reply else "reply_window"
        pause.answer = reply.answer if reply else None
        await self._recompute_deadlines()
        kind, actor = (EventKind.INFORMATION_RECEIVED, CITIZEN) if reply else (EventKind.REPLY_WINDOW_ENDED, SYSTEM)
        task = self._state.current_task
        paused = pause.ended_at - pause.started_at
        await self._record(
            kind,
            actor,
            tasks=[task] if task else [],
            note=pause.answer,
            data={"paused_minutes": round(paused.total_seconds() / 60, 2), "due_at": self._state.due_at.isoformat()},
        )
        self._restart_sla_clock()
        self._pauses_ended += 1

    # --- the calendar changed: recompute what has not fallen due -----------------------------------

    @workflow.signal
    async def calendar_changed(self, request: CalendarChangedInput) -> None:
        await workflow.wait_condition(lambda: self._registered)
        state = self._state
        if (
            not self._case_clock.office_hours
            or state.status not in (CaseStatus.IN_REVIEW, CaseStatus.IN_HANDLING, CaseStatus.AWAITING_APPROVAL)
            or state.breached
            or state.open_pause is not None
        ):
            workflow.logger.info("calendar change ignored: case is %s", state.status.value)
            return
        before = (state.due_at, state.current_task.due_at if state.current_task else None)
        await self._recompute_deadlines()
        task = state.current_task
        if before == (state.due_at, task.due_at if task else None):
            return
        self._restart_sla_clock()
        await self._record(
            EventKind.DEADLINE_RECOMPUTED,
            SYSTEM,
            tasks=[task] if task else [],
            note=request.reason,
            data={"previous_due_at": before[0].isoformat(), "due_at": state.due_at.isoformat()},
        )

    # --- the clock ----------------------------------------------------------------------------------

    async def _sla_deadline(self) -> Deadline:
        return await self._case_clock.deadline(
            purpose="sla",
            start=self._sla_started_at,
            budget=self._policy.sla,
            pauses=self._state.pauses,
            unit=self._start.office,
        )

    async def _task_deadline(self, kind: TaskKind, opened_at: datetime, unit: UnitRef | None) -> Deadline:
        """A review's budget on the agency's calendar, a handling task's on its unit's."""
        budget = self._policy.review_budget if kind is TaskKind.REVIEW else self._policy.budget(unit.level)
        purpose = kind.value if kind is TaskKind.REVIEW else unit.level.value
        return await self._case_clock.deadline(
            purpose=purpose, start=opened_at, budget=budget, pauses=self._state.pauses, unit=unit
        )

    def _set_deadline(self, deadline: Deadline) -> None:
        self._state.deadline = deadline
        self._state.due_at = deadline.due_at

    async def _recompute_deadlines(self) -> None:
        """The SLA and the open task's due time again, after a pause or a change of calendar."""
        task = self._state.current_task
        sla = await self._sla_deadline()
        task_deadline = None
        if task is not None and task.kind is not TaskKind.APPROVAL:
            unit = self._state.unit if task.kind is TaskKind.HANDLING else None
            task_deadline = await self._task_deadline(task.kind, task.opened_at, unit)
        self._set_deadline(sla)
        current = self._state.current_task
        if current is None or task is None or current.task_id != task.task_id:
            return  # the case moved on meanwhile; its new task got a fresh deadline
        if task.kind is TaskKind.APPROVAL:
            task.due_at = self._state.due_at
        elif task_deadline is not None:
            task.due_at = task_deadline.due_at
            self._state.task_deadline = task_deadline

    def _restart_sla_clock(self) -> None:
        self._clock_generation += 1
        self._sla_task = asyncio.create_task(self._sla_clock(self._state.due_at, self._clock_generation))

    def _stop_sla_clock(self) -> None:
        self._clock_generation += 1
