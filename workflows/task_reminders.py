"""Reminders before a handling task's own deadline (its level's budget), at FOAD_REMINDER_MINUTES_BEFORE.

A mixin of ComplaintWorkflow. Each handling task opened from this version on (the `task-reminders` patch)
gets a timer per reminder whose moment is still ahead (none at the opening itself, which the arrival notice
covers, and none sent late after the due time moved past it): at each, the case records a `task_reminder`
event, and the projection tells the task's holder, else the unit's coordinators (activities/notifications.py).
While the citizen is asked (the budget paused) no reminder falls due; when the task's due time moves, the
reminders follow it. The task's end (completed, escalated) ends its reminders. Deterministic code only.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.case import SYSTEM, CaseState, TaskInfo
    from schemas.enums import EventKind, TaskKind
    from schemas.policy import Policy


class TaskReminders:
    """The workflow's attributes these timers share (set in ComplaintWorkflow.__init__)."""

    _state: CaseState
    _policy: Policy

    def _start_task_reminders(self, task: TaskInfo) -> None:
        if task.kind is not TaskKind.HANDLING or not self._policy.reminders_before:
            return
        if workflow.patched("task-reminders"):
            asyncio.create_task(self._task_reminders(task.task_id))

    def _task_moved(self, task_id: str) -> bool:
        return self._state.current_task_id != task_id or self._state.status.is_final

    async def _task_reminders(self, task_id: str) -> None:
        befores = sorted(set(self._policy.reminders_before), reverse=True)
        reminded: set[timedelta] = set()
        while not self._task_moved(task_id):
            task = self._state.current_task
            assert task is not None
            if self._state.open_pause is not None:
                await workflow.wait_condition(lambda: self._task_moved(task_id) or self._state.open_pause is None)
                continue
            due = task.due_at
            now = (
                workflow.now()
            )  # a reminder whose moment has passed (a 60-minute reminder of a 60-minute task) is not sent late
            pending = [b for b in befores if b not in reminded and due is not None and due - b > now]
            if not pending:
                return
            before = pending[0]

            def changed(task: TaskInfo = task, due=due) -> bool:
                return self._task_moved(task_id) or task.due_at != due or self._state.open_pause is not None

            if await self._wait_until(changed, due - before):
                continue
            reminded.add(before)
            await self._record(
                EventKind.TASK_REMINDER,
                SYSTEM,
                task_id=task_id,
                data={"minutes_left": round(before.total_seconds() / 60, 2)},
            )
