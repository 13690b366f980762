"""The pages' jinja2 filters: timekeeping's Persian wording of time, plus the countdown's own helpers.

The database and the API keep UTC and Gregorian; only the pages convert, at the last moment. A missing value
(None) reads as an empty string; a naive datetime from the database is UTC.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from timekeeping.persian import date_fa, duration_fa, long_date_fa, moment_fa, month_fa, persian_digits
from timekeeping.tehran import as_aware


def _blank_if_none(word: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: "" if value is None else word(value)


def time_left_fa(due: datetime | None, now: datetime | None = None) -> str:
    """What a countdown says before JavaScript takes over: time left, or how long ago it passed."""
    if due is None:
        return ""
    left = as_aware(due) - (now or datetime.now(UTC))
    if left.total_seconds() < 0:
        return f"{duration_fa(left)} از مهلت گذشته"
    return f"{duration_fa(left)} مانده"


def deadline_class(due: datetime | None, now: datetime | None = None) -> str:
    """The colour of a deadline: ok, near (under 20 minutes left), or passed."""
    if due is None:
        return "deadline-none"
    left = (as_aware(due) - (now or datetime.now(UTC))).total_seconds()
    if left < 0:
        return "deadline-passed"
    if left < 20 * 60:
        return "deadline-near"
    return "deadline-ok"


def iso_utc(value: datetime | None) -> str:
    """For data-* attributes the countdown script reads."""
    if value is None:
        return ""
    return as_aware(value).astimezone(UTC).isoformat()


FILTERS = {
    "fa": _blank_if_none(persian_digits),
    "jdate": _blank_if_none(date_fa),
    "jlongdate": _blank_if_none(long_date_fa),
    "jdatetime": _blank_if_none(moment_fa),
    "jmonth": _blank_if_none(month_fa),
    "time_left": time_left_fa,
    "deadline_class": deadline_class,
    "iso_utc": iso_utc,
}
