"""The centre admin's live dashboard: open cases, breaches, today and this Jalali month, by province and by
indicator (bar charts of api/pages/charts.py), citizens' satisfaction per agency this month, and links to the
report pages; the page reloads itself (app.js, from its foad-refresh meta tag), with a button that pauses it
(a meta refresh could not be stopped)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import SessionDep
from api.pages.charts import Bar, bars
from api.pages.rendering import page, require_staff
from database.models import Agency, Case, Province
from schemas.enums import INDICATOR_LABELS_FA, CaseStatus, ContactKind, Indicator, Role
from timekeeping.jalali import jalali_period, month_start
from timekeeping.persian import month_label_fa, persian_digits
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
    satisfaction: list["AgencySatisfaction"]


@dataclass(frozen=True)
class AgencySatisfaction:
    """This month's answers to the feedback question, for one agency: the share is of those who answered."""

    agency: str
    responses: int
    satisfied: int
    mean_rating: float | None

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None


async def satisfaction_by_agency(session: AsyncSession, since: datetime) -> list[AgencySatisfaction]:
    rows = await session.execute(
        select(
            Agency.name_fa,
            func.count(Case.satisfied),
            func.sum(case((Case.satisfied.is_(True), 1), else_=0)),
            func.avg(Case.rating),
        )
        .join(Agency, Agency.id == Case.agency_id)
        .where(Case.registered_at >= since, Case.satisfied.is_not(None))
        .group_by(Agency.name_fa)
        .order_by(Agency.name_fa)
    )
    return [
        AgencySatisfaction(name, int(responses), int(satisfied or 0), float(mean) if mean is not None else None)
        for name, responses, satisfied, mean in rows
    ]


@dataclass(frozen=True)
class ReportLink:
    label: str
    url: str


def report_links(now: datetime) -> list[ReportLink]:
    """The report pages of this Jalali month, the month before, and this year."""
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
        satisfaction=await satisfaction_by_agency(session, month),
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
