"""Staff accounts as the centre admin manages them."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.text import MobileNumber, PersianText

Username = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", min_length=3, max_length=64)]
Password = Annotated[str, Field(min_length=12, max_length=128, description="At least 12 characters")]
StaffRole = Literal[
    "operator", "senior_coordinator", "unit_coordinator", "inspector", "auditor", "admin", "working_group"
]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    full_name: Annotated[PersianText, Field(min_length=2, max_length=200)]
    role: StaffRole
    agency_id: str | None = Field(default=None, description="Required for coordinators and inspectors")
    unit_ids: list[str] = Field(default_factory=list, description="The units a unit coordinator or inspector holds")
    password: Password | None = Field(default=None, description="Left out: one is generated and shown once")
    mobile: MobileNumber | None = Field(default=None, description="Where the staff notifications go by SMS")


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Password | None = Field(default=None, description="Left out: one is generated and shown once")


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    agency_id: str | None
    unit_ids: list[str]
    active: bool
    locked: bool
    mobile: str | None = None


class UserWithPassword(UserOut):
    """Answered once, when the admin did not choose the password itself."""

    password: str | None = None


class MobileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mobile: MobileNumber | None = Field(description="An Iranian mobile (09...); null removes it: no more SMS")
