"""What the complaint forms offer and how their fields become a ComplaintIntake: the places to pick
(province -> county -> agency -> office), the eight indicators in plain Persian, Jalali incident days."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.engine import Engine
from api.pages.rendering import field_errors
from api.services.filing import Filed, file_complaint
from database.models import Agency, County, Province, Unit
from infra.settings import Settings
from schemas.case import Actor
from schemas.enums import INDICATOR_LABELS_FA, IdentityCheck, Indicator, Level
from schemas.intake import ComplaintIntake
from schemas.reasons import REFUSALS_FA
from schemas.text import latin_digits
from timekeeping.persian import long_date_fa
from timekeeping.tehran import TEHRAN

INCIDENT_DAYS = 30

# What each indicator means to a citizen, with one example.
INDICATOR_HELP_FA: dict[Indicator, tuple[str, str]] = {
    Indicator.PROCESS_INFORMATION: (
        "مدارک، مراحل یا قوانین کار را به شما نگفته‌اند یا جایی نوشته نشده است.",
        "مثال: هر بار یک مدرک تازه خواستند و فهرست مدارک را هیچ‌جا اعلام نکرده بودند.",
    ),
    Indicator.DECISION_INFORMATION: (
        "نتیجه یا تصمیم درباره درخواستتان را به‌موقع و روشن اعلام نکرده‌اند.",
        "مثال: پرونده‌ام رد شده بود و هیچ‌کس دلیلش را نگفت.",
    ),
    Indicator.EQUIPMENT_AND_SYSTEMS: (
        "سامانه، دستگاه یا تلفن اداره خراب بود و کار شما انجام نشد.",
        "مثال: گفتند «سیستم قطع است» و نوبت را به روز دیگر دادند.",
    ),
    Indicator.RESPECT_AND_DIGNITY: (
        "بی‌احترامی، تبعیض، پارتی‌بازی یا توهین دیدید.",
        "مثال: کارمند سر من داد زد و نفر بعدی را بدون نوبت راه داد.",
    ),
    Indicator.SERVICE_HOURS: (
        "اداره دیر باز شد یا زودتر از ساعت رسمی تعطیل کرد.",
        "مثال: ساعت ۱۳ باجه را بستند در حالی که تا ۱۴ باز است.",
    ),
    Indicator.SERVICE_CONTINUITY: (
        "کار را بدون دلیل قانونی به روزهای بعد موکول کردند.",
        "مثال: گفتند «هفته بعد بیایید» بی‌آنکه دلیلی بگویند.",
    ),
    Indicator.STAFF_ABSENCE: (
        "کارمند یا مدیر سر کار نبود و کسی جای او را نگرفت.",
        "مثال: باجه مستمری ساعت ۱۱ خالی بود و جایگزینی نداشت.",
    ),
    Indicator.WASTE_OF_RESOURCES: (
        "انرژی یا اموال عمومی هدر می‌رفت.",
        "مثال: در ساعت تعطیل همه چراغ‌ها و بخاری‌ها روشن بود.",
    ),
}


@dataclass(frozen=True)
class IndicatorChoice:
    number: int
    label_fa: str
    meaning_fa: str
    example_fa: str


INDICATORS = [IndicatorChoice(int(i), INDICATOR_LABELS_FA[i], *INDICATOR_HELP_FA[i]) for i in Indicator]


@dataclass(frozen=True)
class Places:
    provinces: list[Province]
    counties: list[County]
    agencies: list[Agency]
    offices: list[Unit]


async def load_places(session: AsyncSession) -> Places:
    """Only provinces and counties that have an office to complain about; offices ordered by level."""
    offices = list(await session.scalars(select(Unit).order_by(Unit.agency_id, Unit.province_code, Unit.name_fa)))
    province_codes = {u.province_code for u in offices if u.province_code}
    county_codes = {u.county_code for u in offices if u.county_code}
    provinces = await session.scalars(
        select(Province).where(Province.code.in_(province_codes)).order_by(Province.name_fa)
    )
    counties = await session.scalars(select(County).where(County.code.in_(county_codes)).order_by(County.name_fa))
    agencies = await session.scalars(select(Agency).order_by(Agency.name_fa))
    rank = {level.value: level.rank for level in Level}
    offices.sort(key=lambda u: (u.agency_id, rank.get(u.level, 9), u.name_fa))
    return Places(list(provinces), list(counties), list(agencies), offices)


def incident_days(today: date | None = None) -> list[tuple[str, str]]:
    """The last 30 days in Tehran, as (Gregorian ISO value, Jalali label), today first."""
    today = today or datetime.now(TEHRAN).date()
    days = []
    for back in range(INCIDENT_DAYS):
        day = today - timedelta(days=back)
        label = long_date_fa(day)
        if back == 0:
            label = f"امروز، {label}"
        elif back == 1:
            label = f"دیروز، {label}"
        days.append((day.isoformat(), label))
    return days


# What a phone's keypad can type between the hours and the minutes: ":" is missing from most number pads.
_CLOCK = re.compile(r"(\d{1,2})\s*[:.\u066b\u066c,\u060c/\-\s]\s*(\d{2})|(\d{1,2})(\d{2})|(\d{1,2})")


class FormInvalid(Exception):
    """A form's fields with the Persian reason for each, keyed by the field's name on the page."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def parse_clock(text: str) -> time:
    """A Tehran time of day as a person types it on any phone: 10:30, 10.30, ۱۰٫۳۰, 1030, 930, or 10 (o'clock),
    in Latin, Persian or Arabic digits. Raises FormInvalid (on `incident_at`) with the Persian reason."""
    match = _CLOCK.fullmatch(latin_digits(text).strip())
    if match is None:
        raise FormInvalid({"incident_at": REFUSALS_FA["incident_time_format"]})
    hours, minutes = (match[1], match[2]) if match[1] else (match[3], match[4]) if match[3] else (match[5], "0")
    if int(hours) > 23 or int(minutes) > 59:
        raise FormInvalid({"incident_at": REFUSALS_FA["incident_time_range"]})
    return time(int(hours), int(minutes))


