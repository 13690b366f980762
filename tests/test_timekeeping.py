"""Tehran time, Jalali dates and months, and the Persian wording of time: the pure functions of timekeeping/."""

from datetime import UTC, date, datetime, timedelta

import pytest

from schemas.clock import Weekday
from timekeeping.jalali import (
    MONTH_NAMES_FA,
    WEEKDAY_NAMES_FA,
    jalali_period,
    month_bounds,
    month_start,
    next_month,
    previous_month,
    to_jalali,
)
from timekeeping.persian import (
    clock_fa,
    date_fa,
    duration_fa,
    long_date_fa,
    moment_fa,
    month_fa,
    month_label_fa,
    persian_digits,
    persian_number,
    when_fa,
)
from timekeeping.tehran import TEHRAN, as_aware, tehran_midnight, to_tehran

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday 2 Azar 1405, 15:30 in Tehran
NOWRUZ_1404 = datetime(2025, 3, 20, 20, 30, tzinfo=UTC)  # 00:00 on 1 Farvardin 1404 in Tehran


def test_tehran_is_three_and_a_half_hours_ahead_of_utc_and_a_naive_moment_is_utc():
    assert to_tehran(NOW) == datetime(2026, 11, 23, 15, 30, tzinfo=TEHRAN)
    assert to_tehran(NOW).utcoffset() == timedelta(hours=3, minutes=30)
    assert to_tehran(NOW.replace(tzinfo=None)) == to_tehran(NOW)
    assert as_aware(NOW.replace(tzinfo=None)) == NOW and as_aware(to_tehran(NOW)).tzinfo is TEHRAN
    assert TEHRAN.key == "Asia/Tehran"  # the name the Schedules give Temporal


def test_a_moment_before_2022_keeps_the_daylight_saving_iran_then_had():
    assert to_tehran(datetime(2021, 7, 1, 12, 0, tzinfo=UTC)).utcoffset() == timedelta(hours=4, minutes=30)


def test_tehran_midnight_is_the_start_of_the_tehran_day_in_utc():
    assert tehran_midnight(NOW) == datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    assert tehran_midnight(datetime(2026, 11, 23, 20, 29, tzinfo=UTC)) == datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    assert tehran_midnight(datetime(2026, 11, 23, 20, 30, tzinfo=UTC)) == datetime(2026, 11, 23, 20, 30, tzinfo=UTC)


def test_the_jalali_date_of_a_moment_is_its_date_in_tehran():
    assert to_jalali(date(2025, 3, 21)) == to_jalali(NOWRUZ_1404)  # Nowruz 1404
    assert (to_jalali(NOWRUZ_1404).year, to_jalali(NOWRUZ_1404).month, to_jalali(NOWRUZ_1404).day) == (1404, 1, 1)
    last_of_esfand = to_jalali(NOWRUZ_1404 - timedelta(minutes=1))
    assert (last_of_esfand.year, last_of_esfand.month, last_of_esfand.day) == (1403, 12, 30)  # 1403 is a leap year


def test_the_jalali_month_changes_at_tehran_midnight_on_nowruz():
    assert jalali_period(NOWRUZ_1404 - timedelta(seconds=1)) == (1403, 12)
    assert jalali_period(NOWRUZ_1404) == (1404, 1)
    with pytest.raises(ValueError):
        jalali_period(NOWRUZ_1404.replace(tzinfo=None))


def test_month_bounds_run_from_tehran_midnight_to_the_next_months():
    assert month_start(1404, 1) == NOWRUZ_1404
    start, end = month_bounds(1403, 12)
    assert (start, end) == (datetime(2025, 2, 18, 20, 30, tzinfo=UTC), NOWRUZ_1404)
    assert end - start == timedelta(days=30)  # Esfand of a leap year
    assert month_bounds(1404, 12)[1] - month_bounds(1404, 12)[0] == timedelta(days=29)
    assert next_month(1403, 12) == (1404, 1) and previous_month(1404, 1) == (1403, 12)
    assert next_month(1404, 6) == (1404, 7) and previous_month(1404, 7) == (1404, 6)


def test_persian_weekday_names_are_the_ones_the_office_week_uses():
    for offset in range(7):
        day = date(2026, 11, 21) + timedelta(days=offset)  # a Saturday, then the rest of the week
        assert WEEKDAY_NAMES_FA[to_jalali(day).weekday()] == Weekday.of(day).label_fa
    assert WEEKDAY_NAMES_FA[0] == "شنبه" and len(MONTH_NAMES_FA) == 12


def test_persian_digits_leave_a_full_stop_and_a_number_gets_the_decimal_separator():
    assert persian_digits("09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    assert persian_digits(2026) == "۲۰۲۶"
    assert persian_digits("کد رهگیری: 123.") == "کد رهگیری: ۱۲۳."
    assert persian_number("66.7") == "۶۶٫۷" and persian_number(184) == "۱۸۴"


def test_a_date_and_a_moment_read_in_persian_in_tehran_time():
    assert date_fa(NOW) == "۱۴۰۵/۰۹/۰۲"
    assert date_fa(date(2026, 11, 23), weekday=True) == "دوشنبه ۱۴۰۵/۰۹/۰۲"
    assert long_date_fa(NOW) == "دوشنبه ۲ آذر ۱۴۰۵"
    late = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # 00:30 on 24 November in Tehran
    assert clock_fa(late) == "۰۰:۳۰"
    assert moment_fa(late) == "۱۴۰۵/۰۹/۰۳ ساعت ۰۰:۳۰"
    assert moment_fa(late, weekday=True) == "سه‌شنبه ۱۴۰۵/۰۹/۰۳ ساعت ۰۰:۳۰"


def test_a_moment_on_the_day_it_is_read_is_only_its_time():
    assert when_fa(NOW + timedelta(hours=3), now=NOW) == "ساعت ۱۸:۳۰"
    assert when_fa(NOW + timedelta(hours=9), now=NOW) == "۱۴۰۵/۰۹/۰۳ ساعت ۰۰:۳۰"  # past Tehran midnight
    assert when_fa(NOW - timedelta(days=1), now=NOW) == "۱۴۰۵/۰۹/۰۱ ساعت ۱۵:۳۰"


def test_a_month_reads_as_its_persian_name_and_year():
    assert month_label_fa(1404, 1) == "فروردین ۱۴۰۴"
    assert month_fa(NOW) == "آذر ۱۴۰۵"
    assert month_fa(NOWRUZ_1404 - timedelta(minutes=1)) == "اسفند ۱۴۰۳"


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(0), "کمتر از یک دقیقه"),
        (timedelta(seconds=45), "کمتر از یک دقیقه"),
        (timedelta(minutes=10), "۱۰ دقیقه"),
        (timedelta(hours=1, minutes=5), "۱ ساعت و ۵ دقیقه"),
        (timedelta(hours=3), "۳ ساعت"),
        (timedelta(days=2), "۴۸ ساعت"),  # hours, as the countdown on the pages counts
        (-timedelta(minutes=10, seconds=30), "۱۰ دقیقه"),  # the caller says «از مهلت گذشته»
    ],
)
def test_a_duration_reads_in_whole_hours_and_minutes(duration, words):
    assert duration_fa(duration) == words
