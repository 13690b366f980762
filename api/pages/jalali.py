"""The pages' jinja2 filters: timekeeping's Persian wording of time (the clocks are api/pages/clocks.py).

The database and the API keep UTC and Gregorian; only the pages convert, at the last moment. A missing value
(None) reads as an empty string; a naive datetime from the database is UTC.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from timekeeping.persian import date_fa, long_date_fa, moment_fa, month_fa, persian_digits
from timekeeping.tehran import as_aware


def _blank_if_none(word: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: "" if value is None else word(value)


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
    "iso_utc": iso_utc,
}
