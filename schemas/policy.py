"""The case policy: every duration the workflow waits on, passed in so it is configurable and replayable."""

from datetime import timedelta

from pydantic import BaseModel, Field, model_validator

from schemas.clock import SlaMode
from schemas.enums import Level


class Policy(BaseModel):
    """Durations for one case, already scaled by FOAD_TIME_SCALE when built from settings."""

    sla: timedelta = Field(description="Registration to approved result (the 3-hour promise)")
    review_budget: timedelta = Field(description="Time the senior coordinator has to review")
    level_budgets: dict[Level, timedelta] = Field(description="Time each level has before the case moves up")
    reminders_before: list[timedelta] = Field(
        default_factory=list, description="Reminders this long before the SLA deadline"
    )
    feedback_window: timedelta = Field(description="How long the citizen may answer after the result")
    sla_mode: SlaMode = Field(
        default=SlaMode.WALL_CLOCK, description="Count every minute, or only the office's open time (per agency)"
    )
    reply_window: timedelta = Field(
        default=timedelta(hours=24), description="How long the clock waits for the citizen's answer to a question"
    )
    max_information_requests: int = Field(default=2, ge=0, description="Pauses a case may have, at most")
    inspection_budget: timedelta = Field(
        default=timedelta(minutes=60), gt=timedelta(0), description="Time an inspector has for an on-site inspection"
    )

    @model_validator(mode="after")
    def _complete(self) -> "Policy":
        missing = [level for level in Level if level not in self.level_budgets]
        if missing:
            raise ValueError(f"level budgets missing for {', '.join(missing)}")
        if any(d <= timedelta(0) for d in [self.sla, self.review_budget, self.feedback_window, self.reply_window]):
            raise ValueError("durations must be positive")
        if any(d <= timedelta(0) for d in self.level_budgets.values()):
            raise ValueError("level budgets must be positive")
        return self

    def budget(self, level: Level) -> timedelta:
        return self.level_budgets[level]
