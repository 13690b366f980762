"""The report as a Persian page in the app's layout: the slice named by its names (agency, province, county,
office, indicator, level, channel), the period's figures with each share saying what it counts, and bar charts
that fit a phone (api/pages/charts.py). Served by api/routers/reports.py for `format=html`, to a bearer token
or the pages' staff session alike."""

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from api.deps import StaffUser
from api.pages.charts import bars, number_fa, percent_fa
from api.pages.labels import CHANNEL_FA
from api.pages.rendering import page
from database.models import Agency, County, Province, Unit
from schemas.enums import INDICATOR_LABELS_FA, LEVEL_LABELS_FA, Channel, ContactKind, HandlingOutcome, Indicator, Level
from schemas.reports import ESCALATION_TARGETS, AnnualReportOut, Figures, MonthlyReportOut, PeriodFigures
from timekeeping.jalali import MONTH_NAMES_FA


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figure_rows(f: Figures) -> list[tuple[str, str]]:
    """Each figure with a label that says what it counts (a share names its denominator)."""
    s = f.satisfaction
    return [
        ("شکایات دریافتی", number_fa(f.received)),
        ("در حیطه فواد", number_fa(f.in_scope)),
        ("پرونده‌های دارای نتیجه تأییدشده", number_fa(f.results)),
        ("نتیجه در مهلت خود پرونده، از پرونده‌های دارای نتیجه", percent_fa(_share(f.within_sla, f.results))),
        (
            "در مهلت، از پرونده‌های در مهلت یا مهلت‌گذشته؛ پرونده باز تا مهلتش نگذشته شمرده نمی‌شود",
            percent_fa(f.within_sla_share),
        ),
        ("مهلت‌گذشته: نقض مهلت، یا بی نتیجه پس از مهلت", number_fa(f.missed)),
        ("باز، با مهلتی که هنوز نگذشته", number_fa(f.pending)),
        ("میانه زمان تا نتیجه، به دقیقه", number_fa(f.median_minutes_to_result, 1)),
        ("صدک ۹۰ زمان تا نتیجه، به دقیقه", number_fa(f.p90_minutes_to_result, 1)),
        ("نقض مهلت", number_fa(f.breaches)),
        ("خارج از حیطه و ارجاع به مرجع دیگر", number_fa(f.rejected_out_of_scope)),
        *[
            (f"انتقال به سطح {LEVEL_LABELS_FA[level]}", number_fa(f.escalations_by_level[level.value]))
            for level in ESCALATION_TARGETS
        ],
        ("شهروندان راضی، از پاسخ‌دهندگان به نظرسنجی", percent_fa(s.share_satisfied)),
        ("میانگین امتیاز شهروندان، از ۵", number_fa(s.mean_rating, 2)),
        ("پاسخ به نظرسنجی، از پرونده‌های دارای نتیجه", percent_fa(s.response_rate)),
        ("بازگشایی پس از نارضایتی، از پرونده‌های دارای نتیجه", percent_fa(f.reopen_rate)),
        ("حل در همان سطح نخست (بی انتقال به سطح بالاتر و بازگشت)", percent_fa(f.solved_at_once_rate)),
        *[(f"سرانجام: {o.label_fa}", percent_fa(f.outcome_shares.get(o.value))) for o in HandlingOutcome],
        *[
            (f"تماس‌ها: {k.label_fa}", number_fa(f.contacts.get(k.value, 0)))
            for k in ContactKind
            if k is not ContactKind.COMPLAINT
        ],
    ]


async def slice_fa(session: AsyncSession, report_slice: dict[str, object]) -> list[tuple[str, str]]:
    """The report's slice by names: («دستگاه», «سازمان تأمین اجتماعی»), never «agency_id = sso»."""
    tables = {
        "agency_id": ("دستگاه", Agency.id, Agency.name_fa),
        "province_code": ("استان", Province.code, Province.name_fa),
        "county_code": ("شهرستان", County.code, County.name_fa),
        "unit_id": ("اداره", Unit.id, Unit.name_fa),
    }
    named = []
    for key, value in report_slice.items():
        if key in tables:
            label, id_column, name_column = tables[key]
            name = await session.scalar(select(name_column).where(id_column == value))
            named.append((label, name or str(value)))
        elif key == "indicator":
            named.append(("موضوع", INDICATOR_LABELS_FA[Indicator(int(value))]))
        elif key == "level":
            named.append(("سطح", LEVEL_LABELS_FA[Level(value)]))
        elif key == "channel":
            named.append(("راه ثبت", CHANNEL_FA[Channel(value)]))
        elif key == "village":
            named.append(("روستا", str(value)))
    return named


async def report_page(
    request: Request, session: AsyncSession, report: MonthlyReportOut | AnnualReportOut, user: StaffUser
) -> Response:
    period = report.period
    if isinstance(report, MonthlyReportOut):
        trend: list[PeriodFigures] = [report.previous, report.period]
    else:
        trend = report.months
    return page(
        request,
        "reports/report.html",
        user=user,
        title=f"گزارش فواد ۱۲۸ — {period.label_fa}",
        period=period,
        slice=await slice_fa(session, report.slice.model_dump(exclude_none=True)),
        rows=figure_rows(period.figures),
        indicator_bars=bars([(INDICATOR_LABELS_FA[i], period.figures.by_indicator[i.value]) for i in Indicator]),
        trend_bars=bars([(f"{MONTH_NAMES_FA[p.month - 1]} {number_fa(p.year)}", p.figures.received) for p in trend]),
    )
