"""Hotspot reviews: a finding (a unit or agency over its threshold), the review's state and its decision."""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.case import Actor


class HotspotScope(StrEnum):
    UNIT = "unit"
    AGENCY = "agency"


class HotspotStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class HotspotDecision(StrEnum):
    PROCESS_REFORM = "process_reform"
    INSPECTION = "inspection"
    NO_ACTION = "no_action"

    @property
    def label_fa(self) -> str:
        return DECISION_LABELS_FA[self]


DECISION_LABELS_FA = {
    HotspotDecision.PROCESS_REFORM: "اصلاح فرایند",
    HotspotDecision.INSPECTION: "بازرسی",
    HotspotDecision.NO_ACTION: "اقدامی لازم نیست",
}


class HotspotRule(BaseModel):
    """When a subject is a hotspot: at least `min_complaints` in the window AND at least `relative_factor`
    times its own mean per window over the `history_windows` windows before it."""

    window_days: int = Field(default=30, gt=0)
    min_complaints: int = Field(default=10, gt=0)
    relative_factor: float = Field(default=2.0, ge=0)
    history_windows: int = Field(default=6, gt=0)


class HotspotFinding(BaseModel):
    scope: HotspotScope
    subject_id: str
    agency_id: str
    window_start: datetime
    window_end: datetime
    complaints: int
    baseline: float = Field(description="Mean complaints per window over the subject's own history")
    top_indicator: int | None = Field(default=None, description="The indicator repeated most in the window")
    top_indicator_count: int = 0

    @property
    def review_id(self) -> str:
        """One review per subject and window: the scan may run twice a day and open it once."""
        return f"hotspot-{self.scope.value}-{self.subject_id}-{self.window_end:%Y%m%d}"


class HotspotOpen(BaseModel):
    """The review workflow's input."""

    review_id: str
    finding: HotspotFinding
    review_period: timedelta = Field(description="The working group's deadline for a decision")


class HotspotDecisionInput(BaseModel):
    actor: Actor
    decision: HotspotDecision
    note: str = Field(min_length=3, max_length=4000, description="Why: kept on record with the decision")
    followup_period: timedelta | None = Field(
        default=None, description="A process reform's follow-up window; none: the reform is not followed up"
    )


class ReformFollowup(BaseModel):
    """A process reform's follow-up: the owner (the agency) has until `due_at`; at the deadline the scope's
    complaints in the window after the decision are compared with those in a window as long before it."""

    round: int = Field(ge=1, description="1 for the first reform of the review, 2 after a reopening, ...")
    owner_agency_id: str
    decided_by: str
    decision_note: str
    decided_at: datetime
    due_at: datetime
    checked_at: datetime | None = None
    complaints_before: int | None = None
    complaints_after: int | None = None
    fell: bool | None = Field(default=None, description="Complaints after < before; false reopens the review")


class HotspotDecisionRequest(BaseModel):
    """What the API takes: the actor is the caller."""

    decision: HotspotDecision
    note: str = Field(min_length=3, max_length=4000)


class HotspotState(BaseModel):
    review_id: str
    finding: HotspotFinding
    status: HotspotStatus
    opened_at: datetime
    due_at: datetime
    overdue: bool = False
    decision: HotspotDecision | None = None
    decision_note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    followups: list[ReformFollowup] = Field(default_factory=list, description="Every reform follow-up, in order")


class FollowupCheck(BaseModel):
    """The follow-up check's input: whose complaints, and the follow-up to measure."""

    scope: HotspotScope
    subject_id: str
    followup: ReformFollowup


class ScanInput(BaseModel):
    """`now` is the scan's moment; a schedule leaves it empty and the workflow's clock is used."""

    now: datetime | None = None


class ScanResult(BaseModel):
    found: int
    opened: list[str]


class CompileInput(BaseModel):
    now: datetime | None = None
