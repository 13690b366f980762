"""Points in time as clients send them: with a zone, and within what Python's datetime can hold in UTC.

`datetime.fromisoformat("0001-01-01T00:00:00+14:00")` parses, but moving it to UTC overflows, and a naive
time cannot be compared with the read model's UTC columns; both used to surface as a 500.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

from schemas.reasons import refusal


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise refusal("timezone_required", "needs a time zone (e.g. 2026-03-21T10:00:00+03:30)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise refusal("moment_out_of_range", "out of range") from None


UtcDateTime = Annotated[datetime, AfterValidator(to_utc)]
"""An aware datetime, given back in UTC; a naive or out-of-range one is a validation error."""
