"""The SLA clock's vocabulary: the mode, an office's working week, pauses, and a deadline's explanation.

Shared by the workflow (which keeps pauses and deadlines), the calendar activity (which computes
office-hours deadlines) and the API (which shows how a deadline was computed).
"""

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from schemas.text import PersianText
from timekeeping.jalali import WEEKDAY_NAMES_FA
from timekeeping.tehran import TEHRAN


class SlaMode(StrEnum):
    """How the 3 hours and each level's budget are counted."""

    WALL_CLOCK = "wall_clock"
    OFFICE_HOURS = "office_hours"

    @property
    def label_fa(self) -> str:
        return {SlaMode.WALL_CLOCK: "ساعت تقویمی", SlaMode.OFFICE_HOURS: "ساعت اداری"}[self]


class Weekday(StrEnum):
    """Days of the Iranian week, Saturday first; `number` is Python's date.weekday()."""

    SATURDAY = "saturday"
    SUNDAY = "sunday"
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"

    @property
    def number(self) -> int:
        return _WEEKDAY_NUMBERS[self]

    @classmethod
    def of(cls, day: date) -> "Weekday":
        return next(w for w, n in _WEEKDAY_NUMBERS.items() if n == day.weekday())

    @property
    def label_fa(self) -> str:
        return _WEEKDAY_LABELS_FA[self]


_WEEKDAY_NUMBERS = {
    Weekday.MONDAY: 0,
    Weekday.TUESDAY: 1,
    Weekday.WEDNESDAY: 2,
    Weekday.THURSDAY: 3,
    Weekday.FRIDAY: 4,
    Weekday.SATURDAY: 5,
    Weekday.SUNDAY: 6,
}
_WEEKDAY_LABELS_FA = dict(zip(Weekday, WEEKDAY_NAMES_FA, strict=True))  # both Saturday first


class OpenHours(BaseModel):
    opens: time
    closes: time

    @model_validator(mode="after")
    def _ordered(self) -> "OpenHours":
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


IRANIAN_OFFICE_DAY = OpenHours(opens=time(7, 0), closes=time(14, 0))


class OfficeHours(BaseModel):
    """An office's working week in Tehran time. Default: Saturday to Wednesday, 07:00-14:00; Thursday and
    Friday off. Thursday is configurable by adding it; official holidays are never open."""

    days: dict[Weekday, OpenHours] = Field(
        default_factory=lambda: {
            day: IRANIAN_OFFICE_DAY
            for day in (Weekday.SATURDAY, Weekday.SUNDAY, Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY)
        }
    )

    @model_validator(mode="after")
    def _some_open_day(self) -> "OfficeHours":
        if not self.days:
            raise ValueError("an office needs at least one working day")
        return self


class Interval(BaseModel):
    start: datetime
    end: datetime


class SkippedDay(BaseModel):
    """A day (or part of one) the clock did not count: a weekend, an official holiday or a declared closure."""

    day: date
    kind: str = Field(description="weekend, holiday or closure")
    reason: str = Field(description="The holiday's or closure's name, in Persian")


class DeadlineRequest(BaseModel):
    """What the calendar activity needs: whose calendar, from when, how much open time, which pauses."""

    agency_id: str
    unit_id: str | None = None
    province_code: str | None = None
    start: datetime
    budget_seconds: float
    pauses: list[Interval] = Field(default_factory=list)
    purpose: str = Field(description="sla, review or the level of the handling task")


class Deadline(BaseModel):
    """A deadline with how it was computed, so a case page and an auditor can explain it."""

    purpose: str
    mode: SlaMode
    start: datetime
    due_at: datetime
    budget_minutes: float
    open_minutes_counted: float
    paused_minutes: float = 0.0
    pauses: list[Interval] = Field(default_factory=list)
    counted: list[Interval] = Field(default_factory=list, description="The open periods the budget was spent in")
    skipped: list[SkippedDay] = Field(default_factory=list)
    calendar: str | None = Field(default=None, description="Whose working week: 'unit:<id>', 'agency:<id>', 'default'")


# --- the centre admin's calendar API ---------------------------------------------------------------


class AgencyClockRequest(BaseModel):
    sla_mode: SlaMode
    office_hours: OfficeHours | None = Field(default=None, description="None: the Iranian default week")


class UnitHoursRequest(BaseModel):
    office_hours: OfficeHours | None = Field(default=None, description="None: the unit follows its agency")


class ClosureRequest(BaseModel):
    """A declared closure. Times without a zone are Tehran time."""

    starts_at: datetime
    ends_at: datetime
    reason: Annotated[PersianText, Field(min_length=3, max_length=300)] = Field(
        description="Shown to staff and citizens, in Persian"
    )
    province_code: str | None = Field(default=None, description="Only this province; None: nationwide")
    agency_id: str | None = Field(default=None, description="Only this agency; None: every agency")

    @model_validator(mode="after")
    def _ordered(self) -> "ClosureRequest":
        if self.starts_at.tzinfo is None:
            self.starts_at = self.starts_at.replace(tzinfo=TEHRAN)
        if self.ends_at.tzinfo is None:
            self.ends_at = self.ends_at.replace(tzinfo=TEHRAN)
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self
