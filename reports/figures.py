"""The report figures of a slice, per Jalali month or year, computed by aggregate SQL on the read model.

Every figure comes from one aggregate over the `cases` rows of the period: the projection stores on each row
its Jalali month in Tehran time, its seconds to result and its escalations into each level, so one indexed
range of rows is read once, with no join. Medians and 90th percentiles are `percentile_cont` on PostgreSQL;
SQLite has none, so there the same linear interpolation runs in Python over the period's result times.

"Within the deadline" is the case's own deadline, whatever its clock (wall clock or office hours): an in-scope
complaint whose result was approved and whose deadline was never breached (the `breached` flag the workflow
sets). A miss is a breached case, or one with no result whose deadline (`due_at`) has passed; an open case
whose deadline is still ahead is pending, neither. The share's denominator is `decided` = within + missed.

`group_by` breaks the figures down by a subject (agency, province, ...): one key per subject instead of one
per month (reports/breakdowns.py).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Case, Unit
from schemas.enums import CaseStatus, ContactKind
from schemas.reports import ESCALATION_TARGETS, Figures, ReportSlice, Satisfaction


def slice_conditions(report_slice: ReportSlice) -> list:
    conditions = []
    for field in ("agency_id", "province_code", "county_code", "indicator", "channel", "level"):
        value = getattr(report_slice, field)
        if value is not None:
            conditions.append(getattr(Case, field) == getattr(value, "value", value))
    if report_slice.unit_id is not None:
        conditions.append(Case.office_unit_id == report_slice.unit_id)
    if report_slice.village is not None:
        conditions.append(Case.office_unit_id.in_(select(Unit.id).where(Unit.village == report_slice.village)))
    return conditions


def _period_conditions(year: int, month: int | None) -> list:
    conditions = [Case.jalali_year == year]
    if month is not None:
        conditions.append(Case.jalali_month == month)
    return conditions


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks: what PostgreSQL's percentile_cont computes."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 60, 1)


async def compute(
    session: AsyncSession,
    report_slice: ReportSlice,
    *,
    year: int,
    month: int | None = None,
    by_month: bool = False,
    group_by=None,
    now: datetime | None = None,
) -> dict:
    """Figures of the period, keyed by Jalali month when by_month, by the subject of `group_by` (a column)
    when given, else by None (the whole period). `now` decides which open cases are past their deadline."""
    now = now or datetime.now(UTC)
    every_contact = and_(*_period_conditions(year, month), *slice_conditions(report_slice))
    where = and_(every_contact, Case.contact_kind == ContactKind.COMPLAINT.value)
    keys = [group_by] if group_by is not None else [Case.jalali_month] if by_month else []
    keyed = bool(keys)
    in_scope = Case.status.not_in(_OUT_OF_SCOPE)
    within = and_(in_scope, Case.result_approved_at.is_not(None), Case.breached.is_(False))
    missed = and_(in_scope, or_(Case.breached.is_(True), and_(Case.result_approved_at.is_(None), Case.due_at <= now)))
    postgres = session.bind.dialect.name == "postgresql"
    figures: dict[int | None, Figures] = defaultdict(Figures)

    totals = select(
        *keys,
        func.count().label("received"),
        func.count(Case.result_seconds).label("results"),
        func.sum(case((within, 1), else_=0)).label("within_sla"),
        func.sum(case((missed, 1), else_=0)).label("missed"),
        func.sum(case((Case.breached.is_(True), 1), else_=0)).label("breaches"),
        func.sum(case((Case.status.in_(_OUT_OF_SCOPE), 1), else_=0)).label("rejected"),
        func.count(Case.satisfied).label("responses"),
        func.sum(case((Case.satisfied.is_(True), 1), else_=0)).label("satisfied"),
        func.avg(Case.rating).label("mean_rating"),
        func.sum(case((Case.reopened.is_(True), 1), else_=0)).label("reopened"),
        func.sum(case((_solved_at_once, 1), else_=0)).label("solved_at_once"),
        *(func.sum(case((Case.indicator == i, 1), else_=0)).label(f"indicator_{i}") for i in range(1, 9)),
        *(
            func.sum(getattr(Case, f"escalated_{level.value}")).label(f"escalated_{level.value}")
            for level in ESCALATION_TARGETS
        ),
        *(
            [
                func.percentile_cont(0.5).within_group(Case.result_seconds).label("median"),
                func.percentile_cont(0.9).within_group(Case.result_seconds).label("p90"),
            ]
            if postgres
            else []
        ),
    ).where(where)
    for found in await session.execute(_grouped(_joined(totals, group_by), keys)):
        key, row = (found[0] if keyed else None), found._mapping
        _fill_totals(figures[key], row)
        if postgres:
            figures[key].median_minutes_to_result = _minutes(row["median"])
            figures[key].p90_minutes_to_result = _minutes(row["p90"])

    await _triage(session, figures, every_contact, keys, group_by)
    if not postgres:
        times: dict[int | None, list[int]] = defaultdict(list)
        rows = await session.execute(
            _joined(select(*keys, Case.result_seconds), group_by).where(where, Case.result_seconds.is_not(None))
        )
        for row in rows:
            times[row[0] if keyed else None].append(row[-1])
        for key, values in times.items():
            figures[key].median_minutes_to_result = _minutes(percentile(values, 0.5))
            figures[key].p90_minutes_to_result = _minutes(percentile(values, 0.9))

    return dict(figures)


_OUT_OF_SCOPE = (CaseStatus.REJECTED.value, CaseStatus.REFERRED.value)
# Handled at the first level: a result approved with no escalation, no send-back and no reopening.
_solved_at_once = and_(
    Case.result_approved_at.is_not(None), Case.escalations == 0, Case.sent_backs == 0, Case.reopened.is_(False)
)


def _joined(statement: Select, group_by) -> Select:
    """The office's row joined when the subject is one of its columns (the village)."""
    if group_by is not None and getattr(group_by, "table", None) is Unit.__table__:
        return statement.select_from(Case).join(Unit, Unit.id == Case.office_unit_id)
    return statement