def incident_at(day: str, clock: str) -> datetime:
    """The incident's moment in UTC from a picked day and a Tehran time typed any way parse_clock accepts."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise FormInvalid({"incident_at": REFUSALS_FA["incident_day_invalid"]})
    try:
        picked = date.fromisoformat(day)
    except ValueError:
        raise FormInvalid({"incident_at": REFUSALS_FA["incident_day_invalid"]}) from None
    return datetime.combine(picked, parse_clock(clock), tzinfo=TEHRAN).astimezone(UTC)


def intake_fields(form: dict[str, str], *, channel: str, mobile: str | None = None) -> dict[str, object]:
    """The ComplaintIntake fields from a submitted form, validated by the model, not here (the incident time is
    None if it could not be read: intake_from_form says why)."""
    try:
        moment: datetime | None = incident_at(form.get("incident_day", ""), form.get("incident_time", ""))
    except FormInvalid:
        moment = None
    return {
        "national_code": form.get("national_code", ""),
        "mobile": mobile if mobile is not None else form.get("mobile", ""),
        "full_name": form.get("full_name", ""),
        "channel": channel,
        "indicator": form.get("indicator", ""),
        "unit_id": form.get("unit_id", ""),
        "description": form.get("description", ""),
        "incident_at": moment,
        "employee_name": form.get("employee_name") or None,
        "contact": form.get("contact") or "complaint",
        "referral_target_id": form.get("referral_target_id") or None,
    }


def intake_from_form(
    form: dict[str, str], *, channel: str, mobile: str | None = None, **extra: object
) -> ComplaintIntake:
    """The validated complaint of an intake page (with `extra` fields, such as the operator's caller_code), or
    FormInvalid with every field's Persian reason at once (the incident time's included, so a person fixes
    everything in one go)."""
    errors: dict[str, str] = {}
    try:
        incident_at(form.get("incident_day", ""), form.get("incident_time", ""))
    except FormInvalid as exc:
        errors = exc.errors
    try:
        intake = ComplaintIntake(**intake_fields(form, channel=channel, mobile=mobile), **extra)
    except ValidationError as exc:
        raise FormInvalid(field_errors(exc) | errors) from None
    return intake  # (an unreadable time is None, which the model refuses: `errors` is empty here)


def page_key(form: dict[str, str]) -> str:
    """The filing's idempotency key: the one the form carried (fresh with every rendering), else a new one."""
    key = form.get("idempotency_key") or ""
    return f"page-{key}" if len(key) >= 8 else f"page-{uuid.uuid4()}"


async def file_from_form(
    form: dict[str, str],
    intake: ComplaintIntake,
    *,
    filed_by: Actor,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    settings: Settings,
    identity: IdentityCheck,
) -> Filed:
    """Files a complaint from an intake page under the key the form carried (a fresh one with every rendering
    of the form), so pressing the same form twice files one case."""
    return await file_complaint(
        session=session,
        sessions=sessions,
        engine=engine,
        intake=intake,
        idempotency_key=page_key(form),
        filed_by=filed_by,
        policy=settings.policy(),
        identity=identity,
    )
