"""Report payloads: a slice of the read model, the figures of one period, rankings and staff performance."""

from pydantic import BaseModel, Field

from schemas.enums import LEVELS, Channel, Level

ESCALATION_TARGETS: tuple[Level, ...] = LEVELS[1:]  # a case escalates to these; the county is the bottom


class ReportSlice(BaseModel):
    """Which cases a report counts; every field narrows it, none means nationwide."""

    agency_id: str | None = None
    province_code: str | None = None
    county_code: str | None = None
    village: str | None = Field(default=None, description="The village of the office the complaint is about")
    unit_id: str | None = Field(default=None, description="The office the complaint is about")
    indicator: int | None = Field(default=None, ge=1, le=8)
    channel: Channel | None = None
    level: Level | None = Field(default=None, description="The level that holds (or last held) the case")


class Satisfaction(BaseModel):
    responses: int = 0
    satisfied: int = 0
    share_satisfied: float | None = Field(default=None, description="satisfied / responses")
    mean_rating: float | None = None
    response_rate: float | None = Field(default=None, description="responses / cases with an approved result")


class Figures(BaseModel):
    """The numbers of one slice and period. Shares are fractions (0..1), times are minutes."""

    received: int = 0
    by_indicator: dict[int, int] = Field(default_factory=lambda: {i: 0 for i in range(1, 9)})
    in_scope: int = Field(default=0, description="received minus rejections as out of scope")
    results: int = Field(default=0, description="cases whose result was approved")
    within_sla: int = Field(
        default=0, description="in-scope complaints with an approved result whose own deadline was not breached"
    )
    missed: int = Field(default=0, description="in scope and breached, or with no result past the deadline")
    decided: int = Field(default=0, description="within_sla + missed: the share's denominator")
    pending: int = Field(default=0, description="in scope, open, the deadline still ahead: neither")
    within_sla_share: float | None = Field(default=None, description="within_sla / decided")
    median_minutes_to_result: float | None = None
    p90_minutes_to_result: float | None = None
    escalations_by_level: dict[str, int] = Field(
        default_factory=lambda: {level.value: 0 for level in ESCALATION_TARGETS},
        description="Escalations into each level above the county",
    )
    breaches: int = 0
    rejected_out_of_scope: int = 0
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    reopened: int = 0
    reopen_rate: float | None = Field(default=None, description="reopened / results")
    contacts: dict[str, int] = Field(
        default_factory=dict,
        description="Every contact of the period by its triage (complaint, request, suggestion, out_of_scope); "
        "the figures above count complaints only",
    )
    referrals_by_target: dict[str, int] = Field(
        default_factory=dict, description="Contacts and complaints referred, by referral target id"
    )
    outcomes: dict[str, int] = Field(default_factory=dict, description="Approved results by their outcome")
    outcome_shares: dict[str, float] = Field(
        default_factory=dict, description="Each outcome's share of the approved results that have one"
    )
    solved_at_once: int = Field(
        default=0, description="Approved results handled at the first level: no escalation, send-back or reopening"
    )
    solved_at_once_rate: float | None = Field(default=None, description="solved_at_once / results")


class PeriodFigures(BaseModel):
    year: int
    month: int | None = None
    label_fa: str
    figures: Figures


class MonthlyReportOut(BaseModel):
    slice: ReportSlice
    period: PeriodFigures
    previous: PeriodFigures
    change_received: int = Field(description="received this month minus the month before")


class AnnualReportOut(BaseModel):
    slice: ReportSlice
    period: PeriodFigures
    months: list[PeriodFigures]


class RankingWeights(BaseModel):
    sla: float = Field(default=0.4, ge=0)
    satisfaction: float = Field(default=0.3, ge=0)
    reopen: float = Field(default=0.15, ge=0)
    volume: float = Field(default=0.15, ge=0)


class RankingComponent(BaseModel):
    name: str
    label_fa: str
    weight: float
    value: float | None = Field(description="0..1, higher is better; None when nothing measures it (no result)")


class RankingEntry(BaseModel):
    rank: int | None = Field(description="None while below the minimum number of cases")
    subject_id: str
    name_fa: str
    cases: int
    score: float | None
    components: list[RankingComponent]


class RankingOut(BaseModel):
    scope: str
    year: int
    min_cases: int
    weights: RankingWeights
    ranked: list[RankingEntry]
    unranked: list[RankingEntry]


class StaffPerformance(BaseModel):
    username: str
    role: str
    cases: int
    median_minutes: float | None = Field(description="review time for senior coordinators, handling for inspectors")
    breaches: int
    late: int | None = Field(
        default=None, description="inspectors: inspections recorded after their deadline or passed to the senior"
    )
    median_minutes_to_arrival: float | None = Field(
        default=None, description="inspectors: from the inspection's order to the inspector's arrival on site"
    )


class StaffOut(BaseModel):
    year: int
    month: int | None
    senior_coordinators: list[StaffPerformance]
    inspectors: list[StaffPerformance]
