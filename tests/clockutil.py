"""Helpers for tests of the office-hours clock: find the days a test needs, move the server's clock there."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import update

from database.models import Agency
from database.sessions import transaction
from schemas.clock import OfficeHours, OpenHours, SlaMode, Weekday
from schemas.enums import Level
from tests.factories import AGENCY, default_policy
from timekeeping.office_hours import iran_holiday
from timekeeping.tehran import TEHRAN

THURSDAY_OPEN = OfficeHours(
    days={**OfficeHours().days, Weekday.THURSDAY: OpenHours(opens=time(7, 0), closes=time(12, 0))}
)


def office_policy(**overrides):
    """The default policy, counted in office hours, with level budgets long enough not to interfere."""
    overrides.setdefault("level_budgets", {level: timedelta(hours=10) for level in Level})
    return default_policy(sla_mode=SlaMode.OFFICE_HOURS, **overrides)


def _working(day: date, hours: OfficeHours) -> bool:
    return Weekday.of(day) in hours.days and iran_holiday(day) is None


def _days_after(now: datetime):
    day = now.astimezone(TEHRAN).date() + timedelta(days=1)
    for offset in range(3 * 366):
        yield day + timedelta(days=offset)


def wednesday_before_holiday(now: datetime) -> date:
    """The next working Wednesday whose Thursday is an official holiday."""
    return next(
        d
        for d in _days_after(now)
        if Weekday.of(d) is Weekday.WEDNESDAY and _working(d, OfficeHours()) and iran_holiday(d + timedelta(days=1))
    )


def plain_working_days(now: datetime, count: int = 3) -> date:
    """The first of `count` consecutive Saturday-to-Wednesday working days with no holiday."""
    hours = OfficeHours()
    return next(d for d in _days_after(now) if all(_working(d + timedelta(days=i), hours) for i in range(count)))


def last_working_day_before_nowruz(now: datetime) -> date:
    """The last working day before the next Nowruz holidays (1 Farvardin is 20 or 21 March)."""
    for day in _days_after(now):
        if day.month == 3 and day.day == 21 and iran_holiday(day):
            eve = day - timedelta(days=1)
            while not _working(eve, OfficeHours()):
                eve -= timedelta(days=1)
            if eve > now.astimezone(TEHRAN).date():
                return eve
    raise AssertionError("no Nowruz ahead")


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TEHRAN)


async def skip_to(env, moment: datetime) -> None:
    """Move the time-skipping server's clock forward to `moment`."""
    now = await env.get_current_time()
    assert moment > now, f"{moment} is already past on the test server ({now})"
    await env.sleep(moment - now)


async def set_agency_calendar(sessions, *, mode: SlaMode = SlaMode.OFFICE_HOURS, hours: OfficeHours | None = None):
    async with transaction(sessions) as session:
        await session.execute(
            update(Agency)
            .where(Agency.id == AGENCY)
            .values(sla_mode=mode.value, office_hours=hours.model_dump(mode="json") if hours else None)
        )
