"""Office-hours arithmetic: when does a budget of open time, counted from a start, run out?

Pure functions over an office's working week (Tehran time), Iran's official holidays (the `holidays`
package; lunar ones are estimates), closures the centre declares, and the case's pauses. The office-calendar
activity feeds them from the database; the result goes into the workflow's history, so a deadline,
once computed, never changes on replay.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

from schemas.clock import Deadline, Interval, OfficeHours, SkippedDay, SlaMode, Weekday
from timekeeping.tehran import TEHRAN

MAX_DAYS = 400  # a working week with no open day at all is refused by OfficeHours; this bounds the rest


@dataclass(frozen=True)
class Closure:
    """A period the centre declared closed (air pollution in Tehran, say)."""

    starts_at: datetime
    ends_at: datetime
    reason: str


@lru_cache(maxsize=8)
def _iran(year: int) -> holidays.HolidayBase:
    return holidays.Iran(years=year, language="fa_IR")


def iran_holiday(day: date) -> str | None:
    """The official holiday's Persian name on that day, or None."""
    return _iran(day.year).get(day)


def _local(day: date, at) -> datetime:
    return datetime.combine(day, at, tzinfo=TEHRAN).astimezone(UTC)


def _subtract(span: Interval, cuts: Sequence[Interval]) -> list[Interval]:
    """The parts of `span` outside every cut."""
    parts = [span]
    for cut in cuts:
        kept = []
        for part in parts:
            if cut.end <= part.start or cut.start >= part.end:
                kept.append(part)
                continue
            if cut.start > part.start:
                kept.append(Interval(start=part.start, end=cut.start))
            if cut.end < part.end:
                kept.append(Interval(start=cut.end, end=part.end))
        parts = kept
    return parts


def _overlap(a: Interval, b: Interval) -> timedelta:
    return max(timedelta(0), min(a.end, b.end) - max(a.start, b.start))


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 3)


def _days(start: datetime) -> Iterator[date]:
    day = start.astimezone(TEHRAN).date()
    for offset in range(MAX_DAYS):
        yield day + timedelta(days=offset)


def office_deadline(
    *,
    start: datetime,
    budget: timedelta,
    hours: OfficeHours,
    closures: Sequence[Closure] = (),
    pauses: Sequence[Interval] = (),
    holiday: Callable[[date], str | None] = iran_holiday,
    purpose: str = "sla",
    calendar: str | None = None,
) -> Deadline:
    """Spend `budget` of open time from `start`: the working week's hours, minus holidays, closures and pauses."""
    start = start.astimezone(UTC)
    left = budget
    counted: list[Interval] = []
    skipped: list[SkippedDay] = []
    paused = timedelta(0)
    cuts = sorted(
        [Interval(start=c.starts_at.astimezone(UTC), end=c.ends_at.astimezone(UTC)) for c in closures]
        + [Interval(start=p.start.astimezone(UTC), end=p.end.astimezone(UTC)) for p in pauses],
        key=lambda i: i.start,
    )
    due: datetime | None = start if budget <= timedelta(0) else None
    for day in _days(start):
        if due is not None:
            break
        open_hours = hours.days.get(Weekday.of(day))
        if open_hours is None:
            skipped.append(SkippedDay(day=day, kind="weekend", reason=f"{Weekday.of(day).label_fa} تعطیل است"))
            continue
        if (name := holiday(day)) is not None:
            skipped.append(SkippedDay(day=day, kind="holiday", reason=name))
            continue
        span = Interval(start=max(start, _local(day, open_hours.opens)), end=_local(day, open_hours.closes))
        if span.end <= span.start:
            continue
        for closure in closures:
            if _overlap(span, Interval(start=closure.starts_at, end=closure.ends_at)) > timedelta(0):
                skipped.append(SkippedDay(day=day, kind="closure", reason=closure.reason))
        paused += sum((_overlap(span, p) for p in pauses), timedelta(0))
        for part in _subtract(span, cuts):
            length = part.end - part.start
            if length >= left:
                counted.append(Interval(start=part.start, end=part.start + left))
                due = part.start + left
                left = timedelta(0)
                break
            counted.append(part)
            left -= length
    if due is None:
        raise ValueError(f"no open time within {MAX_DAYS} days of {start.isoformat()}")
    return Deadline(
        purpose=purpose,
        mode=SlaMode.OFFICE_HOURS,
        start=start,
        due_at=due,
        budget_minutes=_minutes(budget),
        open_minutes_counted=_minutes(sum((i.end - i.start for i in counted), timedelta(0))),
        paused_minutes=_minutes(paused),
        pauses=list(pauses),
        counted=counted,
        skipped=skipped,
        calendar=calendar,
    )
