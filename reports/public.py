"""The public performance figures: per Jalali month, per agency and per province, the complaints received, the
share handled within the case's deadline (3 hours; office hours for the agencies that keep them) and the share
of satisfied citizens. Aggregates only, no case and no person. A cell with fewer than `min_cases` complaints is
suppressed, and so is a share whose own denominator is under it, so that no one can be singled out.

The figures are read once and reused for `ttl` seconds (PublicCache), so the open page costs the database one
read per period, whatever its traffic.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Agency, Case, Province
from schemas.enums import CaseStatus, ContactKind

_OUT_OF_SCOPE = (CaseStatus.REJECTED.value, CaseStatus.REFERRED.value)


@dataclass(frozen=True)
class Cell:
    """One subject in one month. None for a suppressed figure (under the threshold)."""

    name_fa: str
    received: int | None
    within_share: float | None
    satisfied_share: float | None

    @property
    def suppressed(self) -> bool:
        return self.received is None


@dataclass(frozen=True)
class PublicMonth:
    year: int
    month: int
    by_agency: list[Cell]
    by_province: list[Cell]


@dataclass
class PublicFigures:
    year: int
    min_cases: int
    months: list[PublicMonth] = field(default_factory=list)


def _cell(name: str, received: int, within: int, decided: int, satisfied: int, responses: int, least: int) -> Cell:
    if received < least:
        return Cell(name, None, None, None)
    return Cell(
        name,
        received,
        within / decided if decided >= least else None,
        satisfied / responses if responses >= least else None,
    )


async def public_figures(session: AsyncSession, *, year: int, min_cases: int, now: datetime) -> PublicFigures:
    in_scope = Case.status.not_in(_OUT_OF_SCOPE)
    within = and_(in_scope, Case.result_approved_at.is_not(None), Case.breached.is_(False))
    missed = and_(in_scope, or_(Case.breached.is_(True), and_(Case.result_approved_at.is_(None), Case.due_at <= now)))
    figures = (
        func.count(),
        func.sum(case((within, 1), else_=0)),
        func.sum(case((or_(within, missed), 1), else_=0)),
        func.sum(case((Case.satisfied.is_(True), 1), else_=0)),
        func.count(Case.satisfied),
    )
    where = (Case.jalali_year == year, Case.contact_kind == ContactKind.COMPLAINT.value)
    result = PublicFigures(year=year, min_cases=min_cases)
    cells: dict[str, dict[int, list[Cell]]] = {"agency": {}, "province": {}}
    for scope, column, names in (
        ("agency", Case.agency_id, select(Agency.id, Agency.name_fa)),
        ("province", Case.province_code, select(Province.code, Province.name_fa)),
    ):
        named = dict((await session.execute(names)).all())
        rows = await session.execute(
            select(Case.jalali_month, column, *figures).where(*where).group_by(Case.jalali_month, column)
        )
        for month, subject, received, w, d, s, r in rows:
            cell = _cell(named.get(subject, subject), received, int(w or 0), int(d or 0), int(s or 0), r, min_cases)
            cells[scope].setdefault(month, []).append(cell)
    for month in sorted(set(cells["agency"]) | set(cells["province"]), reverse=True):
        result.months.append(
            PublicMonth(
                year,
                month,
                sorted(cells["agency"].get(month, []), key=lambda c: c.name_fa),
                sorted(cells["province"].get(month, []), key=lambda c: c.name_fa),
            )
        )
    return result


class PublicCache:
    """The figures of each year, reused for `ttl` seconds; concurrent requests share one read."""

    def __init__(self, *, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._held: dict[int, tuple[float, PublicFigures]] = {}
        self._lock = asyncio.Lock()
        self.reads = 0  # database reads so far, for the tests and the logs

    async def get(
        self, sessions: async_sessionmaker[AsyncSession], *, year: int, min_cases: int, now: datetime
    ) -> PublicFigures:
        async with self._lock:
            held = self._held.get(year)
            if held is not None and self._clock() - held[0] < self.ttl and held[1].min_cases == min_cases:
                return held[1]
            async with sessions() as session:
                figures = await public_figures(session, year=year, min_cases=min_cases, now=now)
            self.reads += 1
            self._held[year] = (self._clock(), figures)
            return figures
