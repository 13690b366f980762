"""The domain's closed vocabularies, each value with the Persian label a person reads."""

from enum import IntEnum, StrEnum


class Indicator(IntEnum):
    """The eight indicators (شاخص‌ها) under which every complaint is classified."""

    PROCESS_INFORMATION = 1
    DECISION_INFORMATION = 2
    EQUIPMENT_AND_SYSTEMS = 3
    RESPECT_AND_DIGNITY = 4
    SERVICE_HOURS = 5
    SERVICE_CONTINUITY = 6
    STAFF_ABSENCE = 7
    WASTE_OF_RESOURCES = 8

    @property
    def label_fa(self) -> str:
        return INDICATOR_LABELS_FA[self]


INDICATOR_PREFIX_FA = "اختلال، نقص و یا نقض در"

INDICATOR_LABELS_FA: dict[Indicator, str] = {
    Indicator.PROCESS_INFORMATION: "اطلاع‌رسانی قوانین، مقررات، مراحل و فرایندهای ارایه خدمت",
    Indicator.DECISION_INFORMATION: "اطلاع‌رسانی به‌موقع و شفاف تصمیمات مرتبط با خدمت",
    Indicator.EQUIPMENT_AND_SYSTEMS: "تجهیزات، سامانه‌های اداری یا ابزارهای ارتباطی",
    Indicator.RESPECT_AND_DIGNITY: "احترام، عدالت و رعایت کرامت انسانی",
    Indicator.SERVICE_HOURS: "زمان قانونی شروع و پایان خدمت",
    Indicator.SERVICE_CONTINUITY: "استمرار خدمت؛ موکول کردن به زمان‌های آتی بدون توجیه قانونی",
    Indicator.STAFF_ABSENCE: "عدم حضور کارمند/مدیر یا عدم پیش‌بینی نیروی جایگزین",
    Indicator.WASTE_OF_RESOURCES: "هدررفت انرژی، اسراف و تبذیر منابع",
}

# The complete phrase of each indicator, as the programme's texts write it: the prefix, then the label.
INDICATOR_FULL_LABELS_FA: dict[Indicator, str] = {
    i: f"{INDICATOR_PREFIX_FA} {label}" for i, label in INDICATOR_LABELS_FA.items()
}


class Level(StrEnum):
    """The agency's four coordination levels, bottom up."""

    COUNTY = "county"
    PROVINCIAL = "provincial"
    SUBORDINATE = "subordinate"
    NATIONAL = "national"

    @property
    def rank(self) -> int:
        return LEVELS.index(self)

    @property
    def label_fa(self) -> str:
        return LEVEL_LABELS_FA[self]


LEVELS: tuple[Level, ...] = (Level.COUNTY, Level.PROVINCIAL, Level.SUBORDINATE, Level.NATIONAL)

LEVEL_LABELS_FA = {
    Level.COUNTY: "شهرستانی",
    Level.PROVINCIAL: "استانی",
    Level.SUBORDINATE: "سازمان تابعه",
    Level.NATIONAL: "ستاد ملی دستگاه",
}


class Step(StrEnum):
    """The six steps (گام‌ها) every complaint goes through."""

    CONTACT = "contact"
    REGISTRATION = "registration"
    REVIEW = "review"
    HANDLING = "handling"
    RESULT = "result"
    FEEDBACK = "feedback"

    @property
    def number(self) -> int:
        return list(Step).index(self) + 1

    @property
    def label_fa(self) -> str:
        return STEP_LABELS_FA[self]


STEP_LABELS_FA = {
    Step.CONTACT: "تماس",
    Step.REGISTRATION: "ثبت",
    Step.REVIEW: "بررسی راهبر ارشد",
    Step.HANDLING: "رسیدگی",
    Step.RESULT: "ثبت نتیجه",
    Step.FEEDBACK: "بازخورد شهروند",
}


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"


class CaseStatus(StrEnum):
    IN_REVIEW = "in_review"
    IN_HANDLING = "in_handling"
    AWAITING_APPROVAL = "awaiting_approval"
    AWAITING_FEEDBACK = "awaiting_feedback"
    CLOSED = "closed"
    REJECTED = "rejected"
    REFERRED = "referred"
    FORWARDED = "forwarded"

    @property
    def label_fa(self) -> str:
        return STATUS_LABELS_FA[self]

    @property
    def is_final(self) -> bool:
        return self in (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.REFERRED, CaseStatus.FORWARDED)


STATUS_LABELS_FA = {
    CaseStatus.IN_REVIEW: "در انتظار بررسی راهبر ارشد",
    CaseStatus.IN_HANDLING: "در حال رسیدگی",
    CaseStatus.AWAITING_APPROVAL: "در انتظار تأیید نتیجه",
    CaseStatus.AWAITING_FEEDBACK: "در انتظار بازخورد شهروند",
    CaseStatus.CLOSED: "بسته‌شده",
    CaseStatus.REJECTED: "خارج از حیطه فواد",
    CaseStatus.REFERRED: "خارج از حیطه فواد؛ به مرجع صالح ارجاع داده شد",
    CaseStatus.FORWARDED: "درخواست یا پیشنهاد؛ برای آگاهی راهبر ارشد فرستاده شد",
}


