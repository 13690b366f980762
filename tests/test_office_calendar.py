"""The office-hours arithmetic on its own: Tehran time, the Iranian week, holidays, closures and pauses."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from api.services.deadline import explain
from schemas.clock import IRANIAN_OFFICE_DAY, Interval, OfficeHours, OpenHours, Weekday
from timekeeping.office_hours import Closure, iran_holiday, office_deadline
from timekeeping.tehran import TEHRAN

THREE_HOURS = timedelta(hours=3)


def tehran(y, m, d, hh, mm) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TEHRAN)


def with_thursday(closes: time = time(12, 0)) -> OfficeHours:
    hours = OfficeHours()
    return OfficeHours(days={**hours.days, Weekday.THURSDAY: OpenHours(opens=time(7, 0), closes=closes)})


def test_default_week_is_saturday_to_wednesday_seven_to_two():
    days = OfficeHours().days
    assert set(days) == {Weekday.SATURDAY, Weekday.SUNDAY, Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY}
    assert all(h == IRANIAN_OFFICE_DAY for h in days.values())


def test_complaint_at_1355_on_a_plain_tuesday_runs_into_wednesday_morning():
    # Tuesday 26 Aban 1405 (17 November 2026): no holiday on the Tuesday or the Wednesday
    deadline = office_deadline(start=tehran(2026, 11, 17, 13, 55), budget=THREE_HOURS, hours=OfficeHours())
    assert deadline.due_at == tehran(2026, 11, 18, 9, 55)
    assert deadline.open_minutes_counted == 180
    assert [(i.start, i.end) for i in deadline.counted] == [
        (tehran(2026, 11, 17, 13, 55), tehran(2026, 11, 17, 14, 0)),
        (tehran(2026, 11, 18, 7, 0), tehran(2026, 11, 18, 9, 55)),
    ]
    assert deadline.skipped == []


def test_complaint_at_1355_on_wednesday_before_a_thursday_holiday_skips_to_saturday():
    # Wednesday 13 Khordad 1405 (3 June 2026) is followed by 14 Khordad (Thursday 4 June), a holiday.
    assert iran_holiday(date(2026, 6, 4)) is not None
    deadline = office_deadline(start=tehran(2026, 6, 3, 13, 55), budget=THREE_HOURS, hours=with_thursday())
    assert deadline.due_at == tehran(2026, 6, 6, 9, 55)  # Saturday
    kinds = [(s.day, s.kind) for s in deadline.skipped]
    assert kinds == [(date(2026, 6, 4), "holiday"), (date(2026, 6, 5), "weekend")]
    assert "خمینی" in deadline.skipped[0].reason


def test_open_thursday_counts_when_it_is_no_holiday():
    # Wednesday 18 November 2026, then an ordinary Thursday open 07:00-12:00
    deadline = office_deadline(start=tehran(2026, 11, 18, 13, 55), budget=THREE_HOURS, hours=with_thursday())
    assert deadline.due_at == tehran(2026, 11, 19, 9, 55)
    closed_thursday = office_deadline(start=tehran(2026, 11, 18, 13, 55), budget=THREE_HOURS, hours=OfficeHours())
    assert closed_thursday.due_at == tehran(2026, 11, 21, 9, 55)
    assert [s.kind for s in closed_thursday.skipped] == ["weekend", "weekend"]


def test_friday_is_never_counted():
    deadline = office_deadline(start=tehran(2026, 11, 20, 10, 0), budget=THREE_HOURS, hours=with_thursday())
    assert deadline.due_at == tehran(2026, 11, 21, 10, 0)
    assert [(s.day, s.kind) for s in deadline.skipped] == [(date(2026, 11, 20), "weekend")]


def test_nowruz_holidays_are_skipped():
    # Filed Wednesday 18 March 2027 at 13:00; 20 March (oil nationalisation day) to 24 March (Nowruz) are off.
    deadline = office_deadline(start=tehran(2027, 3, 17, 13, 0), budget=THREE_HOURS, hours=OfficeHours())
    skipped = {s.day: s.kind for s in deadline.skipped}
    assert skipped[date(2027, 3, 21)] == "holiday" and skipped[date(2027, 3, 22)] == "holiday"
    assert any("نوروز" in s.reason for s in deadline.skipped)
    assert deadline.due_at == tehran(2027, 3, 27, 9, 0)  # 60 min on the 17th, 120 min on Saturday the 27th
    assert deadline.open_minutes_counted == 180


def test_a_declared_closure_is_skipped_and_named():
    closure = Closure(
        starts_at=tehran(2026, 11, 18, 0, 0), ends_at=tehran(2026, 11, 19, 0, 0), reason="آلودگی هوای تهران"
    )
    deadline = office_deadline(
        start=tehran(2026, 11, 17, 13, 55), budget=THREE_HOURS, hours=OfficeHours(), closures=[closure]
    )
    assert deadline.due_at == tehran(2026, 11, 21, 9, 55)
    assert [(s.day, s.kind, s.reason) for s in deadline.skipped][0] == (
        date(2026, 11, 18),
        "closure",
        "آلودگی هوای تهران",
    )


def test_a_pause_in_open_hours_moves_the_deadline_by_its_open_length():
    pause = Interval(start=tehran(2026, 11, 17, 8, 0), end=tehran(2026, 11, 17, 9, 30))
    deadline = office_deadline(
        start=tehran(2026, 11, 17, 7, 30), budget=THREE_HOURS, hours=OfficeHours(), pauses=[pause]
    )
    assert deadline.due_at == tehran(2026, 11, 17, 12, 0)
    assert deadline.paused_minutes == 90


def test_filed_at_night_starts_counting_at_opening():
    deadline = office_deadline(start=tehran(2026, 11, 16, 22, 0), budget=THREE_HOURS, hours=OfficeHours())
    assert deadline.due_at == tehran(2026, 11, 17, 10, 0)
    assert deadline.due_at.tzinfo == UTC


def test_hours_must_close_after_they_open():
    with pytest.raises(ValueError):
        OpenHours(opens=time(14, 0), closes=time(7, 0))
    with pytest.raises(ValueError):
        OfficeHours(days={})


def test_the_explanation_reads_each_span_skipped_day_and_pause_in_persian_tehran_time():
    # Wednesday 13 Khordad 1405, a pause of 1 h 5 min, the Thursday holiday and Friday skipped, due on Saturday.
    pause = Interval(start=tehran(2026, 6, 3, 8, 0), end=tehran(2026, 6, 3, 9, 5))
    deadline = office_deadline(
        start=tehran(2026, 6, 3, 7, 0), budget=THREE_HOURS * 2, hours=with_thursday(), pauses=[pause]
    )
    lines = explain(deadline).explanation_fa
    assert lines[:3] == [
        "شیوه شمارش: ساعت اداری",
        "آغاز شمارش: چهارشنبه ۱۴۰۵/۰۳/۱۳ ساعت ۰۷:۰۰",
        "زمان شمرده‌شده: ۶ ساعت",
    ]
    assert "ساعات اداری شمرده‌شده: چهارشنبه ۱۴۰۵/۰۳/۱۳ ساعت ۰۹:۰۵ تا ۱۴:۰۰" in lines
    assert any(line.startswith("شمرده نشد: پنجشنبه ۱۴۰۵/۰۳/۱۴ (تعطیل رسمی: ") for line in lines)
    assert "شمرده نشد: جمعه ۱۴۰۵/۰۳/۱۵ (روز تعطیل هفته: جمعه تعطیل است)" in lines
    assert "توقف در انتظار پاسخ شهروند: چهارشنبه ۱۴۰۵/۰۳/۱۳ ساعت ۰۸:۰۰ تا چهارشنبه ۱۴۰۵/۰۳/۱۳ ساعت ۰۹:۰۵" in lines
    assert lines[-2:] == ["مدت توقف: ۱ ساعت و ۵ دقیقه", "موعد: شنبه ۱۴۰۵/۰۳/۱۶ ساعت ۰۷:۰۵"]
