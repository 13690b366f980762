"""The annual evaluation (the Shahid Rajaei festival): agencies or offices ranked by a weighted score.

Each component is a value in 0..1, higher is better, shown with its weight:
- sla: share of the decided in-scope complaints (a result within the case's own deadline, or a miss: breached,
  or no result past the deadline) that were within it, whatever the case's clock; open cases with their deadline
  ahead are not counted (reports/figures.py);
- satisfaction: share of feedback answers that were satisfied (0.5, neither good nor bad, with no answer);
- reopen: 1 minus the share of results reopened after a dissatisfied answer; with no result it has no value,
  and the score is the weighted mean of the components that have one;
- volume: complaints against the league's mean per subject, min(1, mean / cases): at or below the mean
  scores 1, twice the mean 0.5. The read model holds no count of services delivered, so a subject's
  complaint load is judged against its peers'.
Only subjects with at least `min_cases` complaints are ranked, so one lucky case cannot top a league; the
others are listed apart, with their figures.
"""

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, Case, Unit
from schemas.enums import CaseStatus, ContactKind
from schemas.reports import RankingComponent, RankingEntry, RankingOut, RankingWeights

_OUT_OF_SCOPE = (CaseStatus.REJECTED.value, CaseStatus.REFERRED.value)

COMPONENT_LABELS_FA = {
    "sla": "رعایت مهلت ۳ ساعته",
    "satisfaction": "رضایت شهروندان",
    "reopen": "نبود بازگشایی",
    "volume": "حجم شکایات نسبت به میانگین",
}


async def ranking(
    session: AsyncSession,
    *,
    scope: str,
    year: int,
    min_cases: int,
    weights: RankingWeights,
    agency_id: str | None = None,
    now: datetime | None = None,
) -> RankingOut:
    now = now or datetime.now(UTC)
    in_scope = Case.status.not_in(_OUT_OF_SCOPE)
    within = and_(in_scope, Case.result_approved_at.is_not(None), Case.breached.is_(False))
    missed = and_(in_scope, or_(Case.breached.is_(True), and_(Case.result_approved_at.is_(None), Case.due_at <= now)))
    subject = Case.agency_id if scope == "agency" else Case.office_unit_id
    statement = select(
        subject.label("subject"),
        func.count().label("cases"),
        func.sum(case((Case.status.in_(_OUT_OF_SCOPE), 0), else_=1)).label("in_scope"),
        func.sum(case((within, 1), else_=0)).label("within_sla"),
        func.sum(case((missed, 1), else_=0)).label("missed"),
        func.count(Case.result_seconds).label("results"),
        func.count(Case.satisfied).label("responses"),
        func.sum(case((Case.satisfied.is_(True), 1), else_=0)).label("satisfied"),
        func.sum(case((Case.reopened.is_(True), 1), else_=0)).label("reopened"),
    ).where(Case.jalali_year == year, Case.contact_kind == ContactKind.COMPLAINT.value)  # complaints, not contacts
    if agency_id is not None:
        statement = statement.where(Case.agency_id == agency_id)
    rows = list((await session.execute(statement.group_by(subject))).mappings())
    names = await _names(session, scope, [row["subject"] for row in rows])
    mean_cases = sum(row["cases"] for row in rows) / len(rows) if rows else 0.0

    entries = [_entry(row, names, weights, mean_cases) for row in rows]
    eligible = sorted((e for e in entries if e.cases >= min_cases), key=lambda e: (-(e.score or 0), e.subject_id))
    for position, entry in enumerate(eligible, start=1):
        entry.rank = position
    unranked = sorted((e for e in entries if e.cases < min_cases), key=lambda e: (-e.cases, e.subject_id))
    return RankingOut(scope=scope, year=year, min_cases=min_cases, weights=weights, ranked=eligible, unranked=unranked)


def _entry(row, names: dict[str, str], weights: RankingWeights, mean_cases: float) -> RankingEntry:
    cases, results, responses = row["cases"], row["results"], row["responses"]
    within, decided = int(row["within_sla"] or 0), int(row["within_sla"] or 0) + int(row["missed"] or 0)
    values: dict[str, float | None] = {
        "sla": within / decided if decided else 0.0,
        "satisfaction": (int(row["satisfied"] or 0) / responses) if responses else 0.5,
        "reopen": 1 - (int(row["reopened"] or 0) / results) if results else None,
        "volume": min(1.0, mean_cases / cases) if cases else 1.0,
    }
    weight_of = weights.model_dump()
    components = [
        RankingComponent(
            name=name,
            label_fa=COMPONENT_LABELS_FA[name],
            weight=weight_of[name],
            value=round(value, 4) if value is not None else None,
        )
        for name, value in values.items()
    ]
    valued = {n: v for n, v in values.items() if v is not None}
    total_weight = sum(weight_of[n] for n in valued)
    score = sum(weight_of[n] * v for n, v in valued.items()) / total_weight if total_weight else 0.0
    return RankingEntry(
        rank=None,
        subject_id=row["subject"],
        name_fa=names.get(row["subject"], row["subject"]),
        cases=cases,
        score=round(score, 4),
        components=components,
    )


async def _names(session: AsyncSession, scope: str, ids: list[str]) -> dict[str, str]:
    model = Agency if scope == "agency" else Unit
    rows = await session.execute(select(model.id, model.name_fa).where(model.id.in_(ids)))
    return dict(rows.all())
