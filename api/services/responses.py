"""What the JSON API answers; built from read-model rows or the workflow's state, never the rows themselves."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.services.deadline import DeadlineOut
from database.models import Case, CaseEventRow, Task
from schemas.case import CaseState
from schemas.enums import CaseStatus, Level, Step


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- public -----------------------------------------------------------------------------------


class PublicEvent(BaseModel):
    kind: str
    at: datetime


class PublicStatus(BaseModel):
    """A case as its citizen may see it: no personal data, no staff names, no free-text notes but the result."""

    tracking_code: str
    status: CaseStatus
    status_fa: str
    step: Step
    step_number: int
    step_fa: str
    level: Level | None
    level_fa: str | None
    registered_at: datetime
    due_at: datetime
    breached: bool
    result_note: str | None = None
    referral_note: str | None = None
    feedback_due: bool
    paused: bool = Field(default=False, description="The clock is stopped, waiting for the citizen's answer")
    deadline_fa: list[str] = Field(default_factory=list, description="How the deadline was computed, in Persian")
    timeline: list[PublicEvent]


class Accepted(BaseModel):
    tracking_code: str
    accepted: bool = True
    message: str
    message_fa: str


# --- staff ------------------------------------------------------------------------------------


class CaseSummary(_Out):
    tracking_code: str
    agency_id: str
    office_unit_id: str
    province_code: str
    county_code: str
    indicator: int
    channel: str
    status: str
    step: str
    level: str | None
    unit_id: str | None
    registered_at: datetime
    due_at: datetime
    breached: bool
    escalations: int
    reopened: bool
    closed_at: datetime | None
    sla_mode: str
    paused_since: datetime | None
    contact_kind: str = Field(default="complaint", description="Triage at intake: complaint, request, suggestion, ...")
    referral_target_id: str | None = None
    identity: str | None = Field(
        default=None, description="How the mobile was proved (citizen_otp, operator_otp, open311_verified, unverified)"
    )
    national_code_mismatch: bool = Field(default=False, description="Another national code was filed from this mobile")
    client_app: str | None = Field(default=None, description="The Open311 client app that filed it")


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class CitizenOut(BaseModel):
    national_code: str
    mobile: str
    full_name: str
    masked: bool
    erased: bool = False  # the case's personal data was erased (archive.erasure): the fields above are blank


class TaskOut(_Out):
    task_id: str
    tracking_code: str
    kind: str
    status: str
    agency_id: str
    unit_id: str | None
    level: str | None
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    outcome: str | None
    note: str | None
    assignee: str | None = None
    holder: str | None = Field(default=None, description="The unit coordinator who claimed the task")
    arrived_at: datetime | None = None
    escalated_at: datetime | None = None


class InboxItem(TaskOut):
    indicator: int
    office_unit_id: str
    case_status: str
    breached: bool
    identity: str | None = Field(default=None, description="How the caller's mobile was proved; `unverified` is marked")


class EventOut(_Out):
    seq: int
    kind: str
    at: datetime
    step: str
    actor_username: str
    actor_role: str
    level: str | None
    unit_id: str | None
    task_id: str | None
    note: str | None
    data: dict[str, Any]


class CaseDetail(CaseSummary):
    citizen: CitizenOut
    description: str
    employee_name: str | None
    incident_at: datetime
    filed_by: str
    breached_at: datetime | None
    action_order: str | None
    referral_note: str | None
    outcome: str | None
    outcome_note: str | None
    result_note: str | None
    result_approved_at: datetime | None
    satisfied: bool | None
    rating: int | None
    last_seq: int
    tasks: list[TaskOut]
    events: list[EventOut]
    deadline: DeadlineOut | None = Field(default=None, description="How due_at was computed")
    live: CaseState | None = Field(default=None, description="The workflow's own state, when the engine answered")
    live_error: str | None = None


class ActionResult(BaseModel):
    """The case right after an action, from the workflow's answer (the read model catches up shortly)."""

    tracking_code: str
    status: CaseStatus
    status_fa: str
    step: Step
    level: Level | None
    unit_id: str | None
    current_task_id: str | None
    due_at: datetime
    breached: bool
    escalations: int
    paused: bool = False

    @classmethod
    def of(cls, state: CaseState) -> "ActionResult":
        return cls(
            tracking_code=state.tracking_code,
            status=state.status,
            status_fa=state.status.label_fa,
            step=state.step,
            level=state.level,
            unit_id=state.unit.id if state.unit else None,
            current_task_id=state.current_task_id,
            due_at=state.due_at,
            breached=state.breached,
            escalations=state.escalations,
            paused=state.open_pause is not None,
        )


def task_out(task: Task) -> TaskOut:
    return TaskOut.model_validate(task)


def event_out(event: CaseEventRow) -> EventOut:
    return EventOut.model_validate(event)


def case_summary(case: Case) -> CaseSummary:
    return CaseSummary.model_validate(case)
