"""Why a value was refused, for the person who typed it: one of pydantic's errors as a Persian sentence (and a
plain English one) that names the limit: "at least 10 characters", not "invalid value".

Validators in schemas/ that refuse a value for a reason of their own raise `refusal(kind, english)`; the Persian
sentence for each kind is in REFUSALS_FA, so the API's `details[].message_fa` and the pages' field errors are
the same words.
"""

from typing import Any

from pydantic_core import PydanticCustomError

from timekeeping.persian import persian_digits

# The validators' own reasons, by their error type.
REFUSALS_FA: dict[str, str] = {
    "national_code_invalid": "کد ملی باید ده رقم باشد و رقم آخرش (رقم کنترل) درست باشد.",
    "mobile_invalid": "شماره همراه باید یازده رقم و به شکل ۰۹۱۲۱۲۳۴۵۶۷ باشد.",
    "otp_code_invalid": "کد تأیید شش رقم است.",
    "incident_in_future": "این زمان هنوز نرسیده است؛ روز و ساعت رخداد را بررسی کنید.",
    "incident_too_old": "رخدادِ بیش از ۳۰ روز پیش را نمی‌توان ثبت کرد.",
    "incident_time_format": "ساعت را به شکل ۱۰:۳۰ بنویسید (۱۰.۳۰ یا ۱۰۳۰ هم پذیرفته است).",
    "incident_time_range": "ساعت باید بین ۰۰:۰۰ و ۲۳:۵۹ باشد.",
    "incident_day_invalid": "روز رخداد را از فهرست انتخاب کنید.",
    "review_accept_needs": "برای پذیرش، واحد مسئول و دستور اقدام (دست‌کم ۳ نویسه) لازم است.",
    "review_reject_needs": "برای «خارج از حیطه»، بنویسید شهروند به کجا مراجعه کند (دست‌کم ۳ نویسه).",
    "timezone_required": "زمان باید منطقه زمانی داشته باشد (مثل ‎+03:30).",
    "moment_out_of_range": "این تاریخ یا زمان خارج از بازه پذیرفتنی است.",
}


def refusal(kind: str, english: str) -> PydanticCustomError:
    """The error a validator raises for a reason of its own; `kind` must have its Persian in REFUSALS_FA."""
    assert kind in REFUSALS_FA, kind
    return PydanticCustomError(kind, english)


def _n(value: Any) -> str:
    return persian_digits(str(value))


def _length_fa(error: dict[str, Any], *, least: bool) -> str:
    ctx = error.get("ctx") or {}
    limit = ctx.get("min_length" if least else "max_length")
    text = isinstance(error.get("input"), str) or error["type"].startswith("string_")
    unit = "نویسه" if text else "مورد"
    if least:
        if text and error.get("input") == "" and limit != 1:
            return f"این بخش را خالی نگذارید؛ دست‌کم {_n(limit)} نویسه بنویسید."
        if limit == 1:
            return "این بخش را خالی نگذارید." if text else "دست‌کم یک مورد لازم است."
        return f"دست‌کم {_n(limit)} {unit} بنویسید." if text else f"دست‌کم {_n(limit)} {unit} لازم است."
    typed = f" (اکنون {_n(len(error['input']))})" if text and isinstance(error.get("input"), str) else ""
    return f"حداکثر {_n(limit)} {unit} مجاز است{typed}."


def _choices(error: dict[str, Any]) -> str:
    return "یکی از گزینه‌ها را انتخاب کنید."


def reason_fa(error: dict[str, Any]) -> str:
    """The Persian reason for one pydantic error (an item of ValidationError.errors())."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in REFUSALS_FA:
        return REFUSALS_FA[kind]
    if kind == "missing":
        return "این بخش لازم است."
    if kind in ("string_too_short", "too_short"):
        return _length_fa(error, least=True)
    if kind in ("string_too_long", "too_long"):
        return _length_fa(error, least=False)
    if kind in ("enum", "literal_error"):
        return _choices(error)
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        return "یک عدد بنویسید."
    if kind in ("bool_parsing", "bool_type"):
        return "یکی از گزینه‌ها (بله یا نه) را انتخاب کنید."
    if kind == "greater_than_equal":
        return f"دست‌کم {_n(ctx.get('ge'))} باشد."
    if kind == "less_than_equal":
        return f"حداکثر {_n(ctx.get('le'))} باشد."
    if kind == "greater_than":
        return f"بیشتر از {_n(ctx.get('gt'))} باشد."
    if kind == "less_than":
        return f"کمتر از {_n(ctx.get('lt'))} باشد."
    if kind.startswith(("datetime_", "date_", "time_")) or kind == "timezone_aware":
        return "تاریخ و ساعت را به شکل ‎2026-03-21T10:30:00+03:30 بفرستید."
    if kind == "string_pattern_mismatch":
        return "شکل این مقدار درست نیست."
    if kind in ("string_type", "model_type", "model_attributes_type", "dict_type", "list_type"):
        return "نوع این مقدار نادرست است."
    if kind == "extra_forbidden":
        return "این بخش پذیرفته نیست."
    if kind == "json_invalid":
        return "بدنه درخواست JSON درست نیست."
    if kind == "uuid_parsing" or kind == "uuid_type":
        return "شناسه باید UUID باشد."
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if any("\u0600" <= ch <= "\u06ff" for ch in message):
        return message
    return "مقدار این بخش پذیرفتنی نیست."


def reason_en(error: dict[str, Any]) -> str:
    """pydantic's English message, except that a length on text counts characters, not "items"."""
    message = str(error.get("msg", ""))
    kind = str(error.get("type", ""))
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        ctx = error.get("ctx") or {}
        if kind == "too_short":
            return f"should have at least {ctx.get('min_length')} characters"
        return f"should have at most {ctx.get('max_length')} characters"
    return message
