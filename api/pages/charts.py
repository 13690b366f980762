"""Bar charts that fit any screen: each bar is a line of text (its label, which wraps between words, and its
count) over a small SVG bar scaled to the largest, drawn from the right as Persian reads. No fixed width, no
script, no inline style (the bar's length is an SVG attribute), so they run under the strict CSP. Also the
figures' Persian wording (numbers, shares), for the report and dashboard templates."""

from dataclasses import dataclass

from timekeeping.persian import persian_number


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float  # of the largest bar: the SVG bar's length out of 100


def bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _, count in rows), default=0) or 1
    return [Bar(label, count, round(100 * count / top, 1)) for label, count in rows]


def number_fa(value: object, digits: int | None = None) -> str:
    """A figure in Persian digits (a float to `digits` places); «—» for none."""
    if value is None:
        return "—"
    if isinstance(value, float) and digits is not None:
        value = f"{value:.{digits}f}"
    return persian_number(value)


def percent_fa(share: float | None) -> str:
    """A share (0..1) as ۶۶٫۷٪; «—» when there is nothing to share."""
    return "—" if share is None else persian_number(f"{share * 100:.1f}") + "٪"
