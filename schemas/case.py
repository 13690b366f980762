"""The case as the workflow knows it: its start input, its tasks, its timeline and its whole state."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.clock import Deadline, Interval, SlaMode
from schemas.enums import (
    CaseStatus,
    Channel,
    ContactKind,
    EventKind,
    HandlingOutcome,
    IdentityCheck,
    Indicator,
    Level,
    Role,
    Step,
    TaskKind,
    TaskStatus,
)
from schemas.policy import Policy
from schemas.referral import ReferralTarget


class Actor(BaseModel):
    """Who did something: a staff user, the citizen, or the system (timers)."""

    username: str
    role: Role
    user_id: int | None = None
    full_name: str | None = None


SYSTEM = Actor(username="system", role=Role.SYSTEM)
CITIZEN = Actor(username="citizen", role=Role.CITIZEN)


class UnitRef(BaseModel):
    id: str
    name_fa: str
    level: Level


class Citizen(BaseModel):
    """Already validated at intake; plain strings here so workflow-side decoding runs no checks."""

    national_code: str
    mobile: str
    full_name: str


class CaseStart(BaseModel):
    """The workflow's input. Built by the API from a validated intake; carries no clock of its own."""

    tracking_code: str
    registered_at: datetime
    channel: Channel
    indicator: Indicator
    agency_id: str
    agency_name_fa: str
    office: UnitRef
    office_chain: list[UnitRef] = Field(description="The office's unit and its ancestors up to the national HQ")
    province_code: str
    county_code: str
    citizen: Citizen
    description: str
    incident_at: datetime
    employee_name: str | None = None
    filed_by: Actor
    policy: Policy
    contact: ContactKind = Field(default=ContactKind.COMPLAINT, description="Only a complaint starts the 3-hour case")
    referral: ReferralTarget | None = Field(default=None, description="Where an out-of-scope contact is referred")
    identity: IdentityCheck | None = Field(default=None, description="How the mobile was proved; None before it was")
    national_code_mismatch: bool = Field(
        default=False, description="An earlier filing from this mobile gave another national code"
    )
    client_app: str | None = Field(default=None, description="The Open311 client app that filed it")


class TaskInfo(BaseModel):
    task_id: str
    kind: TaskKind
    status: TaskStatus
    agency_id: str
    unit_id: str | None = None
    level: Level | None = None
    opened_at: datetime
    due_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: Actor | None = None
    outcome: HandlingOutcome | None = None
    note: str | None = None
    assignee: str | None = Field(default=None, description="The inspector ordered to inspect (handling tasks)")
    holder: str | None = Field(default=None, description="The unit coordinator who claimed the task (handling tasks)")
    arrived_at: datetime | None = Field(default=None, description="When the inspector arrived on site (inspections)")
    escalated_at: datetime | None = Field(
        default=None, description="When an inspection not done in time passed to the agency's senior coordinator"
    )


class CaseEvent(BaseModel):
    """One entry of the case's timeline; seq numbers events within the case, from 1."""

    seq: int
    kind: EventKind
    at: datetime
    step: Step
    actor: Actor
    level: Level | None = None
    unit_id: str | None = None
    task_id: str | None = None
    note: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Pause(BaseModel):
    """The clock stopped while the citizen is asked for information; on the record with its reason."""

    started_at: datetime
    reason: str = Field(description="What the citizen is asked for")
    requested_by: Actor
    reply_due_at: datetime
    ended_at: datetime | None = None
    ended_by: str | None = Field(default=None, description="'citizen' (answered) or 'reply_window' (no answer)")
    answer: str | None = None

    def interval(self) -> Interval | None:
        return Interval(start=self.started_at, end=self.ended_at) if self.ended_at else None


class Feedback(BaseModel):
    satisfied: bool
    rating: int
    comment: str | None = None
    at: datetime


