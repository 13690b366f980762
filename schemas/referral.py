"""The referral registry: where a contact FOAD does not handle goes instead, with a phone or an address."""

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from schemas.text import PersianText

TargetId = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class ReferralTarget(BaseModel):
    """One entry, as the workflow and the SMS carry it (a copy taken when the case was referred)."""

    id: str
    name_fa: str
    phone: str | None = None
    address_fa: str | None = None
    handles_fa: str = Field(default="", description="What belongs there, in a sentence, for the forms' help text")


class ReferralTargetIn(BaseModel):
    """What the centre admin sends to add or change an entry (its id is in the path)."""

    name_fa: Annotated[PersianText, Field(min_length=2, max_length=200)]
    phone: Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[0-9۰-۹+\- ]+$")] | None = None
    address_fa: Annotated[PersianText, Field(min_length=3, max_length=300)] | None = None
    handles_fa: Annotated[PersianText, Field(max_length=300)] = ""
    active: bool = True

    @model_validator(mode="after")
    def _reachable(self) -> "ReferralTargetIn":
        if not (self.phone or self.address_fa):
            raise ValueError("a referral target needs a phone number or an address")
        return self


class ReferralTargetOut(ReferralTarget):
    active: bool