class ContactKind(StrEnum):
    """What a contact is, as triaged at intake: only a complaint starts the 3-hour case."""

    COMPLAINT = "complaint"
    REQUEST = "request"
    SUGGESTION = "suggestion"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def label_fa(self) -> str:
        return CONTACT_LABELS_FA[self]


CONTACT_LABELS_FA = {
    ContactKind.COMPLAINT: "شکایت از شیوه و ترتیب ارایه خدمت",
    ContactKind.REQUEST: "درخواست",
    ContactKind.SUGGESTION: "پیشنهاد",
    ContactKind.OUT_OF_SCOPE: "خارج از حیطه فواد (ارجاع به مرجع صالح)",
}


class IdentityCheck(StrEnum):
    """How the filing proved the caller's mobile (the trust level of its channel)."""

    CITIZEN_OTP = "citizen_otp"
    OPERATOR_OTP = "operator_otp"
    OPEN311_VERIFIED = "open311_verified"
    UNVERIFIED = "unverified"

    @property
    def label_fa(self) -> str:
        return IDENTITY_LABELS_FA[self]


IDENTITY_LABELS_FA = {
    IdentityCheck.CITIZEN_OTP: "همراه با کد یک‌بارمصرف شهروند تأیید شد",
    IdentityCheck.OPERATOR_OTP: "همراه با کد یک‌بارمصرفی که تماس‌گیرنده خواند تأیید شد",
    IdentityCheck.OPEN311_VERIFIED: "همراه با توکن تأییدشده شهروند در برنامه کاربردی تأیید شد",
    IdentityCheck.UNVERIFIED: "هویت تأیید نشده",
}


class TaskKind(StrEnum):
    REVIEW = "review"
    HANDLING = "handling"
    APPROVAL = "approval"
    INSPECTION = "inspection"


class TaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Role(StrEnum):
    OPERATOR = "operator"
    SENIOR_COORDINATOR = "senior_coordinator"
    UNIT_COORDINATOR = "unit_coordinator"
    INSPECTOR = "inspector"
    AUDITOR = "auditor"
    ADMIN = "admin"
    CITIZEN = "citizen"
    SYSTEM = "system"
    WORKING_GROUP = "working_group"


class ReviewDecision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class HandlingOutcome(StrEnum):
    """What the unit did about the complaint."""

    RESOLVED_BY_PHONE = "resolved_by_phone"
    RESOLVED_ON_SITE = "resolved_on_site"
    SUBSTITUTE_ASSIGNED = "substitute_assigned"
    DISCIPLINARY_ACTION = "disciplinary_action"
    NOT_SUBSTANTIATED = "not_substantiated"
    REFERRED = "referred"
    NOT_RESOLVED = "not_resolved"

    @property
    def label_fa(self) -> str:
        return OUTCOME_LABELS_FA[self]


OUTCOME_LABELS_FA = {
    HandlingOutcome.RESOLVED_BY_PHONE: "رفع مشکل با تماس تلفنی با واحد",
    HandlingOutcome.RESOLVED_ON_SITE: "رفع مشکل با بازرسی حضوری",
    HandlingOutcome.SUBSTITUTE_ASSIGNED: "اعزام نیروی جایگزین",
    HandlingOutcome.DISCIPLINARY_ACTION: "برخورد انضباطی با متخلف",
    HandlingOutcome.NOT_SUBSTANTIATED: "گزارش پس از بررسی تأیید نشد",
    HandlingOutcome.REFERRED: "ارجاع به مرجع صالح",
    HandlingOutcome.NOT_RESOLVED: "رفع نشد",
}


class EventKind(StrEnum):
    """What the case's append-only event log records."""

    REGISTERED = "registered"
    REVIEW_ACCEPTED = "review_accepted"
    REJECTED = "rejected"
    TASK_OPENED = "task_opened"
    TASK_COMPLETED = "task_completed"
    ESCALATED = "escalated"
    ESCALATION_EXHAUSTED = "escalation_exhausted"
    SENT_BACK = "sent_back"
    RESULT_APPROVED = "result_approved"
    REMINDER = "reminder"
    BREACHED = "breached"
    REVIEW_OVERDUE = "review_overdue"
    FEEDBACK = "feedback"
    REOPENED = "reopened"
    CLOSED = "closed"
    IGNORED_SIGNAL = "ignored_signal"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_RECEIVED = "information_received"
    REPLY_WINDOW_ENDED = "reply_window_ended"
    DEADLINE_RECOMPUTED = "deadline_recomputed"
    TASK_CLAIMED = "task_claimed"
    TASK_RELEASED = "task_released"
    TASK_REASSIGNED = "task_reassigned"
    TASK_REMINDER = "task_reminder"
    REFERRED = "referred"
    FORWARDED = "forwarded"
    INSPECTION_ORDERED = "inspection_ordered"
    INSPECTION_OVERDUE = "inspection_overdue"
    INSPECTION_COMPLETED = "inspection_completed"
    INSPECTION_CANCELLED = "inspection_cancelled"


class EscalationCause(StrEnum):
    EXPIRED = "expired"
    MANUAL = "manual"
    BREACH = "breach"
