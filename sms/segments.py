"""How many SMS segments a text costs, and how to shorten a text deliberately to a segment budget.

Persian needs UCS-2: 70 UTF-16 code units fit one SMS; a concatenated message spends 3 units of each part
on its header, so each part carries 67. Plain GSM-7 text fits 160 (153 per part), its extension characters
(such as `{` or `€`) costing two septets. The gateways bill by segment, and a handset shows a message split
past its limit as several, so every template is budgeted (sms.sender.SEGMENT_BUDGETS).
"""

from dataclasses import dataclass

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("^{}\\[~]|€\f")
ELLIPSIS = "…"


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def single_limit(self) -> int:
        return 160 if self.encoding == "gsm7" else 70


def _limits(encoding: str) -> tuple[int, int]:
    return (160, 153) if encoding == "gsm7" else (70, 67)


def count(text: str) -> SegmentCount:
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        encoding, units = "gsm7", sum(2 if c in _GSM7_EXTENSION else 1 for c in text)
    else:
        encoding, units = "ucs2", len(text.encode("utf-16-le")) // 2
    single, part = _limits(encoding)
    segments = 1 if units <= single else -(-units // part)
    return SegmentCount(encoding=encoding, units=units, segments=segments)


def capacity(encoding: str, segments: int) -> int:
    """The units `segments` parts can carry."""
    single, part = _limits(encoding)
    return single if segments == 1 else part * segments


def shorten(value: str, *, by_units: int) -> str:
    """`value` cut by at least `by_units` UTF-16 units, at a word boundary when one is near, marked with …."""
    if by_units <= 0:
        return value
    keep = len(value) - by_units - len(ELLIPSIS)
    if keep <= 0:
        return ELLIPSIS
    cut = value[:keep]
    space = cut.rfind(" ")
    if space >= keep * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ،,.؛") + ELLIPSIS
