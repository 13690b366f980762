"""Every SMS template fits its segment budget with realistic values; long free text is cut, not split further."""

import json

import pytest

from sms.segments import ELLIPSIS, count
from sms.sender import SEGMENT_BUDGETS, TEMPLATES, render
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
REALISTIC = {
    "registered": {"due_time": "23:59"},
    "accepted": {"unit": LONGEST_UNIT},
    "escalated": {"unit": LONGEST_UNIT},
    "reopened": {"unit": LONGEST_UNIT},
    "rejected": {"referral": "موضوع به محتوای خدمت مربوط است؛ به دیوان عدالت اداری یا سامانه ۱۱۱ مراجعه کنید."},
    "result": {"result": "کارمند جایگزین به باجه مستمری اعزام شد و مدیر شعبه تذکر کتبی گرفت."},
    "information_requested": {
        "what": "شماره باجه و ساعت دقیق مراجعه، و نام شعبه‌ای که به آن مراجعه کردید",
        "reply_until": "۱۴۰۵/۰۹/۰۳ ۱۲:۳۰",
    },
}


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
    text = render(template, {"tracking_code": "12345678903", **REALISTIC[template]})
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
