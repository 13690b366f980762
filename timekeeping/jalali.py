"""Jalali (Solar Hijri) dates and months in Tehran time: which month a moment belongs to, a month's UTC bounds.

A case registered at 23:50 on the last day of Esfand, Tehran time, belongs to Esfand even though it is
already 20:20 UTC of that day or, in other years, the next Gregorian day: always convert to Tehran first.
"""

from datetime import UTC, date, datetime

import jdatetime

from timekeeping.tehran import TEHRAN, to_tehran

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
# The Iranian week, Saturday first: jdatetime's weekday() numbers it so.
WEEKDAY_NAMES_FA = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")


def to_jalali(value: date | datetime) -> jdatetime.date:
    """The Jalali date of a Gregorian day, or of a moment's day in Tehran (a naive moment is UTC)."""
    if isinstance(value, datetime):
        value = to_tehran(value).date()
    return jdatetime.date.fromgregorian(date=value)


def jalali_period(moment: datetime) -> tuple[int, int]:
    """(Jalali year, month) of an aware moment, in Tehran time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to jalali_period")
    local = to_jalali(moment)
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
