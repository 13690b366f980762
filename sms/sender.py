"""The SMS sender interface, its default (the outbox and the log), and the Persian texts."""

import logging
import re
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import SmsOutbox
from database.sessions import transaction
from schemas.text import mask_mobile
from sms import segments
from timekeeping.persian import persian_digits, when_fa

log = logging.getLogger("foad.sms")

TEMPLATES: dict[str, str] = {
    "registered": "فواد ۱۲۸: شکایت شما ثبت شد. کد رهگیری: {tracking_code}. نتیجه حداکثر تا {due_time} اعلام می‌شود.",
    "accepted": "فواد ۱۲۸: شکایت {tracking_code} برای رسیدگی به «{unit}» سپرده شد.",
    "rejected": "فواد ۱۲۸: موضوع شکایت {tracking_code} در حیطه فواد نیست. راهنمایی: {referral}",
    "escalated": "فواد ۱۲۸: رسیدگی به شکایت {tracking_code} به سطح بالاتر («{unit}») سپرده شد.",
    "result": (
        "فواد ۱۲۸: نتیجه شکایت {tracking_code}: {result} نظرتان را با یک عدد پاسخ دهید: ۱ تا ۵ "
        "(۱ و ۲: ناراضی، رسیدگی دوباره) یا در {link} اعلام کنید."
    ),
    "reopened": "فواد ۱۲۸: شکایت {tracking_code} دوباره باز شد و به «{unit}» سپرده شد.",
    "information_requested": (
        "فواد ۱۲۸: برای رسیدگی به شکایت {tracking_code} این اطلاعات لازم است: {what} "
        "لطفاً تا {reply_until} در {link} پاسخ دهید. تا رسیدن پاسخ، مهلت رسیدگی متوقف است."
    ),
    "inbound_help": (
        "فواد ۱۲۸: پیام شما ثبت نشد. پاسخ پیامکی فقط یک عدد ۱ تا ۵ است، برای نظر درباره نتیجه. "
        "شکایت {tracking_code}: {link}"
    ),
    "referred": "فواد ۱۲۸: موضوع {tracking_code} در حیطه فواد نیست. لطفاً به «{target}» مراجعه کنید: {contact}",
    "forwarded": (
        "فواد ۱۲۸: {contact_kind} شما با کد {tracking_code} ثبت و برای آگاهی به راهبر ارشد «{agency}» فرستاده شد."
    ),
    "breached": (
        "فواد ۱۲۸: مهلت سه‌ساعته رسیدگی به شکایت {tracking_code} گذشت. این تأخیر در پرونده ثبت شد "
        "و رسیدگی در بالاترین سطح دستگاه ادامه می‌یابد."
    ),
    "feedback_received": "فواد ۱۲۸: نظر شما درباره نتیجه شکایت {tracking_code} ثبت شد و پرونده بسته شد. سپاس از شما.",
    "closed": "فواد ۱۲۸: پرونده شکایت {tracking_code} پس از اعلام نتیجه بسته شد.",
    "closed_silently": ("فواد ۱۲۸: مهلت اعلام نظر درباره نتیجه شکایت {tracking_code} به پایان رسید و پرونده بسته شد."),
}


# How many segments each message may cost (UCS-2: 70 units alone, 67 per part). The fixed texts with
# realistic values fit these (tests/test_sms_segments.py); a longer free-text value is shortened, not split
# further.
SEGMENT_BUDGETS: dict[str, int] = {
    "registered": 2,
    "accepted": 2,
    "rejected": 3,
    "escalated": 2,
    "result": 4,
    "reopened": 2,
    "information_requested": 4,
    "inbound_help": 3,
    "referred": 3,
    "forwarded": 3,
    "breached": 2,
    "feedback_received": 2,
    "closed": 1,
    "closed_silently": 2,
}

# The one parameter of each template that may be cut to fit: a unit's name or a coordinator's note.
SHORTENABLE: dict[str, str] = {
    "accepted": "unit",
    "rejected": "referral",
    "escalated": "unit",
    "result": "result",
    "reopened": "unit",
    "information_requested": "what",
    "referred": "contact",
    "forwarded": "agency",
}


