"""A deadline told to a person: how it was computed, in Persian, with Jalali dates and Persian digits."""

from datetime import timedelta

from pydantic import BaseModel

from schemas.clock import Deadline, SlaMode
from timekeeping.persian import clock_fa, date_fa, duration_fa, moment_fa, persian_digits


class DeadlineOut(BaseModel):
    """The structured computation, and the same as sentences for the case page."""

    computation: Deadline
    explanation_fa: list[str]


def _minutes(value: float) -> str:
    return duration_fa(timedelta(minutes=value))


def explain(deadline: Deadline) -> DeadlineOut:
    lines = [
        f"شیوه شمارش: {deadline.mode.label_fa}",
        f"آغاز شمارش: {moment_fa(deadline.start, weekday=True)}",
        f"زمان شمرده‌شده: {_minutes(deadline.open_minutes_counted)}",
    ]
    if deadline.mode is SlaMode.OFFICE_HOURS:
        for span in deadline.counted:
            lines.append(f"ساعات اداری شمرده‌شده: {moment_fa(span.start, weekday=True)} تا {clock_fa(span.end)}")
    for skipped in deadline.skipped:
        label = {"holiday": "تعطیل رسمی", "closure": "تعطیلی اعلام‌شده", "weekend": "روز تعطیل هفته"}[skipped.kind]
        lines.append(f"شمرده نشد: {date_fa(skipped.day, weekday=True)} ({label}: {skipped.reason})")
    for pause in deadline.pauses:
        start, end = moment_fa(pause.start, weekday=True), moment_fa(pause.end, weekday=True)
        lines.append(f"توقف در انتظار پاسخ شهروند: {start} تا {end}")
    if deadline.paused_minutes:
        lines.append(f"مدت توقف: {_minutes(deadline.paused_minutes)}")
    lines.append(f"موعد: {moment_fa(deadline.due_at, weekday=True)}")
    # The reasons are free text (an admin's closure, a holiday's name): their digits read as Persian too.
    return DeadlineOut(computation=deadline, explanation_fa=[persian_digits(line) for line in lines])


def explain_stored(value: dict | None) -> DeadlineOut | None:
    """From the read model's JSON column."""
    return explain(Deadline.model_validate(value)) if value else None
