"""The auditor's history page in Persian: each Temporal event named in words, its time in Jalali (Tehran), its
actor by full name and role, and its details with names instead of codes (units, agencies, provinces, counties,
levels, statuses); the decoded event itself stays one click away, as JSON."""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.pages.labels import CHANNEL_FA, EVENT_LABELS_FA, LABEL_FILTERS, TASK_KIND_FA
from api.pages.people import People
from api.services.history import CaseHistory, HistoryEntry
from database.models import Agency, County, Province, Unit
from schemas.enums import Channel, EventKind, TaskKind
from timekeeping.persian import duration_fa, moment_fa, persian_digits

KIND_FA = {
    "workflow_started": "آغاز گردش کار پرونده",
    "workflow_completed": "پایان گردش کار پرونده",
    "workflow_failed": "شکست گردش کار",
    "workflow_timed_out": "پایان مهلت گردش کار",
    "workflow_terminated": "توقف اجباری گردش کار",
    "workflow_canceled": "لغو گردش کار",
    "workflow_continued_as_new": "ادامه در اجرای تازه",
    "update_accepted": "درخواست پذیرفته شد",
    "update_rejected": "درخواست رد شد",
    "update_completed": "درخواست انجام شد",
    "update_failed": "درخواست به خطا خورد",
    "signal_received": "پیام رسید",
    "activity_scheduled": "کار جانبی آغاز شد",
    "activity_completed": "کار جانبی انجام شد",
    "activity_failed": "کار جانبی به خطا خورد",
    "activity_timed_out": "کار جانبی در زمانش تمام نشد",
    "timer_started": "زمان‌سنج به کار افتاد",
    "timer_fired": "زمان‌سنج به سر رسید",
    "timer_canceled": "زمان‌سنج لغو شد",
    "search_attributes_upserted": "به‌روزرسانی فیلدهای جست‌وجو",
}

NAME_FA = {
    "ComplaintWorkflow": "گردش کار شکایت",
    "review": "بررسی و دستور اقدام",
    "decide": "بررسی و دستور اقدام",
    "complete_task": "گزارش اقدام واحد",
    "approve": "تأیید نتیجه",
    "send_back": "بازگرداندن به واحد",
    "close": "بستن پرونده",
    "escalate": "انتقال به سطح بالاتر",
    "escalate_task": "انتقال به سطح بالاتر",
    "request_information": "درخواست اطلاعات از شهروند",
    "citizen_reply": "پاسخ شهروند",
    "reply_to_question": "پاسخ شهروند",
    "feedback": "بازخورد شهروند",
    "give_feedback": "بازخورد شهروند",
    "calendar_changed": "تغییر تقویم اداری",
    "record_transition": "ثبت در پایگاه داده",
    "send_sms": "ارسال پیامک",
    "compute_deadline": "محاسبه مهلت",
}

SMS_FA = {
    "registered": "ثبت شکایت",
    "accepted": "سپردن به واحد",
    "rejected": "خارج از حیطه",
    "escalated": "انتقال به سطح بالاتر",
    "result": "نتیجه",
    "reopened": "بازگشایی",
    "information_requested": "پرسش از شهروند",
}

KEY_FA = {
    "tracking_code": "کد رهگیری",
    "registered_at": "زمان ثبت",
    "channel": "راه ثبت",
    "indicator": "موضوع",
    "agency_id": "دستگاه",
    "province_code": "استان",
    "county_code": "شهرستان",
    "office_unit_id": "اداره",
    "unit_id": "واحد",
    "chain": "سطوح واحد",
    "decision": "تصمیم",
    "action_order": "دستور اقدام",
    "referral_note": "ارجاع به مرجع دیگر",
    "inspector": "بازرس",
    "task_id": "کار",
    "outcome": "اقدام",
    "note": "یادداشت",
    "result_note": "نتیجه",
    "reason": "علت",
    "satisfied": "رضایت",
    "rating": "امتیاز",
    "comment": "توضیح",
    "answer": "پاسخ",
    "update_id": "شناسه درخواست",
    "status": "وضعیت",
    "step": "گام",
    "closed_at": "زمان بستن",
    "case_event": "رویداد پرونده",
    "seq": "شماره رویداد",
    "template": "پیامک",
    "purpose": "برای",
    "start": "آغاز شمارش",
    "due_at": "موعد",
    "budget_seconds": "زمان مجاز",
    "pauses": "توقف‌ها",
    "open_minutes_counted": "دقیقه‌های اداری شمرده‌شده",
    "paused_minutes": "دقیقه‌های توقف",
    "calendar": "تقویم",
    "counted": "بازه‌های شمرده‌شده",
    "skipped": "روزهای کنارگذاشته",
    "fires_in_seconds": "به سر رسیدن پس از",
    "kind": "نوع کار",
    "level": "سطح",
    "FoadStep": "گام",
    "FoadStatus": "وضعیت",
    "FoadLevel": "سطح",
    "FoadAgency": "دستگاه",
    "FoadProvince": "استان",
    "FoadCounty": "شهرستان",
    "FoadIndicator": "موضوع",
    "FoadBreached": "نقض مهلت",
}

