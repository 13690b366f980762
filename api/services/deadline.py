"""A deadline told to a person: how it was computed, in Persian, with Jalali dates and Persian digits."""

from datetime import date, datetime

import jdatetime
from pydantic import BaseModel

from schemas.clock import Deadline, SlaMode, Weekday
from schemas.text import persian_digits
from timekeeping.office_hours import TEHRAN


class DeadlineOut(BaseModel):
    """The structured computation, and the same as sentences for the case page."""

    computation: Deadline
    explanation_fa: list[str]


def jalali_day(day: date) -> str:
    return f"{Weekday.of(day).label_fa} {jdatetime.date.fromgregorian(date=day).strftime('%Y/%m/%d')}"


def jalali_time(at: datetime) -> str:
    local = at.astimezone(TEHRAN)
    return f"{jalali_day(local.date())} ساعت {local.strftime('%H:%M')}"


def _minutes(value: float) -> str:
    return f"{round(value)} دقیقه" if value >= 1 else f"{round(value * 60)} ثانیه"


def explain(deadline: Deadline) -> DeadlineOut:
    lines = [
        f"شیوه شمارش: {deadline.mode.label_fa}",
        f"آغاز شمارش: {jalali_time(deadline.start)}",
        f"زمان شمرده‌شده: {_minutes(deadline.open_minutes_counted)}",
    ]
    if deadline.mode is SlaMode.OFFICE_HOURS:
        for span in deadline.counted:
            lines.append(
                f"ساعات اداری شمرده‌شده: {jalali_time(span.start)} تا {span.end.astimezone(TEHRAN).strftime('%H:%M')}"
            )
    for skipped in deadline.skipped:
        label = {"holiday": "تعطیل رسمی", "closure": "تعطیلی اعلام‌شده", "weekend": "روز تعطیل هفته"}[skipped.kind]
        lines.append(f"شمرده نشد: {jalali_day(skipped.day)} ({label}: {skipped.reason})")
    for pause in deadline.pauses:
        lines.append(f"توقف در انتظار پاسخ شهروند: {jalali_time(pause.start)} تا {jalali_time(pause.end)}")
    if deadline.paused_minutes:
        lines.append(f"مدت توقف: {_minutes(deadline.paused_minutes)}")
    lines.append(f"موعد: {jalali_time(deadline.due_at)}")
    return DeadlineOut(computation=deadline, explanation_fa=[persian_digits(line) for line in lines])


def explain_stored(value: dict | None) -> DeadlineOut | None:
    """From the read model's JSON column."""
    return explain(Deadline.model_validate(value)) if value else None