# The moments a workflow passes as ISO times, and the placeholder each one's Persian wording fills.
MOMENTS: dict[str, str] = {"due_at": "due_time", "reply_due_at": "reply_until"}


def _worded(params: dict[str, str], now: datetime) -> dict[str, str]:
    """The params with each moment worded as a person reads it when the message goes out.

    A send_sms scheduled before the workflow passed moments carries the wording itself: `due_time` as "18:52"
    (wall clock) or "1405/09/03 ساعت 10:00" (office hours), `reply_until` as the latter; those are kept, the
    bare time given the «ساعت» the template no longer has."""
    worded = dict(params)
    for moment, placeholder in MOMENTS.items():
        if moment in params:
            worded[placeholder] = when_fa(datetime.fromisoformat(params[moment]), now=now)
    if "due_at" not in params and "due_time" in params and "ساعت" not in params["due_time"]:
        worded["due_time"] = f"ساعت {params['due_time']}"
    return worded


# The link stands in the text as this mark while the digits are made Persian: an address keeps its Latin digits.
_LINK_MARK = "\ue000"
_LINK = re.compile(r"https?://\S+")


def tracking_link(public_base_url: str, tracking_code: str) -> str:
    """The tracking page's public address, which every SMS that asks the citizen to act carries."""
    return f"{public_base_url.rstrip('/')}/track/{tracking_code}"


def _persian_text(text: str) -> str:
    """Persian digits everywhere but inside a link (a link with Persian digits no longer opens)."""
    kept = _LINK.findall(text)
    parts = _LINK.split(text)
    return "".join(persian_digits(part) + (kept[i] if i < len(kept) else "") for i, part in enumerate(parts))


def _format(template: str, params: dict[str, str]) -> str:
    link = params.get("link") or "صفحه پیگیری"  # a caller without the address names the page
    text = TEMPLATES[template].format(**(params | {"link": _LINK_MARK}))
    return _persian_text(text).replace(_LINK_MARK, link)


def render(template: str, params: dict[str, str], *, now: datetime | None = None) -> str:
    """The message text, within its template's segment budget: the shortenable value is cut with … if needed.

    A moment (`due_at`, `reply_due_at`) reads as «ساعت ۱۴:۳۰» on the day of sending (`now`), else with its date."""
    params = _worded(params, now or datetime.now(UTC))
    text = _format(template, params)
    budget = SEGMENT_BUDGETS[template]
    field = SHORTENABLE.get(template)
    for _ in range(3):  # one cut nearly always does; the loop guards a cut that changed the encoding
        measured = segments.count(text)
        if measured.segments <= budget or field is None:
            break
        excess = measured.units - segments.capacity(measured.encoding, budget)
        params = params | {field: segments.shorten(params[field], by_units=excess)}
        text = _format(template, params)
    if segments.count(text).segments > budget:
        log.warning("sms %s is over its budget of %d segments", template, budget)
    return text


class SmsSender(Protocol):
    """Sends one message at most once per key; returns an id for it."""

    async def send(self, *, key: str, tracking_code: str, mobile: str, template: str, body: str) -> str: ...


class OutboxSmsSender:
    """Writes the message to the outbox table (a gateway drains it) and to the log, masked."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def send(self, *, key: str, tracking_code: str, mobile: str, template: str, body: str) -> str:
        try:
            async with transaction(self._sessions) as session:
                existing = await session.scalar(select(SmsOutbox.id).where(SmsOutbox.key == key))
                if existing is not None:
                    return str(existing)
                row = SmsOutbox(
                    key=key,
                    tracking_code=tracking_code,
                    mobile=mobile,
                    template=template,
                    body=body,
                    status="pending",
                    created_at=datetime.now(UTC),
                )
                session.add(row)
                await session.flush()
                message_id = str(row.id)
        except IntegrityError:
            async with self._sessions() as session:
                return str(await session.scalar(select(SmsOutbox.id).where(SmsOutbox.key == key)))
        # A one-time code never goes to the log here (in development, api.auth.otp logs it on purpose).
        shown = "(one-time code withheld)" if template == "otp" else body
        log.info("sms %s to %s for %s: %s", template, mask_mobile(mobile), tracking_code, shown)
        return message_id
