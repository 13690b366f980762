"""Normalisation and validation of what Iranians type: digits in three scripts, Arabic letters, IDs."""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from schemas.reasons import refusal

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه"})
_SPACES = re.compile(r"[ \t\u00a0]+")
# Invisible characters that change how text displays or compares, none of which Persian needs: the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can make a note read backwards or
# hide what it says; the direction marks (LRM, RLM, ALM), dropped too because our pages set the direction
# themselves and a mark hidden inside a number defeats search and masking; C0/C1 controls but the newline
# (NUL breaks PostgreSQL text); the BOM; and lone surrogates, which no encoder accepts. ZWNJ (U+200C),
# which Persian spelling needs (می‌روم), and ZWJ are kept.
_INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
)


def latin_digits(value: str) -> str:
    return value.translate(_DIGITS)


def strip_invisible(value: str) -> str:
    """The text without bidi controls, direction marks and control characters (newlines and ZWNJ kept)."""
    return _INVISIBLE.sub("", value.replace("\t", " "))


def normalize_text(value: str) -> str:
    """Persian letters for Arabic ي/ك, invisible controls removed, digits kept as typed, runs of spaces folded."""
    value = strip_invisible(value).translate(_ARABIC_LETTERS)
    lines = [_SPACES.sub(" ", line).strip() for line in value.strip().splitlines()]
    return "\n".join(lines)


def is_valid_national_code(code: str) -> bool:
    """The Iranian national code (کد ملی): ten digits, the last a mod-11 check digit."""
    if not re.fullmatch(r"\d{10}", code) or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    check = int(code[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def _national_code(value: str) -> str:
    code = re.sub(r"[\s\-]", "", latin_digits(str(value)))
    if not is_valid_national_code(code):
        raise refusal("national_code_invalid", "not a valid national code (ten digits, the last a check digit)")
    return code


def _mobile(value: str) -> str:
    number = re.sub(r"[\s\-()]", "", latin_digits(str(value)))
    for prefix in ("+98", "0098", "98"):
        if number.startswith(prefix) and len(number) == len(prefix) + 10:
            number = "0" + number[len(prefix) :]
            break
    if len(number) == 10 and number.startswith("9"):
        number = "0" + number
    if not re.fullmatch(r"09\d{9}", number):
        raise refusal("mobile_invalid", "a mobile number is 09 and nine more digits")
    return number


NationalCode = Annotated[str, BeforeValidator(_national_code)]
MobileNumber = Annotated[str, BeforeValidator(_mobile)]
PersianText = Annotated[str, AfterValidator(normalize_text)]
"""Free text with Arabic letters folded to Persian; length bounds go on the field."""


def mask_national_code(code: str) -> str:
    return code[:3] + "****" + code[-3:] if len(code) == 10 else "***"


def mask_name(name: str) -> str:
    """A citizen's name for a viewer who may not know who complained (a unit coordinator, an inspector):
    nothing of it, not even initials, which in a small town are as good as the name."""
    return "***" if name else ""


def mask_mobile(number: str) -> str:
    return number[:4] + "***" + number[-4:] if len(number) == 11 else "***"
