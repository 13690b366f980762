"""Claiming work: a unit coordinator claims the unit's open handling task, releases it, or the agency's senior
coordinator gives it to a named coordinator of the unit. Workflow Updates of ComplaintWorkflow (a mixin, as
workflows/clock_handlers.py is): each validator applies the rule book's answer (workflows/rules.py
`claim_refusal`), so of two coordinators claiming the same task at once, one wins and the other is refused with
who holds it; a claim on a task that moved on is refused with the reason. Who may act (a coordinator of the
task's unit; the senior; that the named coordinator belongs to the unit) is checked by the API first.

Every change is a timeline event with the person: `task_claimed` and `task_released` (the actor), and
`task_reassigned` (the senior, and in its data the coordinator it went to). The projection then tells that
coordinator (activities/notifications.py), and the reminders of the task go to its holder.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.actions import ClaimInput, ReassignInput
    from schemas.case import Actor, CaseState
    from schemas.enums import EventKind
    from workflows.rules import Action, claim_refusal


class TaskClaims:
    """The workflow's attributes these handlers share (set in ComplaintWorkflow.__init__)."""

    _state: CaseState

    @workflow.update
    async def claim_task(self, request: ClaimInput) -> CaseState:
        await self._ready(self._validate_claim_task, request)
        return await self._hold(request.task_id, request.actor.username, EventKind.TASK_CLAIMED, request.actor)

    @claim_task.validator
    def _validate_claim_task(self, request: ClaimInput) -> None:
        self._refuse(Action.CLAIM, request.task_id, request.actor.username)

    @workflow.update
    async def release_task(self, request: ClaimInput) -> CaseState:
        await self._ready(self._validate_release_task, request)
        return await self._hold(request.task_id, None, EventKind.TASK_RELEASED, request.actor)

    @release_task.validator
    def _validate_release_task(self, request: ClaimInput) -> None:
        self._refuse(Action.RELEASE, request.task_id, request.actor.username)

    @workflow.update
    async def reassign_task(self, request: ReassignInput) -> CaseState:
        await self._ready(self._validate_reassign_task, request)
        return await self._hold(request.task_id, request.to_username, EventKind.TASK_REASSIGNED, request.actor)

    @reassign_task.validator
    def _validate_reassign_task(self, request: ReassignInput) -> None:
        self._refuse(Action.REASSIGN, request.task_id, request.actor.username, request.to_username)

    def _refuse(self, action: Action, task_id: str, username: str, to: str | None = None) -> None:
        if (refused := claim_refusal(action, self._state, task_id, username, to)) is not None:
            raise refused.error()

    async def _hold(self, task_id: str, holder: str | None, kind: EventKind, actor: Actor) -> CaseState:
        """The task's holder set at once (before any await: a second claim validated since is refused now)."""
        task = self._state.current_task
        assert task is not None and task.task_id == task_id, "validated just now"
        if task.holder == holder:
            return self._state  # the holder's claim again: already so, nothing to record
        previous, task.holder = task.holder, holder
        await self._record(kind, actor, tasks=[task], data={"holder": holder, "previous_holder": previous})
        return self._state
