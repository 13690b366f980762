"""Monthly and annual reports: the figures of a period, its neighbours for trends, and their labels."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from reports.figures import compute
from schemas.reports import AnnualReportOut, Figures, MonthlyReportOut, PeriodFigures, ReportSlice
from timekeeping.jalali import previous_month
from timekeeping.persian import month_label_fa, persian_digits


async def monthly_report(
    session: AsyncSession, report_slice: ReportSlice, *, year: int, month: int, now: datetime | None = None
) -> MonthlyReportOut:
    current = await compute(session, report_slice, year=year, month=month, now=now)
    before_year, before_month = previous_month(year, month)
    before = await compute(session, report_slice, year=before_year, month=before_month, now=now)
    this = current.get(None, Figures())
    last = before.get(None, Figures())
    return MonthlyReportOut(
        slice=report_slice,
        period=PeriodFigures(year=year, month=month, label_fa=month_label_fa(year, month), figures=this),
        previous=PeriodFigures(
            year=before_year, month=before_month, label_fa=month_label_fa(before_year, before_month), figures=last
        ),
        change_received=this.received - last.received,
    )


async def annual_report(
    session: AsyncSession, report_slice: ReportSlice, *, year: int, now: datetime | None = None
) -> AnnualReportOut:
    total = await compute(session, report_slice, year=year, now=now)
    months = await compute(session, report_slice, year=year, by_month=True, now=now)
    return AnnualReportOut(
        slice=report_slice,
        period=PeriodFigures(year=year, label_fa=f"سال {persian_digits(year)}", figures=total.get(None, Figures())),
        months=[
            PeriodFigures(year=year, month=m, label_fa=month_label_fa(year, m), figures=months.get(m, Figures()))
            for m in range(1, 13)
        ],
    )
