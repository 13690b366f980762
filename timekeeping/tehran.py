"""Tehran time: the zone every person in FOAD reads a moment in (Iran has kept no daylight saving since 2022).

The zone is loaded once, at import: workflows import this module through `imports_passed_through()`, so
no file is read inside the workflow sandbox.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def as_aware(moment: datetime) -> datetime:
    """The moment with its zone; a naive one is read as UTC (what SQLite hands back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def to_tehran(moment: datetime) -> datetime:
    """The moment in Tehran time; a naive one is read as UTC."""
    return as_aware(moment).astimezone(TEHRAN)


def tehran_midnight(moment: datetime) -> datetime:
    """The Tehran midnight at or before `moment`, as UTC: a day's figures and hotspot windows start there."""
    local = to_tehran(moment)
    return datetime(local.year, local.month, local.day, tzinfo=TEHRAN).astimezone(UTC)