_TIMES = {"registered_at", "closed_at", "start", "due_at", "at"}
_SECONDS = {"budget_seconds", "fires_in_seconds"}


@dataclass
class Names:
    """Reference data by id, to read codes as names."""

    units: dict[str, str] = field(default_factory=dict)
    agencies: dict[str, str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession) -> "Names":
        async def pairs(*columns) -> dict[str, str]:
            return dict((await session.execute(select(*columns))).all())

        return cls(
            units=await pairs(Unit.id, Unit.name_fa),
            agencies=await pairs(Agency.id, Agency.name_fa),
            provinces=await pairs(Province.code, Province.name_fa),
            counties=await pairs(County.code, County.name_fa),
        )


@dataclass
class HistoryRow:
    event_id: str
    time: str
    kind: str
    name: str
    actor: str
    details: list[tuple[str, str]]
    raw: str


def _moment(value: str) -> str:
    try:
        return moment_fa(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value


def _enum_fa(filter_name: str, value: Any) -> str:
    return LABEL_FILTERS[filter_name](value) or str(value)


def value_fa(key: str, value: Any, names: Names) -> str:
    """One detail's value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, list):
        return "، ".join(value_fa(key, v, names) for v in value)
    if key == "tracking_code":
        return persian_digits(value)
    if key in _TIMES and isinstance(value, str):
        return _moment(value)
    if key in _SECONDS and isinstance(value, int | float):
        return duration_fa(timedelta(seconds=value))
    if key in ("agency_id", "FoadAgency"):
        return names.agencies.get(value, str(value))
    if key in ("province_code", "FoadProvince"):
        return names.provinces.get(value, str(value))
    if key in ("county_code", "FoadCounty"):
        return names.counties.get(value, str(value))
    if key in ("office_unit_id", "unit_id", "chain"):
        return names.units.get(value, str(value))
    if key in ("level", "FoadLevel", "purpose"):
        if value in TASK_KIND_FA:
            return TASK_KIND_FA[TaskKind(value)]
        return _enum_fa("level_fa", value)
    if key in ("status", "FoadStatus"):
        return _enum_fa("status_fa", value)
    if key in ("step", "FoadStep"):
        return _enum_fa("step_fa", value)
    if key in ("indicator", "FoadIndicator"):
        return _enum_fa("indicator_fa", value)
    if key == "case_event" and value in {k.value for k in EventKind}:
        return EVENT_LABELS_FA[EventKind(value)]
    if key == "channel" and value in {c.value for c in Channel}:
        return CHANNEL_FA[Channel(value)]
    if key == "outcome":
        return _enum_fa("outcome_fa", value)
    if key == "template":
        return SMS_FA.get(value, str(value))
    if key == "decision":
        return {"accept": "پذیرش", "reject": "خارج از حیطه"}.get(value, str(value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return persian_digits(value) if isinstance(value, int | float) else str(value)


def _name_fa(entry: HistoryEntry) -> str:
    if entry.name is None:
        return ""
    if entry.kind.startswith("timer_"):
        return f"زمان‌سنج {persian_digits(entry.name)}"
    return NAME_FA.get(entry.name, entry.name)


def history_rows(history: CaseHistory, names: Names, people: People) -> list[HistoryRow]:
    rows = []
    for entry in history.events:
        actor = entry.actor or {}
        rows.append(
            HistoryRow(
                event_id=persian_digits(entry.event_id),
                time=moment_fa(entry.time),
                kind=KIND_FA.get(entry.kind, entry.kind),
                name=_name_fa(entry),
                actor=people(actor.get("username"), actor.get("role")) if actor else "",
                details=[(KEY_FA.get(k, k), value_fa(k, v, names)) for k, v in entry.summary.items()],
                raw=json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, indent=2),
            )
        )
    return rows


def usernames(history: CaseHistory) -> list[str]:
    return [e.actor.get("username", "") for e in history.events if e.actor]
