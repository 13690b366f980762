"""One settings class, read from FOAD_* environment variables (or a .env file)."""

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.enums import Level
from schemas.policy import Policy

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOAD_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", description="development, test or production")
    database_url: str = "sqlite+aiosqlite:///data/foad.db"

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "foad-cases"
    temporal_tls_cert: str | None = Field(default=None, description="Path of the client certificate (mTLS)")
    temporal_tls_key: str | None = Field(default=None, description="Path of the client key (mTLS)")
    temporal_tls_ca: str | None = Field(default=None, description="Path of the server CA, if not public")
    temporal_api_key: str | None = Field(default=None, description="Temporal Cloud API key")
    temporal_rpc_timeout_seconds: float = Field(default=10.0, gt=0)

    secret_key: str = DEV_SECRET
    token_minutes: int = Field(default=480, gt=0)

    time_scale: float = Field(default=1.0, gt=0, description="Multiplies every case duration; 0.001 for a demo")
    sla_minutes: float = Field(default=180, gt=0)
    review_minutes: float = Field(default=20, gt=0)
    county_minutes: float = Field(default=60, gt=0)
    provincial_minutes: float = Field(default=40, gt=0)
    subordinate_minutes: float = Field(default=30, gt=0)
    national_minutes: float = Field(default=30, gt=0)
    reminder_minutes_before: list[float] = Field(default=[60, 15])
    feedback_days: float = Field(default=3, gt=0)
    reply_window_minutes: float = Field(default=24 * 60, gt=0, description="The citizen's time to answer a question")
    max_information_requests: int = Field(default=2, ge=0, description="Questions to the citizen per case, at most")

    @model_validator(mode="after")
    def _safe_outside_development(self) -> "Settings":
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("FOAD_SECRET_KEY must be set to a real secret in production")
        if len(self.secret_key) < 32:
            raise ValueError("FOAD_SECRET_KEY must be at least 32 characters")
        return self

    def _scaled(self, minutes: float) -> timedelta:
        return timedelta(minutes=minutes * self.time_scale)

    def policy(self) -> Policy:
        return Policy(
            sla=self._scaled(self.sla_minutes),
            review_budget=self._scaled(self.review_minutes),
            level_budgets={
                Level.COUNTY: self._scaled(self.county_minutes),
                Level.PROVINCIAL: self._scaled(self.provincial_minutes),
                Level.SUBORDINATE: self._scaled(self.subordinate_minutes),
                Level.NATIONAL: self._scaled(self.national_minutes),
            },
            reminders_before=[self._scaled(m) for m in self.reminder_minutes_before],
            feedback_window=self._scaled(self.feedback_days * 24 * 60),
            reply_window=self._scaled(self.reply_window_minutes),
            max_information_requests=self.max_information_requests,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
