"""Jalali (Solar Hijri) months in Tehran time: which month a moment belongs to, and a month's UTC bounds.

A case registered at 23:50 on the last day of Esfand, Tehran time, belongs to Esfand even though it is
already 20:20 UTC of that day or, in other years, the next Gregorian day: always convert to Tehran first.
"""

from datetime import UTC, datetime, timedelta

import jdatetime

from timekeeping.tehran import TEHRAN

MONTH_NAMES_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

_PERSIAN_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


def persian_digits(value: object) -> str:
    return str(value).translate(_PERSIAN_DIGITS)


def jalali_period(moment: datetime) -> tuple[int, int]:
    """(Jalali year, month) of an aware moment, in Tehran time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to jalali_period")
    local = jdatetime.datetime.fromgregorian(datetime=moment.astimezone(TEHRAN))
    return local.year, local.month


def month_start(year: int, month: int) -> datetime:
    """The first moment of the Jalali month, Tehran midnight, as UTC."""
    local = jdatetime.date(year, month, 1).togregorian()
    return datetime(local.year, local.month, local.day, tzinfo=TEHRAN).astimezone(UTC)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of the Jalali month in UTC."""
    return month_start(year, month), month_start(*next_month(year, month))


def month_label_fa(year: int, month: int) -> str:
    return f"{MONTH_NAMES_FA[month - 1]} {persian_digits(year)}"


def tehran_midnight(moment: datetime) -> datetime:
    """The Tehran midnight at or before `moment`, as UTC: hotspot windows end on a day boundary."""
    local = moment.astimezone(TEHRAN)
    midnight = datetime(local.year, local.month, local.day, tzinfo=TEHRAN)
    return midnight.astimezone(UTC)


def days_before(moment: datetime, days: int) -> datetime:
    return moment - timedelta(days=days)
