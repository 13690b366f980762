"""Persian labels the pages need beyond those in schemas.enums (steps, levels, statuses, indicators)."""

from schemas.enums import (
    CONTACT_LABELS_FA,
    IDENTITY_LABELS_FA,
    INDICATOR_LABELS_FA,
    LEVEL_LABELS_FA,
    OUTCOME_LABELS_FA,
    STATUS_LABELS_FA,
    STEP_LABELS_FA,
    CaseStatus,
    Channel,
    ContactKind,
    EventKind,
    HandlingOutcome,
    IdentityCheck,
    Indicator,
    Level,
    Step,
    TaskKind,
    TaskStatus,
)

EVENT_LABELS_FA = {
    EventKind.REGISTERED: "ثبت شکایت",
    EventKind.REVIEW_ACCEPTED: "پذیرش و صدور دستور اقدام",
    EventKind.REJECTED: "خارج از حیطه فواد",
    EventKind.TASK_OPENED: "سپردن به واحد",
    EventKind.TASK_COMPLETED: "گزارش اقدام واحد",
    EventKind.ESCALATED: "انتقال به سطح بالاتر",
    EventKind.ESCALATION_EXHAUSTED: "بالاتر از این سطحی نیست",
    EventKind.SENT_BACK: "بازگشت برای رسیدگی دوباره",
    EventKind.RESULT_APPROVED: "تأیید و ثبت نتیجه",
    EventKind.REMINDER: "یادآوری مهلت",
    EventKind.BREACHED: "نقض مهلت سه‌ساعته",
    EventKind.REVIEW_OVERDUE: "تأخیر در بررسی",
    EventKind.FEEDBACK: "بازخورد شهروند",
    EventKind.REOPENED: "بازگشایی پس از نارضایتی",
    EventKind.CLOSED: "بسته شدن پرونده",
    EventKind.IGNORED_SIGNAL: "درخواست بی‌اثر",
    EventKind.INFORMATION_REQUESTED: "درخواست اطلاعات از شهروند",
    EventKind.INFORMATION_RECEIVED: "دریافت پاسخ شهروند",
    EventKind.REPLY_WINDOW_ENDED: "پایان مهلت پاسخ شهروند",
    EventKind.DEADLINE_RECOMPUTED: "محاسبه دوباره مهلت",
    EventKind.TASK_CLAIMED: "برداشتن کار",
    EventKind.TASK_RELEASED: "واگذاشتن کار",
    EventKind.TASK_REASSIGNED: "سپردن کار به هماهنگ‌کننده دیگر",
    EventKind.TASK_REMINDER: "یادآوری مهلت کار",
    EventKind.REFERRED: "ارجاع به مرجع صالح",
    EventKind.FORWARDED: "ثبت و ارسال برای آگاهی راهبر ارشد",
    EventKind.INSPECTION_ORDERED: "دستور بازرسی حضوری",
    EventKind.INSPECTION_OVERDUE: "تأخیر در بازرسی؛ سپردن به راهبر ارشد",
    EventKind.INSPECTION_COMPLETED: "ثبت گزارش بازرسی حضوری",
    EventKind.INSPECTION_CANCELLED: "لغو بازرسی حضوری",
}

TASK_KIND_FA = {
    TaskKind.REVIEW: "بررسی",
    TaskKind.HANDLING: "رسیدگی",
    TaskKind.APPROVAL: "تأیید نتیجه",
    TaskKind.INSPECTION: "بازرسی حضوری",
}
TASK_STATUS_FA = {
    TaskStatus.OPEN: "باز",
    TaskStatus.COMPLETED: "انجام‌شده",
    TaskStatus.EXPIRED: "زمانش گذشت و به سطح بالاتر رفت",
    TaskStatus.CANCELLED: "لغوشده",
}
CHANNEL_FA = {Channel.PHONE: "تلفن ۱۲۸", Channel.WEB: "وب", Channel.APP: "اپلیکیشن"}

# The citizen's pages name each step and status as the citizen lives it (schemas/citizen_words.py: the public
# JSON status says the same).
from schemas.citizen_words import CITIZEN_STATUS_FA, CITIZEN_STEP_FA  # noqa: E402


def _lookup(table: dict, enum: type, value: object) -> str:
    if value is None or value == "":
        return ""
    try:
        return table[enum(value)]
    except (ValueError, KeyError):
        return str(value)


LABEL_FILTERS = {
    "event_fa": lambda v: _lookup(EVENT_LABELS_FA, EventKind, v),
    "task_kind_fa": lambda v: _lookup(TASK_KIND_FA, TaskKind, v),
    "task_status_fa": lambda v: _lookup(TASK_STATUS_FA, TaskStatus, v),
    "channel_fa": lambda v: _lookup(CHANNEL_FA, Channel, v),
    "status_fa": lambda v: _lookup(STATUS_LABELS_FA, CaseStatus, v),
    "step_fa": lambda v: _lookup(STEP_LABELS_FA, Step, v),
    "level_fa": lambda v: _lookup(LEVEL_LABELS_FA, Level, v),
    "indicator_fa": lambda v: _lookup(INDICATOR_LABELS_FA, Indicator, int(v) if str(v).isdigit() else v),
    "outcome_fa": lambda v: _lookup(OUTCOME_LABELS_FA, HandlingOutcome, v),
    "citizen_step_fa": lambda v: _lookup(CITIZEN_STEP_FA, Step, v),
    "citizen_status_fa": lambda v: _lookup(CITIZEN_STATUS_FA, CaseStatus, v),
    "contact_fa": lambda v: _lookup(CONTACT_LABELS_FA, ContactKind, v),
    "identity_fa": lambda v: _lookup(IDENTITY_LABELS_FA, IdentityCheck, v),
}
