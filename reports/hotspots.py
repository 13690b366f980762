"""Finding hotspots: units and agencies whose complaints in a rolling window pass the rule's threshold.

The window ends at the Tehran midnight of the scan, so every scan of one day looks at the same window and
derives the same review id. A subject is a hotspot when its complaints in the window reach the absolute
minimum AND reach `relative_factor` times its own mean per window over the windows before. The indicator
repeated most in the window goes with the finding: repeated indicators at one office are the signal.
Only in-scope complaints count: a contact that is not a complaint, and a case rejected, referred or forwarded
as out of FOAD's scope, is not the office's service failing.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case, HotspotReview
from schemas.enums import CaseStatus, ContactKind
from schemas.hotspot import HotspotFinding, HotspotRule, HotspotScope, HotspotStatus
from timekeeping.tehran import tehran_midnight

OUT_OF_SCOPE = (CaseStatus.REJECTED.value, CaseStatus.REFERRED.value, CaseStatus.FORWARDED.value)


def in_scope_complaints():
    """Complaints (not requests, suggestions or out-of-scope contacts) not rejected, referred or forwarded."""
    return and_(Case.contact_kind == ContactKind.COMPLAINT.value, Case.status.not_in(OUT_OF_SCOPE))


async def _counts(session: AsyncSession, subject, start: datetime, end: datetime, *, by_indicator: bool = False):
    keys = [subject, Case.agency_id] + ([Case.indicator] if by_indicator else [])
    statement = (
        select(*keys, func.count())
        .where(Case.registered_at >= start, Case.registered_at < end, in_scope_complaints())
        .group_by(*keys)
    )
    return (await session.execute(statement)).all()


async def find_hotspots(session: AsyncSession, *, now: datetime, rule: HotspotRule) -> list[HotspotFinding]:
    """Every subject over the threshold in the window ending at today's Tehran midnight, open reviews skipped."""
    window = timedelta(days=rule.window_days)
    end = tehran_midnight(now)
    start = end - window
    history_start = start - window * rule.history_windows
    open_reviews = set(
        (
            await session.execute(
                select(HotspotReview.scope, HotspotReview.subject_id).where(
                    HotspotReview.status == HotspotStatus.OPEN.value
                )
            )
        ).all()
    )
    findings: list[HotspotFinding] = []
    for scope, subject in ((HotspotScope.UNIT, Case.office_unit_id), (HotspotScope.AGENCY, Case.agency_id)):
        history = {row[0]: row[-1] for row in await _counts(session, subject, history_start, start)}
        top: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for subject_id, _agency, indicator, count in await _counts(session, subject, start, end, by_indicator=True):
            if (count, -indicator) > (top[subject_id][1], -top[subject_id][0]):
                top[subject_id] = (indicator, count)
        for subject_id, agency_id, count in await _counts(session, subject, start, end):
            baseline = history.get(subject_id, 0) / rule.history_windows
            if count < rule.min_complaints or count < rule.relative_factor * baseline:
                continue
            if (scope.value, subject_id) in open_reviews:
                continue
            indicator, indicator_count = top[subject_id]
            findings.append(
                HotspotFinding(
                    scope=scope,
                    subject_id=subject_id,
                    agency_id=agency_id,
                    window_start=start,
                    window_end=end,
                    complaints=count,
                    baseline=round(baseline, 2),
                    top_indicator=indicator or None,
                    top_indicator_count=indicator_count,
                )
            )
    return findings
