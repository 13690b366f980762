"""The Persian texts of the staff notifications (schemas.notifications.NotificationKind), within their budgets.

The same text is the notification's line on the staff's notifications page and, when the account has a mobile,
its SMS (through the outbox and the dispatcher, like the citizens' messages). Each fits 2 segments with the
longest unit name in the reference data; a longer unit name is cut with «…» (sms.segments.shorten).
"""

from datetime import UTC, datetime, timedelta

from schemas.notifications import NotificationKind
from sms import segments
from timekeeping.persian import duration_fa, persian_digits, when_fa

K = NotificationKind

STAFF_TEMPLATES: dict[NotificationKind, str] = {
    K.TASK_ARRIVED: "فواد ۱۲۸: شکایت {tracking_code} برای رسیدگی به «{unit}» رسید. مهلت رسیدگی تا {due_time}.",
    K.TASK_ASSIGNED: "فواد ۱۲۸: رسیدگی به شکایت {tracking_code} در «{unit}» به شما سپرده شد. مهلت تا {due_time}.",
    K.REMINDER: "فواد ۱۲۸، یادآوری: {left} تا پایان مهلت سه‌ساعته شکایت {tracking_code} مانده است.",
    K.TASK_REMINDER: "فواد ۱۲۸، یادآوری: {left} تا پایان مهلت رسیدگی شکایت {tracking_code} در «{unit}» مانده است.",
    K.REVIEW_OVERDUE: "فواد ۱۲۸: مهلت بررسی شکایت {tracking_code} گذشته است؛ لطفاً آن را بررسی کنید.",
    K.APPROVAL_WAITING: "فواد ۱۲۸: گزارش رسیدگی «{unit}» درباره شکایت {tracking_code} در انتظار تأیید شماست.",
    K.BREACHED: "فواد ۱۲۸: مهلت سه‌ساعته شکایت {tracking_code} سپری شد؛ پرونده در «{unit}» است.",
    K.ESCALATION_EXHAUSTED: "فواد ۱۲۸: شکایت {tracking_code} در بالاترین سطح («{unit}») هم در مهلت رسیدگی نشد.",
    K.INFORMATION_FORWARDED: "فواد ۱۲۸: یک درخواست یا پیشنهاد ({tracking_code}) برای آگاهی شما ثبت شد.",
    K.INSPECTION_ORDERED: "فواد ۱۲۸: بازرسی حضوری شکایت {tracking_code} به شما سپرده شد. مهلت تا {due_time}.",
    K.INSPECTION_OVERDUE: "فواد ۱۲۸: بازرسی حضوری شکایت {tracking_code} در مهلت ثبت نشد و به شما سپرده شد.",
    # {tracking_code} is the month (1403-12), {unit} its name (اسفند ۱۴۰۳): there is no case.
    K.REPORT_READY: "فواد ۱۲۸: گزارش ماهانه «{unit}» ({tracking_code}) آماده است؛ در بخش گزارش‌ها ببینید.",
}

STAFF_SEGMENT_BUDGET = 2


def render_staff(
    kind: NotificationKind,
    *,
    tracking_code: str,
    unit: str = "",
    due_at: datetime | None = None,
    left: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """The notification's text in Persian digits; the unit's name cut with … if the text is over budget."""
    now = now or datetime.now(UTC)
    params = {
        "tracking_code": tracking_code,
        "unit": unit,
        "due_time": when_fa(due_at, now=now) if due_at else "",
        "left": duration_fa(left) if left is not None else "",
    }
    text = persian_digits(STAFF_TEMPLATES[kind].format(**params))
    measured = segments.count(text)
    if measured.segments > STAFF_SEGMENT_BUDGET and unit:
        excess = measured.units - segments.capacity(measured.encoding, STAFF_SEGMENT_BUDGET)
        params["unit"] = segments.shorten(unit, by_units=excess)
        text = persian_digits(STAFF_TEMPLATES[kind].format(**params))
    return text
