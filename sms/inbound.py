"""Messages citizens send to the SMS line, as the gateways' receive callbacks deliver them, and what a reply says.

Kavenegar calls the URL set in its panel with `from`, `to`, `message` and `messageid` (a GET's query string or a
POST's form). The generic gateway POSTs JSON or a form with `from`, `text` and, if it has one, `message_id`.
Either way a message is one `InboundSms`; `rating` reads a reply of a single digit 1 to 5, in Latin, Persian or
Arabic-Indic digits, as feedback on a result.
"""

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

from schemas.text import MobileNumber, latin_digits, strip_invisible


class InboundSms(BaseModel):
    mobile: MobileNumber = Field(description="The sender's mobile, as 09xxxxxxxxx")
    text: str = Field(default="", max_length=2000, description="What the citizen wrote")
    message_id: str | None = Field(default=None, max_length=64, description="The gateway's id of the message")


# Each gateway's field names for the sender, the text and the message id (the generic gateway's are FOAD's own).
FIELDS: dict[str, tuple[str, str, str]] = {
    "kavenegar": ("from", "message", "messageid"),
    "generic": ("from", "text", "message_id"),
}


def parse(gateway: str, params: Mapping[str, object]) -> InboundSms:
    """The message a gateway's callback carries; raises pydantic.ValidationError (field `mobile`, `text`, ...)."""
    sender, text, message_id = FIELDS[gateway]
    return InboundSms(
        mobile=str(params.get(sender) or ""),
        text=str(params.get(text) or ""),
        message_id=str(params[message_id]) if params.get(message_id) not in (None, "") else None,
    )


_SPACE = re.compile(r"\s+")


def rating(text: str) -> int | None:
    """The rating a reply gives (1 to 5), or None if the reply is anything but that one digit.

    Spaces, direction marks and a final full stop around the digit are allowed: "۴", " 4 ", "٤." all give 4."""
    cleaned = _SPACE.sub("", latin_digits(strip_invisible(text))).rstrip(".۔")
    return int(cleaned) if re.fullmatch(r"[1-5]", cleaned) else None


def satisfied(score: int) -> bool:
    """A digit's meaning, as the result SMS words it: 1 and 2 say not satisfied (the case reopens), 3 to 5 satisfied."""
    return score >= 3
