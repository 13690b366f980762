"""What a citizen or an operator files; validated here, at the edge, and never again in the workflow."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from schemas.enums import CaseStatus, Channel, ContactKind, Indicator, Step
from schemas.moments import to_utc
from schemas.reasons import refusal
from schemas.referral import ReferralTarget
from schemas.text import MobileNumber, NationalCode, PersianText

CLOCK_SKEW = timedelta(minutes=5)


class ComplaintIntake(BaseModel):
    national_code: NationalCode = Field(description="کد ملی, ten digits with its check digit")
    mobile: MobileNumber = Field(description="09xxxxxxxxx; +98, 0098 and Persian/Arabic digits accepted")
    full_name: Annotated[PersianText, Field(min_length=2, max_length=100)]
    channel: Channel
    indicator: Indicator = Field(description="One of the eight indicators, 1..8")
    unit_id: str = Field(min_length=1, max_length=64, description="The office the complaint is about")
    description: Annotated[PersianText, Field(min_length=10, max_length=2000)]
    incident_at: datetime = Field(description="When it happened; ISO 8601 with a zone")
    employee_name: Annotated[PersianText, Field(max_length=100)] | None = Field(
        default=None, description="The employee involved, if the citizen names one"
    )
    contact: ContactKind = Field(
        default=ContactKind.COMPLAINT,
        description="Triage: a complaint starts the 3-hour case; a request or suggestion is forwarded to the agency's "
        "senior coordinator as information; out of scope is referred to `referral_target_id`",
    )
    referral_target_id: str | None = Field(
        default=None, max_length=32, description="From GET /referral-targets; required when out of scope"
    )
    caller_code: str | None = Field(
        default=None,
        pattern=r"^[0-9۰-۹٠-٩]{6}$",
        description="Operator filings: the one-time code the caller read back (sent by POST /citizen/otp); "
        "without it the filing is marked unverified",
    )

    @field_validator("incident_at")
    @classmethod
    def _incident_in_past(cls, value: datetime) -> datetime:
        value = to_utc(value)
        if value > datetime.now(UTC) + CLOCK_SKEW:
            raise refusal("incident_in_future", "incident time is in the future")
        if value < datetime.now(UTC) - timedelta(days=30):
            raise refusal("incident_too_old", "incident is more than 30 days old")
        return value


class IntakeReceipt(BaseModel):
    tracking_code: str
    status: CaseStatus
    step: Step
    due_at: datetime = Field(description="For a contact that is not a complaint: its registration (no deadline)")
    referral: ReferralTarget | None = Field(default=None, description="Where an out-of-scope contact was referred")
