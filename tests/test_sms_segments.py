"""Every SMS template fits its segment budget with realistic values; long free text is cut, not split further."""

import json
from datetime import UTC, datetime

import pytest

from sms.segments import ELLIPSIS, count
from sms.sender import SEGMENT_BUDGETS, TEMPLATES, render, tracking_link
from tests import REFDATA


def _unit_names() -> list[str]:
    names: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "name_fa" in node:
                names.append(node["name_fa"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((REFDATA / "agencies.json").read_text()))
    return names


LONGEST_UNIT = max(_unit_names(), key=len)
SENT_AT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # 22:30 in Tehran: the moments below fall on other days
REALISTIC = {
    "registered": {"due_at": "2026-11-24T06:30:00+00:00"},
    "accepted": {"unit": LONGEST_UNIT},
    "escalated": {"unit": LONGEST_UNIT},
    "reopened": {"unit": LONGEST_UNIT},
    "rejected": {"referral": "موضوع به محتوای خدمت مربوط است؛ به دیوان عدالت اداری یا سامانه ۱۱۱ مراجعه کنید."},
    "result": {"result": "کارمند جایگزین به باجه مستمری اعزام شد و مدیر شعبه تذکر کتبی گرفت."},
    "information_requested": {
        "what": "شماره باجه و ساعت دقیق مراجعه، و نام شعبه‌ای که به آن مراجعه کردید",
        "reply_due_at": "2026-11-25T19:00:00+00:00",
    },
    "inbound_help": {},
    "referred": {
        "target": "سازمان بازرسی کل کشور (گزارش فساد و رشوه)",
        "contact": "تلفن 136 نزدیک‌ترین دفتر خدمات الکترونیک قضایی",
    },
    "forwarded": {"contact_kind": "پیشنهاد", "agency": "سازمان تأمین اجتماعی"},
    "breached": {},
    "feedback_received": {},
    "closed": {},
    "closed_silently": {},
}
# The link the worker adds to every message (activities.case.send_sms), with a public address longer than the
# default one; the templates that ask the citizen to act print it.
LINK = tracking_link("https://foad128.example.gov.ir/", "12345678903")
ASK_TO_ACT = ("result", "information_requested", "inbound_help")


def test_counting_follows_the_gsm_and_ucs2_limits():
    assert count("a" * 160).segments == 1 and count("a" * 161).segments == 2
    assert count("a" * 153 * 2).segments == 2 and count("{" * 80).segments == 1 and count("{" * 81).segments == 2
    assert count("س" * 70) == count("س" * 70) and count("س" * 70).segments == 1
    assert count("س" * 71).segments == 2 and count("س" * 134).segments == 2 and count("س" * 135).segments == 3
    assert count("a" * 69 + "س").encoding == "ucs2"


def test_every_template_has_a_budget_and_realistic_values():
    assert set(TEMPLATES) == set(SEGMENT_BUDGETS) == set(REALISTIC)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_template_fits_its_budget_with_realistic_values(template):
    text = render(template, {"tracking_code": "12345678903", "link": LINK, **REALISTIC[template]}, now=SENT_AT)
    measured = count(text)
    assert measured.encoding == "ucs2"
    assert measured.segments <= SEGMENT_BUDGETS[template], (template, measured)
    assert ELLIPSIS not in text  # realistic values need no cut
    assert "12345678903" in text or "۱۲۳۴۵۶۷۸۹۰۳" in text


@pytest.mark.parametrize("template,field", [("result", "result"), ("rejected", "referral"), ("accepted", "unit")])
def test_long_free_text_is_shortened_to_the_budget(template, field):
    long_text = "کارمند جایگزین به باجه اعزام شد و مشکل شهروند همان روز برطرف شد. " * 12
    text = render(template, {"tracking_code": "12345678903", field: long_text})
    assert count(text).segments == SEGMENT_BUDGETS[template]
    assert ELLIPSIS in text
    assert text.startswith("فواد ۱۲۸")  # the fixed text around the value survives
    if template == "result":
        assert text.endswith("اعلام کنید.")


def test_a_moment_reads_as_a_time_on_the_day_of_sending_and_with_its_date_on_another_day():
    morning = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 11:30 on 2 Azar 1405 in Tehran
    today = render("registered", {"tracking_code": "12345678903", "due_at": "2026-11-23T11:05:00+00:00"}, now=morning)
    assert today == "فواد ۱۲۸: شکایت شما ثبت شد. کد رهگیری: ۱۲۳۴۵۶۷۸۹۰۳. نتیجه حداکثر تا ساعت ۱۴:۳۵ اعلام می‌شود."
    # Filed at 22:30 in Tehran, due three hours later: 22:00 UTC is already 3 Azar in Tehran.
    tonight = render("registered", {"tracking_code": "12345678903", "due_at": "2026-11-23T22:00:00+00:00"}, now=SENT_AT)
    assert "نتیجه حداکثر تا ۱۴۰۵/۰۹/۰۳ ساعت ۰۱:۳۰ اعلام می‌شود." in tonight
    asked = render(
        "information_requested",
        {"tracking_code": "12345678903", "what": "شماره باجه", "reply_due_at": "2026-11-25T12:22:00+00:00"},
        now=morning,
    )
    assert "لطفاً تا ۱۴۰۵/۰۹/۰۴ ساعت ۱۵:۵۲ در صفحه پیگیری پاسخ دهید." in asked


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        ("registered", {"due_time": "18:52"}, "نتیجه حداکثر تا ساعت ۱۸:۵۲ اعلام می‌شود."),
        ("registered", {"due_time": "1405/09/03 ساعت 10:00"}, "نتیجه حداکثر تا ۱۴۰۵/۰۹/۰۳ ساعت ۱۰:۰۰ اعلام می‌شود."),
        (
            "information_requested",
            {"what": "شماره باجه", "reply_until": "1405/09/03 ساعت 15:52"},
            "لطفاً تا ۱۴۰۵/۰۹/۰۳ ساعت ۱۵:۵۲",
        ),
    ],
)
def test_a_send_scheduled_with_the_old_preformatted_times_still_renders(template, params, expected):
    """The params a running case's pending send_sms may still carry, from before the workflow passed moments."""
    assert expected in render(template, {"tracking_code": "12345678903", **params}, now=SENT_AT)


