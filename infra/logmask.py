"""National codes and mobile numbers masked wherever text leaves the process: log records and error bodies.

A log line or an error message may quote what a citizen typed. `mask_personal_data` finds every ten-digit
run (a national code, valid or not, or a mobile without its 0) and every Iranian mobile (09…, +98…, 0098…,
98…, with spaces or dashes between the groups), in Latin, Persian or Arabic digits, and replaces it with
the masks of `schemas.text`. Longer digit runs, such as the eleven-digit tracking codes, are left alone.

`install()` masks every log record of the process. It wraps the log-record factory rather than adding a
filter to a logger: a logger's filter never sees records propagated up from its children, and a handler's
filter misses handlers that uvicorn or Temporal add later; the factory sees every record once, at birth.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from schemas.text import latin_digits, mask_mobile, mask_national_code

_D = "[0-9۰-۹٠-٩]"
_0, _8, _9 = "[0۰٠]", "[8۸٨]", "[9۹٩]"
_SEP = r"[ \-]?"
_MOBILE = re.compile(
    rf"(?<!{_D})(?:(?:\+|{_0}{_0})?{_9}{_8}{_SEP}|{_0})?{_9}{_D}{{2}}{_SEP}{_D}{{3}}{_SEP}{_D}{{4}}(?!{_D})"
)
_NATIONAL_CODE = re.compile(rf"(?<!{_D}){_D}{{3}}-?{_D}{{6}}-?{_D}(?!{_D})")


def _masked_mobile(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", latin_digits(match.group()))
    return mask_mobile("0" + digits[-10:])


def _masked_national_code(match: re.Match[str]) -> str:
    return mask_national_code(re.sub(r"\D", "", latin_digits(match.group())))


def mask_personal_data(text: str) -> str:
    """The text with every mobile number and national code in it masked."""
    text = _MOBILE.sub(_masked_mobile, text)
    return _NATIONAL_CODE.sub(_masked_national_code, text)


def mask_value(value: Any) -> Any:
    """Strings masked inside any JSON-like structure (dicts, lists, tuples); other values as they are."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(v) for v in value)
    return value


class MaskingFilter(logging.Filter):
    """Masks a record's message, args, exception text and stack in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class _MaskedObject:
    """Stands in for an arg whose str() or repr() would show personal data, for %s and %r alike."""

    def __init__(self, value: object) -> None:
        self._str = mask_personal_data(str(value))
        self._repr = mask_personal_data(repr(value))

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _mask_arg(value: object) -> object:
    """The arg masked, keeping its type where formatting depends on it (%d wants a number, uvicorn's
    access formatter unpacks its args), so a record formats exactly as before, only masked."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        return value if mask_personal_data(str(value)) == str(value) else _MaskedObject(value)
    text, shown = str(value), repr(value)
    if mask_personal_data(text) == text and mask_personal_data(shown) == shown:
        return value
    return _MaskedObject(value)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_foad_masked", False):
        return record
    original_msg, original_args = record.msg, record.args
    if isinstance(record.msg, str):
        record.msg = mask_personal_data(record.msg)
    elif record.msg is not None:
        record.msg = _mask_arg(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _mask_arg(v) for k, v in record.args.items()}
    try:
        record.getMessage()
    except (TypeError, ValueError):  # e.g. %d given a number that is a mobile: render first, then mask
        record.msg, record.args = original_msg, original_args
        try:
            record.msg = mask_personal_data(record.getMessage())
        except (TypeError, ValueError):
            record.msg = mask_personal_data(f"{original_msg!r} % {original_args!r}")
        record.args = ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)
    record._foad_masked = True
    return record


_installed: Callable[..., logging.LogRecord] | None = None


def install() -> None:
    """Mask every log record this process creates from now on (idempotent)."""
    global _installed
    if _installed is not None:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(make_record(*args, **kwargs))

    _installed = masked_record
    logging.setLogRecordFactory(masked_record)
