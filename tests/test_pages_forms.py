"""What a person types into the complaint forms: the incident time as any phone types it, and a Persian reason
for every refused field that names its limit (the JSON API's `details[].message_fa` and the pages' field errors
are the same words, schemas/reasons.py)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from api.pages.forms import FormInvalid, intake_from_form, parse_clock
from api.pages.rendering import ENVIRONMENT
from schemas.actions import FeedbackRequest, ReviewRequest
from schemas.intake import ComplaintIntake
from schemas.reasons import REFUSALS_FA, reason_en, reason_fa
from tests.factories import MOBILE, NATIONAL_CODE, OFFICE
from timekeeping.tehran import TEHRAN


@pytest.mark.parametrize(
    "typed",
    ["07:30", "7:30", "07.30", "0730", "730", "۰۷:۳۰", "۰۷۳۰", "٠٧٫٣٠", "۷.۳۰", "7 30", " 07:30 ", "07,30", "07٬30"],
)
def test_an_incident_time_reads_the_way_any_phone_types_it(typed):
    assert parse_clock(typed) == time(7, 30)


def test_a_bare_hour_is_on_the_hour():
    assert parse_clock("۱۰") == time(10, 0)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("", "incident_time_format"), ("ده و نیم", "incident_time_format"), ("10:3", "incident_time_format"),
     ("12345", "incident_time_format"), ("24:00", "incident_time_range"), ("10:60", "incident_time_range")],
)  # fmt: skip
def test_a_time_that_is_not_one_says_how_to_write_it(typed, kind):
    with pytest.raises(FormInvalid) as refused:
        parse_clock(typed)
    assert refused.value.errors == {"incident_at": REFUSALS_FA[kind]}


def _form(**overrides: str) -> dict[str, str]:
    yesterday = (datetime.now(TEHRAN) - timedelta(days=1)).date().isoformat()
    return {
        "full_name": "مریم احمدی",
        "national_code": NATIONAL_CODE,
        "indicator": "7",
        "unit_id": OFFICE,
        "incident_day": yesterday,
        "incident_time": "۰۹.۱۵",
        "description": "کارمند باجه در محل نبود و کسی جای او نبود",
    } | overrides


def test_a_form_with_a_dotted_persian_time_files_in_tehran_time():
    intake = intake_from_form(_form(), channel="web", mobile=MOBILE)
    local = intake.incident_at.astimezone(TEHRAN)
    assert (local.hour, local.minute) == (9, 15) and intake.incident_at.tzinfo is UTC


def test_a_future_time_says_it_has_not_come_yet():
    today = datetime.now(TEHRAN)
    later = (today + timedelta(hours=2)).strftime("%H:%M") if today.hour < 21 else "23:59"
    with pytest.raises(FormInvalid) as refused:
        intake_from_form(
            _form(incident_day=today.date().isoformat(), incident_time=later), channel="web", mobile=MOBILE
        )
    assert refused.value.errors == {"incident_at": "این زمان هنوز نرسیده است؛ روز و ساعت رخداد را بررسی کنید."}


def test_every_wrong_field_gets_its_own_reason_at_once_with_the_limit_named():
    form = _form(full_name="م", national_code="123", indicator="", unit_id="", description="کوتاه", incident_time="x")
    with pytest.raises(FormInvalid) as refused:
        intake_from_form(form, channel="web", mobile=MOBILE)
    assert refused.value.errors == {
        "full_name": "دست‌کم ۲ نویسه بنویسید.",
        "national_code": REFUSALS_FA["national_code_invalid"],
        "indicator": "موضوع شکایت را انتخاب کنید.",
        "unit_id": "اداره یا واحد را از فهرست انتخاب کنید.",
        "description": "دست‌کم ۱۰ نویسه بنویسید.",
        "incident_at": REFUSALS_FA["incident_time_format"],
    }


def _errors(model, **data) -> list[dict]:
    with pytest.raises(ValidationError) as refused:
        model(**data)
    return refused.value.errors()


def test_a_length_counts_characters_and_names_the_limit_in_both_languages():
    (short,) = [e for e in _errors(ComplaintIntake, description="کوتاه") if e["loc"] == ("description",)]
    assert reason_fa(short) == "دست‌کم ۱۰ نویسه بنویسید."
    assert reason_en(short) == "should have at least 10 characters"
    (long,) = [e for e in _errors(ComplaintIntake, description="الف" * 700) if e["loc"] == ("description",)]
    assert reason_fa(long) == "حداکثر ۲۰۰۰ نویسه مجاز است (اکنون ۲۱۰۰)."
    assert "items" not in reason_en(long)


def test_a_number_out_of_range_names_its_bounds():
    (low,) = _errors(FeedbackRequest, satisfied=True, rating=0)
    assert reason_fa(low) == "دست‌کم ۱ باشد."
    (high,) = _errors(FeedbackRequest, satisfied=True, rating=9)
    assert reason_fa(high) == "حداکثر ۵ باشد."


def test_a_review_without_its_order_says_what_is_missing():
    (whole,) = _errors(ReviewRequest, decision="accept")
    assert reason_fa(whole) == REFUSALS_FA["review_accept_needs"]


def test_the_description_shows_the_schemas_own_limits():
    """The hint under the description states the minimum and maximum the intake enforces."""
    constraints = {type(m).__name__: m for m in ComplaintIntake.model_fields["description"].metadata}
    low, high = constraints["MinLen"].min_length, constraints["MaxLen"].max_length
    html = ENVIRONMENT.from_string(
        '{% from "macros.html" import description_field %}{{ description_field({}, {}) }}'
    ).render()
    assert f"دست‌کم {low:,}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in html
    assert f'minlength="{low}" maxlength="{high}"' in html
