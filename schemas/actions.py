"""Payloads of the workflow's updates and signals, and the API bodies they are built from.

An API body is what a person sends; the workflow input adds who sent it (the actor) and, for an
action order, the unit chain the API resolved from reference data, so the workflow does no I/O.
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from schemas.case import Actor, UnitRef
from schemas.enums import HandlingOutcome, ReviewDecision
from schemas.reasons import refusal
from schemas.referral import ReferralTarget
from schemas.text import PersianText

Note = Annotated[PersianText, Field(min_length=3, max_length=2000)]


class ReviewRequest(BaseModel):
    decision: ReviewDecision
    action_order: Note | None = Field(default=None, description="What the unit must do (accept)")
    unit_id: str | None = Field(default=None, description="The unit that must act (accept)")
    referral_note: Note | None = Field(default=None, description="Where the citizen should go instead (reject)")
    inspector: str | None = Field(
        default=None, max_length=64, description="Username of an inspector ordered to inspect on site (accept)"
    )
    referral_target_id: str | None = Field(
        default=None, max_length=32, description="Where the citizen is referred, from the referral registry (reject)"
    )

    @model_validator(mode="after")
    def _decision_fields(self) -> "ReviewRequest":
        if self.decision is ReviewDecision.ACCEPT and not (self.action_order and self.unit_id):
            raise refusal("review_accept_needs", "accepting needs action_order and unit_id")
        if self.decision is ReviewDecision.REJECT and not self.referral_note:
            raise refusal("review_reject_needs", "rejecting as out of scope needs referral_note")
        return self


class ReviewInput(BaseModel):
    actor: Actor
    decision: ReviewDecision
    action_order: str | None = None
    chain: list[UnitRef] = Field(default_factory=list, description="Ordered unit, then its ancestors upward")
    referral_note: str | None = None
    inspector: str | None = None
    referral_target: ReferralTarget | None = Field(default=None, description="Resolved by the API from the registry")


class CompleteTaskRequest(BaseModel):
    outcome: HandlingOutcome
    note: Note


class CompleteTaskInput(BaseModel):
    actor: Actor
    task_id: str
    outcome: HandlingOutcome
    note: str


class ApproveRequest(BaseModel):
    result_note: Note = Field(description="The result as the citizen will read it")
    outcome: HandlingOutcome = Field(description="How the case ended, from the closed list")


class ApproveInput(BaseModel):
    actor: Actor
    result_note: str
    outcome: HandlingOutcome | None = Field(default=None, description="None in histories from before outcomes")


class ReasonRequest(BaseModel):
    reason: Note


class SendBackInput(BaseModel):
    actor: Actor
    reason: str


class CloseInput(BaseModel):
    actor: Actor
    reason: str


class EscalateRequest(ReasonRequest):
    task_id: str | None = Field(
        default=None,
        max_length=64,
        description="The handling task the caller saw. Send it: a press on an out-of-date view is then refused "
        "with the reason (409), and a retry of the same press escalates once",
    )


class EscalateInput(BaseModel):
    actor: Actor
    reason: str
    from_task_id: str | None = Field(default=None, description="The task the caller saw; a stale escalation is ignored")


class FeedbackRequest(BaseModel):
    satisfied: bool
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[PersianText, Field(max_length=1000)] | None = None


class FeedbackInput(BaseModel):
    satisfied: bool
    rating: int
    comment: str | None = None


class InformationRequest(BaseModel):
    what_is_needed: Annotated[PersianText, Field(min_length=3, max_length=300)] = Field(
        description="What the citizen must send; it goes to the citizen by SMS"
    )


class InformationRequestInput(BaseModel):
    actor: Actor
    reason: str


class CitizenReplyRequest(BaseModel):
    answer: Annotated[PersianText, Field(min_length=1, max_length=2000)]


class CitizenReplyInput(BaseModel):
    answer: str


class CalendarChangedInput(BaseModel):
    reason: str = Field(description="What changed: a declared closure, an office's hours")


class ClaimRequest(BaseModel):
    task_id: str = Field(max_length=64, description="The handling task to claim or release: the case's open one")


class ReassignRequest(ClaimRequest):
    to_username: str = Field(max_length=64, description="An active coordinator of the task's unit")


class ClaimInput(BaseModel):
    actor: Actor
    task_id: str


class ReassignInput(BaseModel):
    actor: Actor
    task_id: str
    to_username: str


class OrderInspectionRequest(BaseModel):
    inspector: str = Field(max_length=64, description="Username of the inspector who must visit the office")
    what_to_inspect: Note = Field(description="What the inspector must look at on site")


class OrderInspectionInput(BaseModel):
    actor: Actor
    inspector: str
    note: str


class RecordInspectionRequest(BaseModel):
    arrived_at: datetime = Field(description="When the inspector arrived at the office (with a time zone)")
    findings: Note = Field(description="What the inspector found on site")
    outcome: HandlingOutcome


class RecordInspectionInput(BaseModel):
    actor: Actor
    task_id: str
    arrived_at: datetime
    findings: str
    outcome: HandlingOutcome