class CaseState(BaseModel):
    """The whole picture of a case, as the `state` query answers it."""

    tracking_code: str
    agency_id: str
    status: CaseStatus
    step: Step
    registered_at: datetime
    due_at: datetime
    level: Level | None = None
    unit: UnitRef | None = None
    chain: list[UnitRef] = Field(default_factory=list)
    current_task_id: str | None = None
    action_order: str | None = None
    referral_note: str | None = None
    referral_target: ReferralTarget | None = None
    outcome: HandlingOutcome | None = None
    outcome_note: str | None = None
    result_note: str | None = None
    result_approved_at: datetime | None = None
    breached: bool = False
    breached_at: datetime | None = None
    reminders_sent: int = 0
    escalations: int = 0
    reopened: bool = False
    feedback: Feedback | None = None
    closed_at: datetime | None = None
    tasks: list[TaskInfo] = Field(default_factory=list)
    events: list[CaseEvent] = Field(default_factory=list)
    sla_mode: SlaMode = SlaMode.WALL_CLOCK
    deadline: Deadline | None = Field(default=None, description="How due_at was computed")
    task_deadline: Deadline | None = Field(default=None, description="How the current task's due time was computed")
    pauses: list[Pause] = Field(default_factory=list)
    max_information_requests: int = Field(
        default=2, description="Questions to the citizen this case's policy allows (the rule book reads it)"
    )

    @property
    def open_pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].ended_at is None else None

    def task(self, task_id: str) -> TaskInfo | None:
        return next((t for t in self.tasks if t.task_id == task_id), None)

    @property
    def current_task(self) -> TaskInfo | None:
        return self.task(self.current_task_id) if self.current_task_id else None


class CaseSnapshot(BaseModel):
    """The summary fields the read model keeps on the case row."""

    status: CaseStatus
    step: Step
    level: Level | None
    unit_id: str | None
    due_at: datetime
    breached: bool
    breached_at: datetime | None
    escalations: int
    reopened: bool
    action_order: str | None
    referral_note: str | None
    outcome: HandlingOutcome | None
    outcome_note: str | None
    result_note: str | None
    result_approved_at: datetime | None
    satisfied: bool | None
    rating: int | None
    closed_at: datetime | None
    sla_mode: SlaMode = SlaMode.WALL_CLOCK
    paused_since: datetime | None = None
    deadline: Deadline | None = None
    referral_target_id: str | None = None

    @classmethod
    def of(cls, state: CaseState) -> "CaseSnapshot":
        return cls(
            status=state.status,
            step=state.step,
            level=state.level,
            unit_id=state.unit.id if state.unit else None,
            due_at=state.due_at,
            breached=state.breached,
            breached_at=state.breached_at,
            escalations=state.escalations,
            reopened=state.reopened,
            action_order=state.action_order,
            referral_note=state.referral_note,
            outcome=state.outcome,
            outcome_note=state.outcome_note,
            result_note=state.result_note,
            result_approved_at=state.result_approved_at,
            satisfied=state.feedback.satisfied if state.feedback else None,
            rating=state.feedback.rating if state.feedback else None,
            closed_at=state.closed_at,
            sla_mode=state.sla_mode,
            paused_since=state.open_pause.started_at if state.open_pause else None,
            deadline=state.deadline,
            referral_target_id=state.referral_target.id if state.referral_target else None,
        )


class Transition(BaseModel):
    """What one step of the workflow changed, for the read model: applied once per (case, seq)."""

    tracking_code: str
    event: CaseEvent
    snapshot: CaseSnapshot
    tasks: list[TaskInfo] = Field(default_factory=list, description="Tasks opened or changed by this step")
    start: CaseStart | None = Field(default=None, description="Set on registration only")


class SmsRequest(BaseModel):
    """One SMS to the citizen; `key` makes it sent at most once whatever the retries."""

    key: str
    tracking_code: str
    mobile: str
    template: str
    params: dict[str, str] = Field(default_factory=dict)
