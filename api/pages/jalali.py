"""Jinja2 filters for what a person reads: Jalali dates in Tehran time, Persian digits, durations.

The database and the API keep UTC and Gregorian; only the pages convert, here, at the last moment.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jdatetime

from schemas.text import persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

MONTHS_FA = (
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
WEEKDAYS_FA = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")


def fa_digits(value: object) -> str:
    """Latin digits to Persian ones; None reads as an empty string."""
    return "" if value is None else persian_digits(value)


def to_tehran(value: datetime) -> datetime:
    if value.tzinfo is None:  # the database hands back UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TEHRAN)


def _jalali(value: datetime | date) -> jdatetime.date:
    if isinstance(value, datetime):
        value = to_tehran(value).date()
    return jdatetime.date.fromgregorian(date=value)


def jalali_date(value: datetime | date | None) -> str:
    """۱۴۰۵/۰۹/۰۲"""
    if value is None:
        return ""
    j = _jalali(value)
    return fa_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def jalali_long_date(value: datetime | date | None) -> str:
    """یکشنبه ۲ آذر ۱۴۰۵"""
    if value is None:
        return ""
    j = _jalali(value)
    return f"{WEEKDAYS_FA[j.weekday()]} {fa_digits(j.day)} {MONTHS_FA[j.month - 1]} {fa_digits(j.year)}"


def jalali_datetime(value: datetime | None) -> str:
    """۱۴۰۵/۰۹/۰۲ ساعت ۱۴:۳۰ (Tehran time)"""
    if value is None:
        return ""
    local = to_tehran(value)
    return f"{jalali_date(local)} ساعت {fa_digits(local.strftime('%H:%M'))}"


def jalali_month(value: datetime | date) -> str:
    """آذر ۱۴۰۵"""
    j = _jalali(value)
    return f"{MONTHS_FA[j.month - 1]} {fa_digits(j.year)}"


def duration_fa(value: timedelta) -> str:
    """۲ ساعت و ۵ دقیقه; under a minute reads as «کمتر از یک دقیقه»."""
    minutes = int(abs(value.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{fa_digits(hours)} ساعت")
    if minutes:
        parts.append(f"{fa_digits(minutes)} دقیقه")
    return " و ".join(parts) or "کمتر از یک دقیقه"


def time_left_fa(due: datetime | None, now: datetime | None = None) -> str:
    """What a countdown says before JavaScript takes over: time left, or how long ago it passed."""
    if due is None:
        return ""
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    left = due - (now or datetime.now(UTC))
    if left.total_seconds() < 0:
        return f"{duration_fa(left)} از مهلت گذشته"
    return f"{duration_fa(left)} مانده"


def deadline_class(due: datetime | None, now: datetime | None = None) -> str:
    """The colour of a deadline: ok, near (under 20 minutes left), or passed."""
    if due is None:
        return "deadline-none"
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    left = (due - (now or datetime.now(UTC))).total_seconds()
    if left < 0:
        return "deadline-passed"
    if left < 20 * 60:
        return "deadline-near"
    return "deadline-ok"


def iso_utc(value: datetime | None) -> str:
    """For data-* attributes the countdown script reads."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


FILTERS = {
    "fa": fa_digits,
    "jdate": jalali_date,
    "jlongdate": jalali_long_date,
    "jdatetime": jalali_datetime,
    "jmonth": jalali_month,
    "time_left": time_left_fa,
    "deadline_class": deadline_class,
    "iso_utc": iso_utc,
}
