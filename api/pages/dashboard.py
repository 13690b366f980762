"""The centre admin's live dashboard: open cases, breaches, today and this Jalali month, by province and by
indicator, drawn as server-rendered SVG bars; the page refreshes itself (meta refresh, allowed by the CSP)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import SessionDep
from api.pages.rendering import page, require_staff
from database.models import Case, Province
from schemas.enums import INDICATOR_LABELS_FA, CaseStatus, ContactKind, Indicator, Role
from timekeeping.jalali import jalali_period, month_start
from timekeeping.tehran import tehran_midnight

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 30
FINAL = tuple(s.value for s in CaseStatus if s.is_final)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float  # of the largest bar, for the SVG width


def _bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _, count in rows), default=0) or 1
    return [Bar(label, count, round(100 * count / top, 1)) for label, count in rows]


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """Tehran's midnight today and the first day of this Jalali month, in UTC."""
    return tehran_midnight(now), month_start(*jalali_period(now))


async def _count(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    return await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0


@dataclass(frozen=True)
class Figures:
    open: int
    open_breached: int
    today: int
    today_breached: int
    month: int
    month_breached: int
    month_closed: int
    by_province: list[Bar]
    by_indicator: list[Bar]


async def figures(session: AsyncSession, now: datetime) -> Figures:
    today, month = period_starts(now)
    is_open = Case.status.not_in(FINAL)
    complaint = Case.contact_kind == ContactKind.COMPLAINT.value  # requests, suggestions, referrals are no cases here
    this_day, this_month = and_(complaint, Case.registered_at >= today), and_(complaint, Case.registered_at >= month)
    names = dict((await session.execute(select(Province.code, Province.name_fa))).all())
    provinces = await session.execute(
        select(Case.province_code, func.count())
        .where(this_month)
        .group_by(Case.province_code)
        .order_by(func.count().desc())
    )
    indicators = dict(
        (await session.execute(select(Case.indicator, func.count()).where(this_month).group_by(Case.indicator))).all()
    )
    return Figures(
        open=await _count(session, is_open),
        open_breached=await _count(session, is_open, Case.breached.is_(True)),
        today=await _count(session, this_day),
        today_breached=await _count(session, this_day, Case.breached.is_(True)),
        month=await _count(session, this_month),
        month_breached=await _count(session, this_month, Case.breached.is_(True)),
        month_closed=await _count(session, this_month, Case.status == CaseStatus.CLOSED.value),
        by_province=_bars([(names.get(code, code), count) for code, count in provinces]),
        by_indicator=_bars([(INDICATOR_LABELS_FA[i], indicators.get(int(i), 0)) for i in Indicator]),
    )


@router.get("/dashboard")
async def dashboard(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, Role.ADMIN)
    now = datetime.now(UTC)
    data = await figures(session, now)
    return page(request, "staff/dashboard.html", user=user, figures=data, now=now, refresh=REFRESH_SECONDS)
