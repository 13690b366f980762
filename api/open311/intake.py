"""POST requests: an Open311 form becomes a ComplaintIntake and is filed exactly as the JSON API files it.

Field mapping: service_code -> indicator; attribute[unit_id] (or address_id) -> the office; phone -> mobile;
first_name + last_name -> full_name; attribute[national_code], attribute[incident_at],
attribute[employee_name]; description. email, device_id, account_id, media_url, lat/long and address_string
are accepted and ignored: the office, not a point on a map, is where a FOAD complaint happens.
"""

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from api.edge.errors import ApiError
from api.open311.formats import Open311Error
from api.services.filing import request_hash
from schemas.enums import Channel
from schemas.intake import ComplaintIntake

# The intake field each Open311 parameter fills, to name the caller's own parameter in an error.
PARAMETER_OF = {
    "indicator": "service_code",
    "unit_id": "attribute[unit_id]",
    "national_code": "attribute[national_code]",
    "incident_at": "attribute[incident_at]",
    "employee_name": "attribute[employee_name]",
    "mobile": "phone",
    "full_name": "first_name/last_name",
    "description": "description",
}
_KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")


def _parameter(loc: tuple) -> str:
    """The Open311 parameter a validation error is about, in the spec's name where it has one."""
    return PARAMETER_OF.get(str(loc[0]), str(loc[0])) if loc else "request"


def _reason(message: str) -> str:
    return message.removeprefix("Value error, ")


def intake_from_form(form: FormData) -> ComplaintIntake:
    """The validated intake; a 400 naming every bad parameter otherwise."""
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if isinstance(p, str) and p.strip())
    raw: dict[str, Any] = {
        "indicator": form.get("service_code"),
        "unit_id": form.get("attribute[unit_id]") or form.get("address_id"),
        "national_code": form.get("attribute[national_code]"),
        "incident_at": form.get("attribute[incident_at]"),
        "employee_name": form.get("attribute[employee_name]") or None,
        "mobile": form.get("phone"),
        "full_name": name or None,
        "description": form.get("description"),
        "channel": Channel.APP,
    }
    try:
        return ComplaintIntake.model_validate(raw)
    except ValidationError as exc:
        raise Open311Error(
            "invalid service request",
            status_code=400,
            details=[f"{_parameter(e['loc'])}: {_reason(e['msg'])}" for e in exc.errors()],
        ) from None


def idempotency_key(client_id: str, header: str | None, intake: ComplaintIntake) -> str:
    """The client's Idempotency-Key if it sent one; otherwise the complaint itself: the same complaint posted
    twice by the same app (a retry after a lost answer) is one case."""
    if header is not None:
        if not _KEY.fullmatch(header):
            raise Open311Error("Idempotency-Key: 8 to 64 of A-Z a-z 0-9 . _ : -", status_code=400)
        return f"open311:{client_id}:{header}"
    return f"open311:{client_id}:auto-{request_hash(intake)[:40]}"


def spec_errors(err: ApiError) -> tuple[int, list[str]]:
    """An ApiError from the shared filing path as the spec's status and error descriptions: a 422 about a
    field is the spec's 400, naming the Open311 parameter."""
    if isinstance(err, Open311Error) and isinstance(err.details, list):
        return err.status_code, [str(d) for d in err.details]
    if err.status_code == 422 and isinstance(err.details, list):
        lines = []
        for detail in err.details:
            field = str(detail.get("loc", ["", ""])[-1])
            lines.append(f"{PARAMETER_OF.get(field, field)}: {detail.get('message_fa') or detail.get('reason')}")
        return 400, lines
    return err.status_code, [err.message if not err.message_fa else f"{err.message} ({err.message_fa})"]
