"""The hotspot review: a durable workflow of its own, open until the centre's working group decides.

Opened by the daily scan (one per subject and window, the workflow id says which). The working group has a
deadline; when it passes, the review is marked overdue and stays open: a hotspot is closed only by a
decision (process reform, inspection, no action), which is kept on record. Every projection to the read
model happens here in `run`, one after the other, so the last state written is the last state reached.

A process reform decided with a follow-up period (README: The working group) starts a follow-up owned by the
agency: a durable timer to its deadline, then a check of the scope's complaints in the window after the decision
against a window as long before it. The result goes on record; if complaints did not fall, the review opens
again, with a new deadline, for the working group to decide anew.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.hotspot import (
        CompileInput,
        FollowupCheck,
        HotspotDecision,
        HotspotDecisionInput,
        HotspotOpen,
        HotspotState,
        HotspotStatus,
        ReformFollowup,
        ScanInput,
        ScanResult,
    )
    from workflows.rules import InvalidTransition

PROJECTION_TIMEOUT = timedelta(minutes=1)
FOLLOWUP_PATCH = "reform-followup"


@workflow.defn
class HotspotReviewWorkflow:
    def __init__(self) -> None:
        self._state: HotspotState | None = None
        self._followup_period: timedelta | None = None

    @workflow.run
    async def run(self, start: HotspotOpen) -> HotspotState:
        now = workflow.now()
        self._state = HotspotState(
            review_id=start.review_id,
            finding=start.finding,
            status=HotspotStatus.OPEN,
            opened_at=now,
            due_at=now + start.review_period,
        )
        await self._project()
        try:
            await workflow.wait_condition(self._decided, timeout=start.review_period)
        except TimeoutError:
            self._state.overdue = True
            await self._project()
            await workflow.wait_condition(self._decided)
        await self._project()
        if workflow.patched(FOLLOWUP_PATCH):
            while await self._follow_up(start):
                pass
        return self._state

    async def _follow_up(self, start: HotspotOpen) -> bool:
        """A reform with a follow-up: wait for its deadline, check, and reopen if complaints did not fall.
        True when the review was reopened and decided again (so the new decision may need its own follow-up)."""
        state, period = self._state, self._followup_period
        if state.decision is not HotspotDecision.PROCESS_REFORM or period is None:
            return False
        self._followup_period = None
        followup = ReformFollowup(
            round=len(state.followups) + 1,
            owner_agency_id=state.finding.agency_id,
            decided_by=state.decided_by,
            decision_note=state.decision_note,
            decided_at=state.decided_at,
            due_at=state.decided_at + period,
        )
        state.followups.append(followup)
        await self._project()
        await workflow.sleep(followup.due_at - workflow.now())
        checked = await workflow.execute_activity(
            "check_reform_followup",
            FollowupCheck(scope=state.finding.scope, subject_id=state.finding.subject_id, followup=followup),
            result_type=ReformFollowup,
            start_to_close_timeout=PROJECTION_TIMEOUT,
        )
        state.followups[-1] = checked
        if checked.fell:
            await self._project()
            return False
        now = workflow.now()
        state.status, state.overdue, state.due_at = HotspotStatus.OPEN, False, now + start.review_period
        state.decision = state.decision_note = state.decided_by = state.decided_at = None
        await self._project()
        try:
            await workflow.wait_condition(self._decided, timeout=start.review_period)
        except TimeoutError:
            state.overdue = True
            await self._project()
            await workflow.wait_condition(self._decided)
        await self._project()
        return True

    @workflow.update
    async def decide(self, request: HotspotDecisionInput) -> HotspotState:
        state = self._state
        state.status = HotspotStatus.CLOSED
        state.decision = request.decision
        state.decision_note = request.note
        state.decided_by = request.actor.username
        state.decided_at = workflow.now()
        self._followup_period = request.followup_period
        return state

    @decide.validator
    def _validate_decide(self, request: HotspotDecisionInput) -> None:
        if self._state is None:
            raise InvalidTransition("the review is still opening", "بررسی کانون شکایت هنوز باز نشده است")
        if self._state.status is HotspotStatus.CLOSED:
            raise InvalidTransition(
                "the review is already closed with a decision", "این بررسی پیش‌تر با تصمیم بسته شده است"
            )

    @workflow.query
    def state(self) -> HotspotState | None:
        return self._state

    def _decided(self) -> bool:
        return self._state is not None and self._state.status is HotspotStatus.CLOSED

    async def _project(self) -> None:
        await workflow.execute_activity("record_hotspot_review", self._state, start_to_close_timeout=PROJECTION_TIMEOUT)


@workflow.defn
class HotspotScanWorkflow:
    """The daily scan, started by its Temporal Schedule: find hotspots and open their reviews."""

    @workflow.run
    async def run(self, scan: ScanInput) -> ScanResult:
        now = scan.now or workflow.now()
        return await workflow.execute_activity(
            "scan_hotspots", ScanInput(now=now), result_type=ScanResult, start_to_close_timeout=timedelta(minutes=10)
        )


@workflow.defn
class MonthlyReportWorkflow:
    """The monthly report, started daily by its Schedule: compiles the last finished Jalali month once.

    Jalali months begin on the 20th to 22nd of a Gregorian month, which a calendar spec cannot name, so the
    schedule fires every day and the activity does nothing while the month's report already exists.
    """

    @workflow.run
    async def run(self, compile_input: CompileInput) -> list[int] | None:
        now = compile_input.now or workflow.now()
        return await workflow.execute_activity(
            "compile_monthly_report",
            CompileInput(now=now),
            result_type=list[int] | None,
            start_to_close_timeout=timedelta(minutes=10),
        )