@pytest.mark.parametrize("template", ASK_TO_ACT)
def test_a_message_that_asks_the_citizen_to_act_carries_the_tracking_link_with_latin_digits(template):
    text = render(template, {"tracking_code": "12345678903", "link": LINK, **REALISTIC[template]}, now=SENT_AT)
    assert LINK == "https://foad128.example.gov.ir/track/12345678903"
    assert LINK in text  # the digits of the address stay Latin; the text around it is Persian
    assert "۱۲۳۴۵۶۷۸۹۰۳" in text


def test_the_result_message_says_what_a_digit_reply_means():
    text = render("result", {"tracking_code": "12345678903", "link": LINK, **REALISTIC["result"]}, now=SENT_AT)
    assert "۱ تا ۵" in text and "۱ و ۲: ناراضی" in text


def test_every_message_has_persian_digits_but_a_link_keeps_its_own():
    for template in TEMPLATES:
        text = render(template, {"tracking_code": "12345678903", **REALISTIC[template]}, now=SENT_AT)
        assert not any(ch in "0123456789" for ch in text), (template, text)
    referral = "سامانه 111 یا https://example.ir/form/42"
    rejected = render("rejected", {"tracking_code": "12345678903", "referral": referral}, now=SENT_AT)
    assert "۱۲۳۴۵۶۷۸۹۰۳" in rejected and "سامانه ۱۱۱" in rejected
    assert "https://example.ir/form/42" in rejected
