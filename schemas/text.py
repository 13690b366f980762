"""Normalisation and validation of what Iranians type: digits in three scripts, Arabic letters, IDs."""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_SPACES = re.compile(r"[ \t\u00a0]+")


def latin_digits(value: str) -> str:
    return value.translate(_DIGITS)


def persian_digits(value: object) -> str:
    return str(value).translate(_PERSIAN_DIGITS)


def normalize_text(value: str) -> str:
    """Persian letters for Arabic ي/ك, Latin digits kept as typed, runs of spaces folded."""
    value = value.translate(_ARABIC_LETTERS)
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
        raise ValueError("کد ملی معتبر نیست (ده رقم با رقم کنترل درست)")
    return code


def _mobile(value: str) -> str:
    number = re.sub(r"[\s\-()]", "", latin_digits(str(value)))
    for prefix in ("+98", "0098", "98"):
        if number.startswith(prefix) and len(number) == len(prefix) + 10:
            number = "0" + number[len(prefix):]
            break
    if len(number) == 10 and number.startswith("9"):
        number = "0" + number
    if not re.fullmatch(r"09\d{9}", number):
        raise ValueError("شماره همراه باید به شکل ۰۹xxxxxxxxx باشد")
    return number


NationalCode = Annotated[str, BeforeValidator(_national_code)]
MobileNumber = Annotated[str, BeforeValidator(_mobile)]
PersianText = Annotated[str, AfterValidator(normalize_text)]
"""Free text with Arabic letters folded to Persian; length bounds go on the field."""


def mask_national_code(code: str) -> str:
    return code[:3] + "****" + code[-3:] if len(code) == 10 else "***"


def mask_mobile(number: str) -> str:
    return number[:4] + "***" + number[-4:] if len(number) == 11 else "***"
