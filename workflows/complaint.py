"""ComplaintWorkflow: one complaint's six steps, its 3-hour clock and its escalation up the agency.

Deterministic code only: time from workflow.now(), every side effect through an activity. Every action a
person takes is a Workflow Update whose validator refuses, with the reason, what the case's state does not
allow (the rules are in workflows/rules.py, the rule book the API and the pages ask too). The signals
`escalate`, `feedback` and `citizen_reply` stay, unchanged, for histories recorded before they became the
updates `escalate_task`, `give_feedback` and `reply_to_question`. Every change is recorded as a numbered
event and projected to the read model in order (one projection at a time, under a lock).
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from schemas.actions import (
        ApproveInput,
        CitizenReplyInput,
        CloseInput,
        CompleteTaskInput,
        EscalateInput,
        FeedbackInput,
        ReviewInput,
        SendBackInput,
    )
    from schemas.case import (
        CITIZEN,
        SYSTEM,
        Actor,
        CaseEvent,
        CaseSnapshot,
        CaseStart,
        CaseState,
        Feedback,
        SmsRequest,
        TaskInfo,
        Transition,
        UnitRef,
    )
    from schemas.clock import Deadline
    from schemas.enums import (
        CaseStatus,
        ContactKind,
        EscalationCause,
        EventKind,
        HandlingOutcome,
        Level,
        ReviewDecision,
        Step,
        TaskKind,
        TaskStatus,
    )
    from workflows.citizen_messages import CitizenMessages
    from workflows.claims import TaskClaims
    from workflows.clock import CaseClock, wall_deadline
    from workflows.clock_handlers import CaseClockHandlers
    from workflows.inspection import CaseInspections
    from workflows.rules import Action, already_taken, check_chain, state_refusal, task_refusal
    from workflows.task_reminders import TaskReminders
    from workflows.triage import TRIAGE_PATCH, CaseTriage, referral_params
    from workflows.visibility import SearchAttributes

ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


@workflow.defn
class ComplaintWorkflow(CaseClockHandlers, TaskClaims, TaskReminders, CaseTriage, CaseInspections, CitizenMessages):
    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        self._start = start
        self._policy = start.policy
        sla = wall_deadline(start=start.registered_at, budget=start.policy.sla, pauses=[], purpose="sla")
        self._state = CaseState(
            tracking_code=start.tracking_code,
            agency_id=start.agency_id,
            status=CaseStatus.IN_REVIEW,
            step=Step.REVIEW,
            registered_at=start.registered_at,
            due_at=sla.due_at,
            sla_mode=start.policy.sla_mode,
            deadline=sla,
            max_information_requests=start.policy.max_information_requests,
        )
        self._case_clock = CaseClock(start)
        self._sla_started_at = start.registered_at
        self._clock_generation = 0
        self._sla_task: asyncio.Task | None = None
        self._reminded: set[timedelta] = set()
        self._reply: CitizenReplyInput | None = None
        self._overdue_task_id: str | None = None
        self._registered = False
        self._version = 0
        self._lock = asyncio.Lock()
        self._escalation: EscalateInput | None = None
        self._feedback: FeedbackInput | None = None
        self._feedback_taken = 0  # answers on a result recorded so far (a give_feedback update waits for its own)
        self._pauses_ended = 0  # pauses ended and recorded so far (a reply_to_question update waits for its own)
        self._top_exhausted = False
        self._search: dict[str, object] = {}
        self._inspection_clocks: list[asyncio.Task] = []

    # --- the main line ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: CaseStart) -> CaseState:
        if start.contact is not ContactKind.COMPLAINT and workflow.patched(TRIAGE_PATCH):
            await self._triage_contact(start)  # a request, a suggestion or out of scope: no 3-hour case
            return self._state
        review_due = start.registered_at + self._policy.review_budget
        if self._case_clock.office_hours:
            self._set_deadline(await self._sla_deadline())
            review_deadline = await self._task_deadline(TaskKind.REVIEW, start.registered_at, None)
            self._state.task_deadline, review_due = review_deadline, review_deadline.due_at
        review = self._open_task(TaskKind.REVIEW, due_at=review_due)
        await self._record(
            EventKind.REGISTERED,
            start.filed_by,
            tasks=[review],
            start=start,
            sms=("registered", {"due_at": self._state.due_at.isoformat()}),
        )
        self._registered = True
        self._restart_sla_clock()
        while not self._state.status.is_final:
            if self._state.open_pause is not None:
                await self._await_reply()
            elif self._state.status is CaseStatus.IN_REVIEW:
                await self._await_review()
            elif self._state.status is CaseStatus.IN_HANDLING:
                await self._await_handling()
            elif self._state.status is CaseStatus.AWAITING_APPROVAL:
                await self._wait_for_change(None)
            elif self._state.status is CaseStatus.AWAITING_FEEDBACK:
                await self._await_feedback()
        await self._end_open_inspection()
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._stop_sla_clock()
        return self._state

    async def _await_review(self) -> None:
        task = self._state.current_task
        if task is not None and task.task_id == self._overdue_task_id and workflow.patched("review-overdue-once"):
            await self._wait_for_change(None)  # recorded once; a reminder must not record it again
            return
        if await self._wait_for_change(task.due_at if task else None):
            return
        await self._record(EventKind.REVIEW_OVERDUE, SYSTEM, task_id=task.task_id if task else None)
        self._overdue_task_id = task.task_id if task else None
        await self._wait_for_change(None)

    async def _await_handling(self) -> None:
        task = self._state.current_task
        deadline = None if self._top_exhausted or task is None else task.due_at
        changed = await self._wait_for_change(deadline, extra=lambda: self._escalation is not None)
        if self._escalation is not None:
            request, self._escalation = self._escalation, None
            if request.from_task_id not in (None, self._state.current_task_id):
                await self._record(
                    EventKind.IGNORED_SIGNAL, request.actor, note="escalation of a task already moved on"
                )
                return
            await self._escalate(EscalationCause.MANUAL, request.actor, request.reason)
        elif not changed:
            await self._escalate(EscalationCause.EXPIRED, SYSTEM, "level budget expired")

    async def _await_feedback(self) -> None:
        approved_at = self._state.result_approved_at or workflow.now()
        deadline = approved_at + self._policy.feedback_window
        await self._wait_for_change(deadline, extra=lambda: self._feedback is not None)
        if self._state.status is not CaseStatus.AWAITING_FEEDBACK:
            return
        answer, self._feedback = self._feedback, None
        if answer is None:
            self._close()
            await self._record(
                EventKind.CLOSED,
                SYSTEM,
                note="feedback window ended without an answer",
                sms=self._citizen_sms("closed_silently"),
            )
            return
        self._state.feedback = Feedback(
            satisfied=answer.satisfied, rating=answer.rating, comment=answer.comment, at=workflow.now()
        )
        data = {"satisfied": answer.satisfied, "rating": answer.rating}
        if answer.satisfied or self._state.reopened:
            self._close()
            await self._record(
                EventKind.FEEDBACK, CITIZEN, note=answer.comment, data=data, sms=self._citizen_sms("feedback_received")
            )
            self._feedback_taken += 1
            return
        self._stop_sla_clock()
        task = await self._reopen()
        await self._record(
            EventKind.REOPENED,
            CITIZEN,
            tasks=[task],
            note=answer.comment,
            data=data,
            sms=("reopened", {"unit": self._state.unit.name_fa if self._state.unit else ""}),
        )
        self._restart_sla_clock()
        self._feedback_taken += 1

    async def _sla_clock(self, due_at: datetime, generation: int) -> None:
        """Reminders before the deadline, then the breach at it: the case goes to the top level.

        A pause or a recomputed deadline starts a new generation; the old clock then stops by itself."""
        done = lambda: (  # noqa: E731
            self._state.result_approved_at is not None
            or self._state.status.is_final
            or generation != self._clock_generation
        )
        for before in sorted(self._policy.reminders_before, reverse=True):
            if before in self._reminded:
                continue  # sent before a pause moved the deadline
            if await self._wait_until(done, due_at - before):
                return
            self._reminded.add(before)
            self._state.reminders_sent += 1
            await self._record(EventKind.REMINDER, SYSTEM, data={"minutes_left": round(before.total_seconds() / 60, 2)})
        if await self._wait_until(done, due_at):
            return
        self._state.breached = True
        self._state.breached_at = workflow.now()
        # Whom the breach was told to is what the projection notified (activities/notifications.py), recorded on
        # the read model's event; histories from before it keep their constant.
        told = {} if workflow.patched("notified-by-projection") else {"national_centre_notified": True}
        await self._record(EventKind.BREACHED, SYSTEM, data=told)
        await self._tell_citizen_of_breach()
        if self._state.status is CaseStatus.IN_HANDLING and self._state.level is not Level.NATIONAL:
            await self._escalate(EscalationCause.BREACH, SYSTEM, "3-hour deadline breached")

    # --- updates: the coordinators' actions --------------------------------------------------------

    @workflow.update
    async def review(self, request: ReviewInput) -> CaseState:
        await self._ready(self._validate_review, request)
        deadline: Deadline | None = None
        if request.decision is ReviewDecision.ACCEPT:
            unit = request.chain[-1] if self._state.breached else request.chain[0]
            deadline = await self._task_deadline(TaskKind.HANDLING, workflow.now(), unit)
            self._validate_review(request)  # another action may have run while the calendar answered
        review = self._take_current_task(request.actor)
        if request.decision is ReviewDecision.REJECT:
            self._state.referral_note = request.referral_note
            self._state.referral_target = request.referral_target
            self._state.status = CaseStatus.REFERRED if request.referral_target else CaseStatus.REJECTED
            self._state.step = Step.RESULT
            self._state.closed_at = workflow.now()
            target = request.referral_target
            await self._record(
                EventKind.REJECTED,
                request.actor,
                tasks=[review],
                note=request.referral_note,
                data={"target_id": target.id} if target else None,
                sms=("referred", referral_params(target))
                if target
                else ("rejected", {"referral": request.referral_note or ""}),
            )
            return self._state
        self._state.chain = list(request.chain)
        self._state.action_order = request.action_order
        unit = self._state.chain[-1] if self._state.breached else self._state.chain[0]
        task = self._assign(unit, deadline)
        inspection = request.inspector is not None and workflow.patched("inspection-task")
        if not inspection:
            task.assignee = request.inspector  # before inspections were tasks of their own
        await self._record(
            EventKind.REVIEW_ACCEPTED,
            request.actor,
            tasks=[review, task],
            note=request.action_order,
            sms=("accepted", {"unit": unit.name_fa}),
        )
        if inspection:
            await self._order_inspection(request.actor, request.inspector, request.action_order)
        return self._state

    @review.validator
    def _validate_review(self, request: ReviewInput) -> None:
        self._check(Action.REVIEW)
        if request.decision is ReviewDecision.ACCEPT:
            check_chain(request.chain)

    @workflow.update
    async def complete_task(self, request: CompleteTaskInput) -> CaseState:
        await self._ready(self._validate_complete_task, request)
        await self._complete_handling(request.actor, request.outcome, request.note)
        return self._state

    async def _complete_handling(self, actor: Actor, outcome: HandlingOutcome, note: str) -> None:
        """The handling task's outcome: the result now waits for the senior's approval."""
        task = self._take_current_task(actor, outcome=outcome, note=note)
        self._state.outcome = outcome
        self._state.outcome_note = note
        approval = self._open_task(TaskKind.APPROVAL, due_at=self._state.due_at)
        self._state.status = CaseStatus.AWAITING_APPROVAL
        self._state.step = Step.RESULT
        await self._record(
            EventKind.TASK_COMPLETED,
            actor,
            tasks=[task, approval],
            note=note,
            data={"outcome": outcome.value, "task_id": task.task_id},
        )

    @complete_task.validator
    def _validate_complete_task(self, request: CompleteTaskInput) -> None:
        self._check(Action.COMPLETE)
        if (refused := task_refusal(self._state, request.task_id)) is not None:
            raise refused.error()

    @workflow.update
    async def approve(self, request: ApproveInput) -> CaseState:
        await self._ready(self._validate_approve, request)
        approval = self._take_current_task(request.actor, note=request.result_note)
        self._state.result_note = request.result_note
        if request.outcome is not None:  # the senior's structured outcome; histories before it keep the unit's
            self._state.outcome = request.outcome
        self._state.result_approved_at = workflow.now()
        self._state.status = CaseStatus.AWAITING_FEEDBACK
        self._state.step = Step.FEEDBACK
        await self._record(
            EventKind.RESULT_APPROVED,
            request.actor,
            tasks=[approval],
            note=request.result_note,
            data={"within_sla": self._state.result_approved_at <= self._state.due_at}
            | ({"outcome": request.outcome.value} if request.outcome else {}),
            sms=("result", {"result": request.result_note}),
        )
        return self._state

    @approve.validator
    def _validate_approve(self, request: ApproveInput) -> None:
        self._check(Action.APPROVE)

    @workflow.update
    async def send_back(self, request: SendBackInput) -> CaseState:
        await self._ready(self._validate_send_back, request)
        unit = self._state.unit or self._state.chain[0]
        deadline = await self._task_deadline(TaskKind.HANDLING, workflow.now(), unit)
        self._validate_send_back(request)
        approval = self._take_current_task(request.actor, status=TaskStatus.CANCELLED, note=request.reason)
        self._state.outcome = None
        self._state.outcome_note = None
        task = self._assign(unit, deadline)
        await self._record(EventKind.SENT_BACK, request.actor, tasks=[approval, task], note=request.reason)
        return self._state

    @send_back.validator
    def _validate_send_back(self, request: SendBackInput) -> None:
        self._check(Action.SEND_BACK)

    @workflow.update
    async def close(self, request: CloseInput) -> CaseState:
        await self._ready(self._validate_close, request)
        self._close()
        await self._record(EventKind.CLOSED, request.actor, note=request.reason, sms=self._citizen_sms("closed"))
        return self._state

    @close.validator
    def _validate_close(self, request: CloseInput) -> None:
        self._check(Action.CLOSE)

    @workflow.update
    async def escalate_task(self, request: EscalateInput) -> CaseState:
        """Move the handling task one level up by hand; returns once the escalation is recorded."""
        await self._ready(self._validate_escalate_task, request)
        expected = self._state.current_task_id
        if not await self._escalate(EscalationCause.MANUAL, request.actor, request.reason):
            # the case moved on while the calendar answered (a budget ran out, say): the reason, not a silence
            refused = state_refusal(Action.ESCALATE, self._state) or task_refusal(self._state, expected)
            assert refused is not None, "an escalation that did not happen has a reason"
            raise refused.error()
        return self._state

    @escalate_task.validator
    def _validate_escalate_task(self, request: EscalateInput) -> None:
        self._check(Action.ESCALATE)
        if request.from_task_id is not None and (refused := task_refusal(self._state, request.from_task_id)):
            raise refused.error()

    # --- the citizen's answer on the result ------------------------------------------------------------

    @workflow.update
    async def give_feedback(self, answer: FeedbackInput) -> CaseState:
        """The citizen's answer on the result; returns once it is recorded (the case closed, or reopened)."""
        await self._ready(self._validate_give_feedback, answer)
        taken = self._feedback_taken
        self._feedback = answer  # the main line takes it, exactly as it took the signal's
        await workflow.wait_condition(
            lambda: (
                self._feedback_taken > taken
                or (self._feedback is answer and self._state.status is not CaseStatus.AWAITING_FEEDBACK)
            )
        )
        if self._feedback_taken == taken:  # closed by a coordinator before the main line took the answer
            self._feedback = None
            raise (state_refusal(Action.FEEDBACK, self._state) or already_taken(Action.FEEDBACK)).error()
        return self._state

    @give_feedback.validator
    def _validate_give_feedback(self, answer: FeedbackInput) -> None:
        self._check(Action.FEEDBACK)
        if self._feedback is not None:
            raise already_taken(Action.FEEDBACK, self._state).error()

    # --- signals kept for histories recorded before the updates, and the query -------------------------

    @workflow.signal
    def escalate(self, request: EscalateInput) -> None:
        """Kept for histories recorded before the escalate_task update; the API no longer sends it."""
        if self._state.status is CaseStatus.IN_HANDLING and self._state.open_pause is None:
            self._escalation = request
        else:
            workflow.logger.warning("escalation ignored: case is %s", self._state.status.value)

    @workflow.signal
    def feedback(self, answer: FeedbackInput) -> None:
        """Kept for histories recorded before the give_feedback update; the API no longer sends it."""
        if self._state.status is CaseStatus.AWAITING_FEEDBACK and self._feedback is None:
            self._feedback = answer
        else:
            workflow.logger.warning("feedback ignored: case is %s", self._state.status.value)

    @workflow.query
    def state(self) -> CaseState:
        return self._state

    # --- transitions ------------------------------------------------------------------------------

    async def _ready(self, validator: Callable[[object], None], request: object) -> None:
        """Wait for registration, then validate again: another update may have run since the validator."""
        await workflow.wait_condition(lambda: self._registered)
        validator(request)

    def _check(self, action: Action) -> None:
        """The rule book's answer for the case's state now: refuse with its reason."""
        if (refused := state_refusal(action, self._state)) is not None:
            raise refused.error()

    def _open_task(self, kind: TaskKind, *, due_at: datetime | None, unit: UnitRef | None = None) -> TaskInfo:
        task = TaskInfo(
            task_id=f"{self._state.tracking_code}-T{len(self._state.tasks) + 1}",
            kind=kind,
            status=TaskStatus.OPEN,
            agency_id=self._state.agency_id,
            unit_id=unit.id if unit else None,
            level=unit.level if unit else None,
            opened_at=workflow.now(),
            due_at=due_at,
        )
        self._state.tasks.append(task)
        self._state.current_task_id = task.task_id
        return task

    def _take_current_task(self, actor: Actor, *, status: TaskStatus = TaskStatus.COMPLETED, **fields) -> TaskInfo:
        task = self._state.current_task
        assert task is not None, "validators guarantee a current task"
        task.status = status
        task.closed_at = workflow.now()
        task.closed_by = actor
        for name, value in fields.items():
            setattr(task, name, value)
        self._state.current_task_id = None
        return task

    def _assign(self, unit: UnitRef, deadline: Deadline | None) -> TaskInfo:
        """Open a handling task for the unit, with its level's budget (as the clock counted it)."""
        self._state.unit = unit
        self._state.level = unit.level
        self._state.status = CaseStatus.IN_HANDLING
        self._state.step = Step.HANDLING
        self._top_exhausted = False
        self._state.task_deadline = deadline
        due_at = deadline.due_at if deadline else workflow.now() + self._policy.budget(unit.level)
        task = self._open_task(TaskKind.HANDLING, unit=unit, due_at=due_at)
        self._start_task_reminders(task)  # workflows/task_reminders.py
        return task

    async def _escalate(self, cause: EscalationCause, actor: Actor, reason: str) -> bool:
        """One level up (to the top on a breach); True if the escalation was recorded."""
        chain, unit = self._state.chain, self._state.unit
        position = next((i for i, u in enumerate(chain) if unit and u.id == unit.id), len(chain) - 1)
        if position >= len(chain) - 1:
            if cause is EscalationCause.MANUAL:
                await self._record(EventKind.IGNORED_SIGNAL, actor, note="already at the top level")
            elif not self._top_exhausted:
                self._top_exhausted = True
                told = {} if workflow.patched("notified-by-projection") else {"national_centre_notified": True}
                await self._record(EventKind.ESCALATION_EXHAUSTED, actor, note=reason, data=told)
            return False
        target = chain[-1] if cause is EscalationCause.BREACH else chain[position + 1]
        expected = self._state.current_task_id
        deadline = await self._task_deadline(TaskKind.HANDLING, workflow.now(), target)
        if self._state.current_task_id != expected:
            return False  # an action moved the case on while the calendar answered
        status = TaskStatus.CANCELLED if cause is EscalationCause.MANUAL else TaskStatus.EXPIRED
        moved = self._take_current_task(actor, status=status, note=reason)
        task = self._assign(target, deadline)
        self._state.escalations += 1
        await self._record(
            EventKind.ESCALATED,
            actor,
            tasks=[moved, task],
            note=reason,
            data={"cause": cause.value, "from_level": moved.level.value if moved.level else None},
            sms=("escalated", {"unit": target.name_fa}),
        )
        return True

    def _close(self) -> None:
        self._state.status = CaseStatus.CLOSED
        self._state.step = Step.FEEDBACK
        self._state.closed_at = workflow.now()
        self._state.current_task_id = None

    async def _reopen(self) -> TaskInfo:
        chain, unit = self._state.chain, self._state.unit
        position = next((i for i, u in enumerate(chain) if unit and u.id == unit.id), len(chain) - 1)
        target = chain[min(position + 1, len(chain) - 1)]
        self._sla_started_at = workflow.now()
        self._reminded.clear()
        sla = await self._sla_deadline()
        deadline = await self._task_deadline(TaskKind.HANDLING, workflow.now(), target)
        self._state.reopened = True
        self._state.result_approved_at = None
        self._state.result_note = None
        self._state.outcome = None
        self._state.outcome_note = None
        self._set_deadline(sla)
        return self._assign(target, deadline)

    # --- recording --------------------------------------------------------------------------------

    async def _record(
        self,
        kind: EventKind,
        actor: Actor,
        *,
        tasks: Sequence[TaskInfo] = (),
        note: str | None = None,
        data: dict | None = None,
        task_id: str | None = None,
        start: CaseStart | None = None,
        sms: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        """Append the event, mirror it in search attributes, and project it (in order) to the read model."""
        state = self._state
        event = CaseEvent(
            seq=len(state.events) + 1,
            kind=kind,
            at=workflow.now(),
            step=state.step,
            actor=actor,
            level=state.level,
            unit_id=state.unit.id if state.unit else None,
            task_id=task_id or (tasks[-1].task_id if tasks else None),
            note=note,
            data=data or {},
        )
        state.events.append(event)
        self._version += 1
        self._mirror_search_attributes()
        transition = Transition(
            tracking_code=state.tracking_code,
            event=event,
            snapshot=CaseSnapshot.of(state),
            tasks=[t.model_copy(deep=True) for t in tasks],
            start=start,
        )
        message = None
        if sms is not None:
            template, params = sms
            message = SmsRequest(
                key=f"{state.tracking_code}:{event.seq}:{template}",
                tracking_code=state.tracking_code,
                mobile=self._start.citizen.mobile,
                template=template,
                params={"tracking_code": state.tracking_code, **params},
            )
        async with self._lock:
            await workflow.execute_activity(
                "record_transition",
                transition,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            if message is not None:
                await workflow.execute_activity(
                    "send_sms",
                    message,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )

    def _mirror_search_attributes(self) -> None:
        state = self._state
        wanted = {
            SearchAttributes.STEP: state.step.value,
            SearchAttributes.STATUS: state.status.value,
            SearchAttributes.LEVEL: state.level.value if state.level else None,
            SearchAttributes.BREACHED: state.breached,
        }
        updates = []
        for key, value in wanted.items():
            if self._search.get(key.name, _UNSET) == value:
                continue
            self._search[key.name] = value
            updates.append(key.value_set(value) if value is not None else key.value_unset())
        if updates:
            workflow.upsert_search_attributes(updates)

    # --- waiting ----------------------------------------------------------------------------------

    async def _wait_for_change(self, deadline: datetime | None, extra: Callable[[], bool] = lambda: False) -> bool:
        """Wait until the state changes (or `extra` holds); False if the deadline came first."""
        version = self._version
        return await self._wait_until(lambda: self._version != version or extra(), deadline)

    @staticmethod
    async def _wait_until(condition: Callable[[], bool], deadline: datetime | None) -> bool:
        if deadline is None:
            await workflow.wait_condition(condition)
            return True
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return condition()
        try:
            await workflow.wait_condition(condition, timeout=remaining)
        except TimeoutError:
            return condition()
        return True


_UNSET = object()
