"""Breakdown reports: the figures of one period, one row per subject (every agency, province, county, village,
office, indicator, channel, level or outcome side by side), the same figures as the monthly and annual reports
(reports/figures.py), sorted by any of them. A subject with no complaint in the period has no row.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from database.models import Agency, Case, County, Province, Unit
from reports.figures import compute
from schemas.enums import INDICATOR_LABELS_FA, LEVEL_LABELS_FA, Channel, HandlingOutcome, Indicator, Level
from schemas.reports import Figures, ReportSlice
from timekeeping.persian import month_label_fa, persian_digits


class Grouping(StrEnum):
    AGENCY = "agency"
    PROVINCE = "province"
    COUNTY = "county"
    VILLAGE = "village"
    UNIT = "unit"
    INDICATOR = "indicator"
    CHANNEL = "channel"
    LEVEL = "level"
    OUTCOME = "outcome"


GROUPING_LABELS_FA = {
    Grouping.AGENCY: "دستگاه",
    Grouping.PROVINCE: "استان",
    Grouping.COUNTY: "شهرستان",
    Grouping.VILLAGE: "روستا",
    Grouping.UNIT: "اداره",
    Grouping.INDICATOR: "موضوع شکایت",
    Grouping.CHANNEL: "راه ثبت",
    Grouping.LEVEL: "سطح",
    Grouping.OUTCOME: "سرانجام",
}

# The channels' names, as api/pages/labels.py's CHANNEL_FA gives them (reports do not import the pages).
CHANNEL_FA = {Channel.PHONE: "تلفن ۱۲۸", Channel.WEB: "وب", Channel.APP: "اپلیکیشن"}

COLUMN_OF = {
    Grouping.AGENCY: Case.agency_id,
    Grouping.PROVINCE: Case.province_code,
    Grouping.COUNTY: Case.county_code,
    Grouping.VILLAGE: Unit.village,
    Grouping.UNIT: Case.office_unit_id,
    Grouping.INDICATOR: Case.indicator,
    Grouping.CHANNEL: Case.channel,
    Grouping.LEVEL: Case.level,
    Grouping.OUTCOME: Case.outcome,
}

# The figures a breakdown sorts by: a name and how to read it from a row's Figures.
SORT_KEYS = {
    "subject": None,
    "received": lambda f: f.received,
    "in_scope": lambda f: f.in_scope,
    "results": lambda f: f.results,
    "within_sla": lambda f: f.within_sla,
    "within_sla_share": lambda f: f.within_sla_share,
    "missed": lambda f: f.missed,
    "pending": lambda f: f.pending,
    "median_minutes_to_result": lambda f: f.median_minutes_to_result,
    "p90_minutes_to_result": lambda f: f.p90_minutes_to_result,
    "breaches": lambda f: f.breaches,
    "rejected_out_of_scope": lambda f: f.rejected_out_of_scope,
    "share_satisfied": lambda f: f.satisfaction.share_satisfied,
    "mean_rating": lambda f: f.satisfaction.mean_rating,
    "response_rate": lambda f: f.satisfaction.response_rate,
    "reopen_rate": lambda f: f.reopen_rate,
    "solved_at_once_rate": lambda f: f.solved_at_once_rate,
}


class BreakdownRow(BaseModel):
    subject: str | None = Field(description="The subject's id or code; None for cases that have none (no outcome)")
    name_fa: str
    figures: Figures


class BreakdownOut(BaseModel):
    group_by: Grouping
    year: int
    month: int | None
    label_fa: str
    slice: ReportSlice
    sort: str
    descending: bool
    rows: list[BreakdownRow]
    total: Figures = Field(description="The whole slice and period, the same figures, for the table's foot")


@dataclass(frozen=True)
class YearRange:
    first: int | None
    last: int | None

    def holds(self, year: int) -> bool:
        return self.first is not None and self.first <= year <= self.last


async def data_years(session: AsyncSession) -> YearRange:
    """The first and last Jalali years with any case: a report outside them is a mistake, not an empty table."""
    first, last = (await session.execute(select(func.min(Case.jalali_year), func.max(Case.jalali_year)))).one()
    return YearRange(first, last)


async def names_fa(session: AsyncSession, group_by: Grouping, subjects: list) -> dict:
    tables = {
        Grouping.AGENCY: (Agency.id, Agency.name_fa),
        Grouping.PROVINCE: (Province.code, Province.name_fa),
        Grouping.COUNTY: (County.code, County.name_fa),
        Grouping.UNIT: (Unit.id, Unit.name_fa),
    }
    if group_by in tables:
        key, name = tables[group_by]
        return dict((await session.execute(select(key, name).where(key.in_([s for s in subjects if s])))).all())
    labels: dict = {}
    for subject in subjects:
        if subject is None:
            continue
        if group_by is Grouping.INDICATOR:
            labels[subject] = INDICATOR_LABELS_FA[Indicator(int(subject))]
        elif group_by is Grouping.CHANNEL:
            labels[subject] = CHANNEL_FA[Channel(subject)]
        elif group_by is Grouping.LEVEL:
            labels[subject] = LEVEL_LABELS_FA[Level(subject)]
        elif group_by is Grouping.OUTCOME:
            labels[subject] = HandlingOutcome(subject).label_fa
        else:
            labels[subject] = str(subject)
    return labels


NO_SUBJECT_FA = {Grouping.OUTCOME: "بی سرانجام ثبت‌شده", Grouping.LEVEL: "پیش از سطح", Grouping.VILLAGE: "شهری"}


async def breakdown(
    session: AsyncSession,
    report_slice: ReportSlice,
    *,
    group_by: Grouping,
    year: int,
    month: int | None = None,
    sort: str = "received",
    descending: bool = True,
    now: datetime | None = None,
) -> BreakdownOut:
    """One row per subject of the period and slice, sorted by `sort` (a key of SORT_KEYS); a row whose
    figure is None (no share to give) sorts last either way, then by name."""
    found = await compute(session, report_slice, year=year, month=month, group_by=COLUMN_OF[group_by], now=now)
    total = (await compute(session, report_slice, year=year, month=month, now=now)).get(None, Figures())
    names = await names_fa(session, group_by, list(found))
    rows = [
        BreakdownRow(
            subject=None if subject is None else str(subject),
            name_fa=names.get(subject) or NO_SUBJECT_FA.get(group_by, "نامعلوم"),
            figures=figures,
        )
        for subject, figures in found.items()
    ]
    rows.sort(key=lambda r: r.name_fa)
    read = SORT_KEYS[sort]
    if read is None:
        rows.sort(key=lambda r: r.name_fa, reverse=descending)
    else:
        valued = [r for r in rows if read(r.figures) is not None]
        valued.sort(key=lambda r: read(r.figures), reverse=descending)
        rows = valued + [r for r in rows if read(r.figures) is None]
    label = month_label_fa(year, month) if month else f"سال {persian_digits(year)}"
    return BreakdownOut(
        group_by=group_by,
        year=year,
        month=month,
        label_fa=label,
        slice=report_slice,
        sort=sort,
        descending=descending,
        rows=rows,
        total=total,
    )
