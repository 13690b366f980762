"""Tracking codes: eleven digits, ten random and a Luhn check digit, so a mistyped code is caught at once."""

import re
import secrets

from schemas.text import latin_digits

LENGTH = 11


def _luhn_check_digit(payload: str) -> int:
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def new_tracking_code() -> str:
    payload = str(secrets.randbelow(9 * 10**9) + 10**9)  # ten digits, never a leading zero
    return payload + str(_luhn_check_digit(payload))


def normalize_tracking_code(value: str) -> str:
    return re.sub(r"[\s\-]", "", latin_digits(value))


def is_valid_tracking_code(value: str) -> bool:
    code = normalize_tracking_code(value)
    if not re.fullmatch(rf"\d{{{LENGTH}}}", code):
        return False
    return _luhn_check_digit(code[:-1]) == int(code[-1])
