"""The annual evaluation for the Shahid Rajaei festival: a sheet per agency for one Jalali year.

Each component is a value in 0..1, higher is better, with its numerator and denominator and its weight (the
setting FOAD_RANKING_WEIGHTS, the same weights as the ranking):
- sla: complaints within their own deadline. A complaint is met when it has a result and its deadline was not
  breached (the `breached` flag, whatever its clock: wall time or office hours); it is a miss when breached, or
  when it has no result and its deadline (`due_at`) has passed; an open complaint whose deadline is still ahead
  is counted neither way.
- satisfaction: satisfied answers among the feedback answers; with no answer at all, 0.5 (neither).
- reopen: 1 minus the share of results reopened after a dissatisfied answer; with no result, no value, and its
  weight is left out of the score.
- volume: the league's mean complaints per agency against the agency's, min(1, mean / cases).
Complaints only (contacts of other kinds are not cases), and only in-scope ones (rejected, referred and forwarded
cases are the hotline's triage, not the agency's service). An agency is ranked only with at least `min_cases`
in-scope complaints; the change from last year is the score's difference from the year before, when that year
had a score.
"""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, Case
from reports.hotspots import in_scope_complaints
from reports.ranking import COMPONENT_LABELS_FA as _RANKING_LABELS_FA
from schemas.enums import ContactKind
from schemas.reports import RankingWeights

COMPONENT_LABELS_FA = _RANKING_LABELS_FA | {"sla": "رسیدگی در مهلت خود پرونده (بی نقض مهلت)"}
COMPONENT_BASIS_FA = {
    "sla": "از شکایات در حیطه که مهلتشان گذشته یا نتیجه گرفته‌اند",
    "satisfaction": "از پاسخ‌های نظرسنجی؛ بی پاسخ: نیم",
    "reopen": "از پرونده‌های دارای نتیجه",
    "volume": "میانگین شکایات هر دستگاه به شکایات این دستگاه",
}


class SheetComponent(BaseModel):
    name: str
    label_fa: str
    basis_fa: str
    weight: float
    numerator: float | None
    denominator: float | None
    value: float | None


class AgencySheet(BaseModel):
    year: int
    agency_id: str
    name_fa: str
    complaints: int
    in_scope: int
    components: list[SheetComponent]
    score: float | None
    rank: int | None
    ranked_agencies: int
    min_cases: int
    last_year_score: float | None
    change: float | None
    weights: RankingWeights


class AgencyLeague(BaseModel):
    year: int
    min_cases: int
    weights: RankingWeights
    sheets: list[AgencySheet]


async def data_years(session: AsyncSession) -> list[int]:
    """The Jalali years that hold complaints."""
    statement = select(Case.jalali_year).where(Case.contact_kind == ContactKind.COMPLAINT.value).distinct()
    return sorted(year for year in await session.scalars(statement) if year is not None)


async def _year_rows(session: AsyncSession, year: int, now: datetime) -> list:
    missed = or_(Case.breached.is_(True), and_(Case.result_approved_at.is_(None), Case.due_at <= now))
    met = and_(Case.breached.is_(False), Case.result_approved_at.is_not(None))
    statement = (
        select(
            Case.agency_id.label("agency_id"),
            func.count().label("complaints"),
            func.sum(case((in_scope_complaints(), 1), else_=0)).label("in_scope"),
            func.sum(case((and_(in_scope_complaints(), missed), 1), else_=0)).label("missed"),
            func.sum(case((and_(in_scope_complaints(), met), 1), else_=0)).label("met"),
            func.sum(case((and_(in_scope_complaints(), Case.result_approved_at.is_not(None)), 1), else_=0)).label(
                "results"
            ),
            func.sum(case((and_(in_scope_complaints(), Case.satisfied.is_not(None)), 1), else_=0)).label("responses"),
            func.sum(case((and_(in_scope_complaints(), Case.satisfied.is_(True)), 1), else_=0)).label("satisfied"),
            func.sum(case((and_(in_scope_complaints(), Case.reopened.is_(True)), 1), else_=0)).label("reopened"),
        )
        .where(Case.jalali_year == year, Case.contact_kind == ContactKind.COMPLAINT.value)
        .group_by(Case.agency_id)
    )
    return list((await session.execute(statement)).mappings())


def _components(row, weights: RankingWeights, mean: float) -> list[SheetComponent]:
    n = {key: int(row[key] or 0) for key in ("in_scope", "missed", "met", "results", "responses", "satisfied")}
    reopened = int(row["reopened"] or 0)
    decided = n["missed"] + n["met"]
    parts = {
        "sla": (n["met"], decided, n["met"] / decided if decided else None),
        "satisfaction": (n["satisfied"], n["responses"], n["satisfied"] / n["responses"] if n["responses"] else 0.5),
        "reopen": (reopened, n["results"], 1 - reopened / n["results"] if n["results"] else None),
        "volume": (round(mean, 4), n["in_scope"], min(1.0, mean / n["in_scope"]) if n["in_scope"] else None),
    }
    weight_of = weights.model_dump()
    return [
        SheetComponent(
            name=name,
            label_fa=COMPONENT_LABELS_FA[name],
            basis_fa=COMPONENT_BASIS_FA[name],
            weight=weight_of[name],
            numerator=numerator,
            denominator=denominator,
            value=round(value, 4) if value is not None else None,
        )
        for name, (numerator, denominator, value) in parts.items()
    ]


def _score(components: list[SheetComponent]) -> float | None:
    counted = [c for c in components if c.value is not None]
    total = sum(c.weight for c in counted)
    return round(sum(c.weight * c.value for c in counted) / total, 4) if total else None


async def _scores(session: AsyncSession, year: int, weights: RankingWeights, now: datetime) -> tuple[list, dict]:
    rows = await _year_rows(session, year, now)
    in_scope = [int(row["in_scope"] or 0) for row in rows]
    mean = sum(in_scope) / len(rows) if rows else 0.0
    built = [(row, _components(row, weights, mean)) for row in rows]
    return built, {row["agency_id"]: _score(components) for row, components in built}


async def agency_league(
    session: AsyncSession, *, year: int, weights: RankingWeights, min_cases: int, now: datetime
) -> AgencyLeague:
    """Every agency's sheet for `year`, ranked ones first by rank, then the others by their complaints."""
    built, _ = await _scores(session, year, weights, now)
    _, last_year = await _scores(session, year - 1, weights, now)
    names = dict((await session.execute(select(Agency.id, Agency.name_fa))).all())
    sheets = []
    for row, components in built:
        score = _score(components)
        previous = last_year.get(row["agency_id"])
        sheets.append(
            AgencySheet(
                year=year,
                agency_id=row["agency_id"],
                name_fa=names.get(row["agency_id"], row["agency_id"]),
                complaints=row["complaints"],
                in_scope=int(row["in_scope"] or 0),
                components=components,
                score=score,
                rank=None,
                ranked_agencies=0,
                min_cases=min_cases,
                last_year_score=previous,
                change=round(score - previous, 4) if score is not None and previous is not None else None,
                weights=weights,
            )
        )
    ranked = sorted(
        (s for s in sheets if s.in_scope >= min_cases and s.score is not None), key=lambda s: (-s.score, s.agency_id)
    )
    for position, sheet in enumerate(ranked, start=1):
        sheet.rank = position
    for sheet in sheets:
        sheet.ranked_agencies = len(ranked)
    others = sorted((s for s in sheets if s.rank is None), key=lambda s: (-s.in_scope, s.agency_id))
    return AgencyLeague(year=year, min_cases=min_cases, weights=weights, sheets=ranked + others)