async def _triage(session: AsyncSession, figures: dict, every_contact, keys: list, group_by) -> None:
    """Contacts by triage, referrals by target, and approved results by outcome (with each one's share)."""
    counted = (
        (Case.contact_kind, "contacts", every_contact),
        (Case.referral_target_id, "referrals_by_target", and_(every_contact, Case.referral_target_id.is_not(None))),
        (
            Case.outcome,
            "outcomes",
            and_(every_contact, Case.result_approved_at.is_not(None), Case.outcome.is_not(None)),
        ),
    )
    for column, name, where in counted:
        statement = _joined(select(*keys, column, func.count()), group_by).where(where).group_by(*keys, column)
        for row in await session.execute(statement):
            key = row[0] if keys else None
            getattr(figures[key], name)[row[-2]] = row[-1]
    for target in figures.values():
        total = sum(target.outcomes.values())
        target.outcome_shares = {k: round(v / total, 4) for k, v in target.outcomes.items()} if total else {}


def _grouped(statement: Select, keys: list) -> Select:
    return statement.group_by(*keys) if keys else statement


def _fill_totals(target: Figures, row) -> None:
    received = row["received"] or 0
    if not received:
        return
    target.received = received
    target.results = row["results"] or 0
    target.within_sla = int(row["within_sla"] or 0)
    target.missed = int(row["missed"] or 0)
    target.breaches = int(row["breaches"] or 0)
    target.rejected_out_of_scope = int(row["rejected"] or 0)
    target.in_scope = received - target.rejected_out_of_scope
    target.decided = target.within_sla + target.missed
    target.pending = target.in_scope - target.decided
    target.within_sla_share = _share(target.within_sla, target.decided)
    target.by_indicator = {i: int(row[f"indicator_{i}"] or 0) for i in range(1, 9)}
    target.escalations_by_level = {
        level.value: int(row[f"escalated_{level.value}"] or 0) for level in ESCALATION_TARGETS
    }
    target.reopened = int(row["reopened"] or 0)
    target.reopen_rate = _share(target.reopened, target.results)
    target.solved_at_once = int(row["solved_at_once"] or 0)
    target.solved_at_once_rate = _share(target.solved_at_once, target.results)
    responses = row["responses"] or 0
    target.satisfaction = Satisfaction(
        responses=responses,
        satisfied=int(row["satisfied"] or 0),
        share_satisfied=_share(int(row["satisfied"] or 0), responses),
        mean_rating=round(float(row["mean_rating"]), 2) if row["mean_rating"] is not None else None,
        response_rate=_share(responses, target.results),
    )
