"""Monthly and annual reports: the figures of a period, its neighbours for trends, and their labels."""

from sqlalchemy.ext.asyncio import AsyncSession

from reports.figures import compute
from schemas.reports import AnnualReportOut, Figures, MonthlyReportOut, PeriodFigures, ReportSlice
from timekeeping.jalali import previous_month
from timekeeping.persian import month_label_fa, persian_digits


async def monthly_report(
    session: AsyncSession, report_slice: ReportSlice, *, year: int, month: int, sla_seconds: float
) -> MonthlyReportOut:
    current = await compute(session, report_slice, year=year, month=month, sla_seconds=sla_seconds)
    before_year, before_month = previous_month(year, month)
    before = await compute(session, report_slice, year=before_year, month=before_month, sla_seconds=sla_seconds)
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
    session: AsyncSession, report_slice: ReportSlice, *, year: int, sla_seconds: float
) -> AnnualReportOut:
    total = await compute(session, report_slice, year=year, sla_seconds=sla_seconds)
    months = await compute(session, report_slice, year=year, by_month=True, sla_seconds=sla_seconds)
    return AnnualReportOut(
        slice=report_slice,
        period=PeriodFigures(year=year, label_fa=f"سال {persian_digits(year)}", figures=total.get(None, Figures())),
        months=[
            PeriodFigures(year=year, month=m, label_fa=month_label_fa(year, m), figures=months.get(m, Figures()))
            for m in range(1, 13)
        ],
    )
