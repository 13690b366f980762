"""Hotspot and report activities: project a review, scan for hotspots and open their reviews, compile the
monthly report. All idempotent: a review is an upsert of its whole state, a review's workflow id is derived
from its subject and window, a month's report is compiled once."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from database.models import Case, HotspotFollowup, HotspotReview
from database.sessions import transaction
from reports.hotspots import find_hotspots, in_scope_complaints
from reports.monthly import compile_month, notify_ready
from schemas.hotspot import (
    CompileInput,
    FollowupCheck,
    HotspotOpen,
    HotspotRule,
    HotspotScope,
    HotspotState,
    ReformFollowup,
    ScanInput,
    ScanResult,
)
from schemas.notifications import NotificationKind
from timekeeping.jalali import jalali_period, previous_month
from workflows.hotspot import HotspotReviewWorkflow


class HotspotActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rule: HotspotRule,
        review_period: timedelta,
        notifications_off: Iterable[NotificationKind] = (),
    ) -> None:
        self._sessions = sessions
        self._rule = rule
        self._review_period = review_period
        self._notifications_off = tuple(notifications_off)

    @activity.defn(name="record_hotspot_review")
    async def record_hotspot_review(self, state: HotspotState) -> None:
        async with transaction(self._sessions) as session:
            await project_review(session, state)

    @activity.defn(name="check_reform_followup")
    async def check_reform_followup(self, check: FollowupCheck) -> ReformFollowup:
        """The scope's in-scope complaints registered in the follow-up's window, and in a window as long before."""
        followup = check.followup
        subject = Case.office_unit_id if check.scope is HotspotScope.UNIT else Case.agency_id
        window = followup.due_at - followup.decided_at

        async def count(start: datetime, end: datetime) -> int:
            statement = select(func.count()).where(
                subject == check.subject_id,
                in_scope_complaints(),
                Case.registered_at >= start,
                Case.registered_at < end,
            )
            return int(await session.scalar(statement) or 0)

        async with transaction(self._sessions) as session:
            before = await count(followup.decided_at - window, followup.decided_at)
            after = await count(followup.decided_at, followup.due_at)
        activity.logger.info("reform follow-up of %s: %d before, %d after", check.subject_id, before, after)
        return followup.model_copy(
            update={
                "checked_at": datetime.now(UTC),
                "complaints_before": before,
                "complaints_after": after,
                "fell": after < before,
            }
        )

    @activity.defn(name="scan_hotspots")
    async def scan_hotspots(self, scan: ScanInput) -> ScanResult:
        now = scan.now or datetime.now(UTC)
        async with transaction(self._sessions) as session:
            findings = await find_hotspots(session, now=now, rule=self._rule)
        client, info = activity.client(), activity.info()
        opened = []
        for finding in findings:
            start = HotspotOpen(review_id=finding.review_id, finding=finding, review_period=self._review_period)
            try:
                await client.start_workflow(
                    HotspotReviewWorkflow.run,
                    start,
                    id=finding.review_id,
                    task_queue=info.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                continue  # opened already for this very window (running, or decided)
            opened.append(finding.review_id)
        activity.logger.info("hotspot scan at %s: %d found, %s", now.isoformat(), len(findings), opened)
        return ScanResult(found=len(findings), opened=opened)

    @activity.defn(name="compile_monthly_report")
    async def compile_monthly_report(self, request: CompileInput) -> list[int] | None:
        """The last finished Jalali month, nationwide, per agency and per province, stored once, and its
        readers told (reports/monthly.py); None if it was there already."""
        now = request.now or datetime.now(UTC)
        year, month = previous_month(*jalali_period(now))
        async with transaction(self._sessions) as session:
            if await compile_month(session, year=year, month=month, now=now) is None:
                return None
            await notify_ready(session, year=year, month=month, now=now, off=self._notifications_off)
        return [year, month]


async def project_review(session: AsyncSession, state: HotspotState) -> None:
    """Upsert the review's whole state (the activity, and the rebuild of the read model from the archive)."""
    finding = state.finding
    row = await session.get(HotspotReview, state.review_id)
    if row is None:
        row = HotspotReview(review_id=state.review_id)
        session.add(row)
    row.scope, row.subject_id, row.agency_id = finding.scope.value, finding.subject_id, finding.agency_id
    row.window_start, row.window_end = finding.window_start, finding.window_end
    row.complaints, row.baseline = finding.complaints, finding.baseline
    row.top_indicator, row.top_indicator_count = finding.top_indicator, finding.top_indicator_count
    row.status, row.opened_at, row.due_at, row.overdue = (
        state.status.value,
        state.opened_at,
        state.due_at,
        state.overdue,
    )
    row.decision = state.decision.value if state.decision else None
    row.decision_note, row.decided_by, row.decided_at = state.decision_note, state.decided_by, state.decided_at
    for followup in state.followups:
        stored = await session.get(HotspotFollowup, (state.review_id, followup.round))
        if stored is None:
            stored = HotspotFollowup(review_id=state.review_id, round=followup.round)
            session.add(stored)
        for field, value in followup.model_dump(exclude={"round"}).items():
            setattr(stored, field, value)
