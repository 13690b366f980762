"""The staff notifications' texts: Persian, in Persian digits, within 2 segments with the longest unit name of the
reference data and a due time on another day; an absurdly long unit name is cut with …, not split further."""

from datetime import UTC, datetime, timedelta

import pytest

from schemas.notifications import NotificationKind
from sms.segments import ELLIPSIS, count
from sms.staff import STAFF_SEGMENT_BUDGET, STAFF_TEMPLATES, render_staff
from tests.test_sms_segments import LONGEST_UNIT, SENT_AT

DUE = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # the next Tehran day: the date is spelled out


def test_every_kind_has_a_text():
    assert set(STAFF_TEMPLATES) == set(NotificationKind)


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_each_text_fits_its_budget_with_realistic_values(kind):
    text = render_staff(
        kind,
        tracking_code="12345678903",
        unit=LONGEST_UNIT,
        due_at=DUE,
        left=timedelta(hours=1, minutes=59),
        now=SENT_AT,
    )
    assert count(text).segments <= STAFF_SEGMENT_BUDGET, (kind, count(text), text)
    assert "۱۲۳۴۵۶۷۸۹۰۳" in text and "1" not in text, "Persian digits"
    if "{unit}" in STAFF_TEMPLATES[kind]:
        assert LONGEST_UNIT in text, "the longest real name fits whole"


def test_a_unit_name_too_long_is_cut_with_an_ellipsis():
    text = render_staff(
        NotificationKind.TASK_ARRIVED, tracking_code="12345678903", unit="اداره " * 40, due_at=DUE, now=SENT_AT
    )
    assert count(text).segments <= STAFF_SEGMENT_BUDGET and ELLIPSIS in text
