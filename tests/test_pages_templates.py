"""The pages' filters and templates: Jalali dates in Tehran time, Persian digits, and escaping."""

from datetime import UTC, date, datetime, timedelta

import pytest

from api.pages.clocks import ClockState, left_fa
from api.pages.dashboard import period_starts
from api.pages.forms import FormInvalid, incident_at, incident_days
from api.pages.rendering import ENVIRONMENT

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 2 Azar 1405, 15:30 in Tehran


def _filtered(expression: str, **values: object) -> str:
    return ENVIRONMENT.from_string("{{ " + expression + " }}").render(**values)


def test_the_filters_word_time_in_persian_and_read_nothing_as_blank():
    assert _filtered("v | fa", v="09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    assert _filtered("v | jdate", v=date(2025, 3, 21)) == "۱۴۰۴/۰۱/۰۱"  # Nowruz
    assert _filtered("v | jlongdate", v=NOW) == "دوشنبه ۲ آذر ۱۴۰۵"
    assert _filtered("v | jmonth", v=NOW) == "آذر ۱۴۰۵"
    assert _filtered("v | jdatetime", v=datetime(2026, 11, 23, 21, 0, tzinfo=UTC)) == "۱۴۰۵/۰۹/۰۳ ساعت ۰۰:۳۰"
    for name in ("fa", "jdate", "jlongdate", "jmonth", "jdatetime", "iso_utc"):
        assert _filtered(f"v | {name}", v=None) == "", name


def test_naive_datetimes_from_the_database_are_read_as_utc():
    assert _filtered("v | jdatetime", v=NOW.replace(tzinfo=None)) == "۱۴۰۵/۰۹/۰۲ ساعت ۱۵:۳۰"
    assert _filtered("v | iso_utc", v=NOW.replace(tzinfo=None)) == "2026-11-23T12:00:00+00:00"


def test_time_left_reads_in_persian():
    assert left_fa(NOW + timedelta(minutes=90), NOW)[1] == "۱ ساعت و ۳۰ دقیقه مانده"
    assert left_fa(NOW - timedelta(minutes=10), NOW)[1] == "۱۰ دقیقه از مهلت گذشته"


@pytest.mark.parametrize(
    ("left", "colour"),
    [
        (timedelta(hours=1), ClockState.OK),
        (timedelta(minutes=10), ClockState.NEAR),
        (timedelta(minutes=-1), ClockState.PASSED),
    ],
)
def test_a_deadline_changes_colour_as_it_nears_and_passes(left, colour):
    assert left_fa(NOW + left, NOW)[0] is colour


def test_incident_days_offer_the_last_thirty_jalali_days_today_first():
    days = incident_days(date(2026, 11, 23))
    assert len(days) == 30
    assert days[0] == ("2026-11-23", "امروز، دوشنبه ۲ آذر ۱۴۰۵")
    assert days[1][1].startswith("دیروز، ")


def test_the_incident_time_is_tehran_time_stored_as_utc():
    assert incident_at("2026-11-23", "۱۰:۳۰") == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    with pytest.raises(FormInvalid) as refused:  # tests/test_pages_forms.py: every way a phone types a time
        incident_at("2026-11-23", "25:99")
    assert refused.value.errors == {"incident_at": "ساعت باید بین ۰۰:۰۰ و ۲۳:۵۹ باشد."}


def test_the_dashboards_periods_start_at_tehran_midnight_and_the_first_of_the_jalali_month():
    today, month = period_starts(NOW)
    assert today == datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    assert month == datetime(2026, 11, 21, 20, 30, tzinfo=UTC)  # 1 Azar 1405 = 22 November


def test_autoescape_is_on_for_every_template():
    template = ENVIRONMENT.from_string("<p>{{ text }}</p>")
    assert template.render(text="<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert ENVIRONMENT.get_template("error.html").environment.autoescape


def test_user_text_on_the_tracking_page_is_escaped():
    from api.services.responses import PublicStatus
    from schemas.enums import CaseStatus, Step

    status = PublicStatus(
        tracking_code="12345678903",
        status=CaseStatus.AWAITING_FEEDBACK,
        status_fa="در انتظار",
        step=Step.FEEDBACK,
        step_number=6,
        step_fa="بازخورد",
        level=None,
        level_fa=None,
        registered_at=NOW,
        due_at=NOW,
        breached=False,
        result_note='<img src=x onerror="alert(1)">',
        feedback_due=False,
        timeline=[],
    )

    class Request:  # what the base template reads
        url = None

    html = ENVIRONMENT.get_template("citizen/track.html").render(
        request=Request(),
        status=status,
        steps=list(Step),
        case=None,
        office=None,
        verified=False,
        notice=False,
        errors={},
        form={},
        csrf="t",
        home=None,
        development=False,
    )
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "۱۲۳۴۵۶۷۸۹۰۳" in html


def test_every_event_kind_a_timeline_can_show_has_a_persian_label():
    """A timeline line reads in Persian, never as the event's code (information_requested, say)."""
    from api.pages.labels import EVENT_LABELS_FA, LABEL_FILTERS
    from schemas.enums import EventKind

    assert set(EVENT_LABELS_FA) == set(EventKind)
    assert LABEL_FILTERS["event_fa"]("information_requested") == "درخواست اطلاعات از شهروند"
