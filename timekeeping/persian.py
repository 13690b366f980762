"""What a person reads, in Persian: digits, Jalali dates, a moment in Tehran time, a month, a duration.

Pages, SMS texts, the deadline explanation, reports and Open311's notice word time with these; machine formats
(CSV, JSON, Open311's fields, SMS parameters) keep Latin digits and ISO times. Every function is pure (no I/O,
no clock of its own), so workflow code may call them too.
"""

from datetime import date, datetime, timedelta

from timekeeping.jalali import MONTH_NAMES_FA, WEEKDAY_NAMES_FA, to_jalali
from timekeeping.tehran import to_tehran

_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_NUMBER = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")


def persian_digits(value: object) -> str:
    """Latin digits to Persian ones, nothing else: for text, where "." ends a sentence."""
    return str(value).translate(_DIGITS)


def persian_number(value: object) -> str:
    """A number on its own: Persian digits and the Persian decimal separator (12.5 -> ۱۲٫۵)."""
    return str(value).translate(_NUMBER)


def date_fa(value: date | datetime, *, weekday: bool = False) -> str:
    """۱۴۰۵/۰۹/۰۲, or «دوشنبه ۱۴۰۵/۰۹/۰۲» with the weekday; a moment's date is its date in Tehran."""
    j = to_jalali(value)
    text = persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")
    return f"{WEEKDAY_NAMES_FA[j.weekday()]} {text}" if weekday else text


def long_date_fa(value: date | datetime) -> str:
    """دوشنبه ۲ آذر ۱۴۰۵"""
    j = to_jalali(value)
    return persian_digits(f"{WEEKDAY_NAMES_FA[j.weekday()]} {j.day} {MONTH_NAMES_FA[j.month - 1]} {j.year}")


def clock_fa(moment: datetime) -> str:
    """۱۴:۳۰, Tehran time."""
    return persian_digits(to_tehran(moment).strftime("%H:%M"))


def moment_fa(moment: datetime, *, weekday: bool = False) -> str:
    """۱۴۰۵/۰۹/۰۲ ساعت ۱۴:۳۰ (Tehran time), the weekday first if asked for."""
    return f"{date_fa(moment, weekday=weekday)} ساعت {clock_fa(moment)}"


def when_fa(moment: datetime, *, now: datetime) -> str:
    """A moment as read at `now`: «ساعت ۱۴:۳۰» on the same Tehran day, else with its Jalali date."""
    if to_tehran(moment).date() == to_tehran(now).date():
        return f"ساعت {clock_fa(moment)}"
    return moment_fa(moment)


def month_label_fa(year: int, month: int) -> str:
    """آذر ۱۴۰۵, of a Jalali year and month."""
    return f"{MONTH_NAMES_FA[month - 1]} {persian_digits(year)}"


def month_fa(value: date | datetime) -> str:
    """The Jalali month of a day, or of a moment in Tehran: آذر ۱۴۰۵."""
    j = to_jalali(value)
    return month_label_fa(j.year, j.month)


def duration_fa(value: timedelta) -> str:
    """۲ ساعت و ۵ دقیقه, in whole minutes, hours not rolled into days (as the pages' countdown counts);
    under a minute «کمتر از یک دقیقه». The sign is dropped: the caller says whether it is left or past."""
    minutes = int(abs(value.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{persian_digits(hours)} ساعت")
    if minutes:
        parts.append(f"{persian_digits(minutes)} دقیقه")
    return " و ".join(parts) or "کمتر از یک دقیقه"
