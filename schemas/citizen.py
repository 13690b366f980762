"""What a citizen sends and gets to prove a mobile number, and its own cases."""

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from schemas.enums import CaseStatus, Indicator, Step
from schemas.reasons import refusal
from schemas.text import MobileNumber, latin_digits


def _code(value: object) -> str:
    code = re.sub(r"\s", "", latin_digits(str(value)))
    if not re.fullmatch(r"\d{6}", code):
        raise refusal("otp_code_invalid", "the code has six digits")
    return code


OtpCode = Annotated[str, BeforeValidator(_code)]


class OtpRequest(BaseModel):
    mobile: MobileNumber


class OtpSent(BaseModel):
    expires_in: int = Field(description="Seconds the code stays valid")
    message_fa: str


class OtpVerify(BaseModel):
    mobile: MobileNumber
    code: OtpCode


class CitizenToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MyCase(BaseModel):
    """One of the citizen's own cases, in the list."""

    tracking_code: str
    status: CaseStatus
    status_fa: str
    step: Step
    indicator: Indicator
    indicator_fa: str
    office_name_fa: str
    registered_at: datetime
    due_at: datetime


class MyCaseDetail(MyCase):
    """The citizen's own case with what it wrote: shown only after the mobile was proved."""

    full_name: str
    description: str
    incident_at: datetime
    result_note: str | None
    feedback_due: bool
