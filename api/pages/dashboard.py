"""The centre admin's live dashboard: open cases, breaches, today and this Jalali month, by province and by
indicator (bar charts of api/pages/charts.py), citizens' satisfaction (satisfied share, mean rating, response
rate) per agency and per province today, this month and this year (reports/satisfaction.py), and links to the
report pages and the breakdowns; the page reloads itself (app.js, from its foad-refresh meta tag), with a
button that pauses it (a meta refresh could not be stopped)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import SessionDep
from api.pages.charts import Bar, bars
from api.pages.rendering import page, require_staff
from database.models import Case, Province
from reports.satisfaction import SatisfactionRow, satisfaction_by
from schemas.enums import INDICATOR_LABELS_FA, CaseStatus, ContactKind, Indicator, Role
from timekeeping.jalali import jalali_period, month_start
from timekeeping.persian import long_date_fa, month_label_fa, persian_digits
from timekeeping.tehran import tehran_midnight

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 30
FINAL = tuple(s.value for s in CaseStatus if s.is_final)


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
    satisfaction: list["SatisfactionPeriod"]


@dataclass(frozen=True)
class SatisfactionPeriod:
    """Citizens' answers over the complaints registered in one period (today, this month, this year)."""

    key: str
    label: str
    by_agency: list[SatisfactionRow]
    by_province: list[SatisfactionRow]


async def satisfaction_periods(session: AsyncSession, now: datetime) -> list[SatisfactionPeriod]:
    today, month = period_starts(now)
    year = month_start(jalali_period(now)[0], 1)
    periods = [
        ("today", f"امروز ({long_date_fa(now)})", today),
        ("month", month_label_fa(*jalali_period(now)), month),
        ("year", f"سال {persian_digits(jalali_period(now)[0])}", year),
    ]
    return [
        SatisfactionPeriod(
            key,
            label,
            await satisfaction_by(session, "agency", since),
            await satisfaction_by(session, "province", since),
        )
        for key, label, since in periods
    ]


@dataclass(frozen=True)
class ReportLink:
    label: str
    url: str


def report_links(now: datetime) -> list[ReportLink]:
    """The report pages of this Jalali month, the month before, and this year; this month's breakdowns."""
    year, month = jalali_period(now)
    before = (year, month - 1) if month > 1 else (year - 1, 12)
    return [
        ReportLink(
            f"گزارش {month_label_fa(year, month)}", f"/api/v1/reports/monthly?year={year}&month={month}&format=html"
        ),
        ReportLink(
            f"گزارش {month_label_fa(*before)}",
            f"/api/v1/reports/monthly?year={before[0]}&month={before[1]}&format=html",
        ),
        ReportLink(f"گزارش سال {persian_digits(year)}", f"/api/v1/reports/annual?year={year}&format=html"),
        *(
            ReportLink(
                f"گزارش {month_label_fa(year, month)} به تفکیک {label}",
                f"/api/v1/reports/breakdown?year={year}&month={month}&group_by={group}&format=html",
            )
            for group, label in (("agency", "دستگاه"), ("province", "استان"))
        ),
    ]


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
        by_province=bars([(names.get(code, code), count) for code, count in provinces]),
        by_indicator=bars([(INDICATOR_LABELS_FA[i], indicators.get(int(i), 0)) for i in Indicator]),
        satisfaction=await satisfaction_periods(session, now),
    )


@router.get("/dashboard")
async def dashboard(request: Request, session: SessionDep) -> Response:
    user = await require_staff(request, session, Role.ADMIN)
    now = datetime.now(UTC)
    data = await figures(session, now)
    return page(
        request,
        "staff/dashboard.html",
        user=user,
        figures=data,
        now=now,
        refresh=REFRESH_SECONDS,
        reports=report_links(now),
    )
