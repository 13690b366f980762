"""One settings class, read from FOAD_* environment variables (or a .env file)."""

import re
import sys
from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SettingsParseError

from infra import settings_checks
from infra.codec import parse_key_ring
from schemas.enums import Level
from schemas.hotspot import HotspotRule
from schemas.notifications import NotificationKind
from schemas.policy import Policy
from schemas.reports import RankingWeights

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
# A fixed key so that a development stack restarted on the same data still opens its old cases.
DEV_PAYLOAD_KEY_ID = "dev"
DEV_PAYLOAD_KEYS = "dev:ZGV2LW9ubHktcGF5bG9hZC1rZXktbm90LXNlY3JldCE="


class Settings(BaseSettings):
    # An empty variable counts as unset, as a compose file's ${FOAD_X:-} writes it.
    model_config = SettingsConfigDict(env_prefix="FOAD_", env_file=".env", extra="ignore", env_ignore_empty=True)

    environment: str = Field(default="development", description="development, test or production")
    database_url: str = Field(
        default="sqlite+aiosqlite:///data/foad.db",
        description="The read model's async SQLAlchemy URL: postgresql+asyncpg://... or sqlite+aiosqlite:///...",
    )
    database_lock_timeout_seconds: float = Field(
        default=30.0, gt=0, description="SQLite only: how long a write waits for another writer's lock"
    )
    database_pool_size: int = Field(default=10, gt=0, description="PostgreSQL: connections each process keeps open")
    database_max_overflow: int = Field(
        default=20, ge=0, description="PostgreSQL: connections a process may open beyond the pool at a peak"
    )

    temporal_address: str = Field(default="localhost:7233", description="The Temporal frontend, host:port")
    temporal_namespace: str = Field(default="default", min_length=1, description="On Temporal Cloud: name.account")
    temporal_task_queue: str = Field(
        default="foad-cases", min_length=1, description="The worker polls it; the API starts cases on it"
    )
    temporal_tls: bool | None = Field(
        default=None,
        description="TLS to Temporal, true or false; unset: on once a certificate, CA, server name or API key is set",
    )
    temporal_tls_cert: str | None = Field(default=None, description="Path of the client certificate (mTLS), PEM")
    temporal_tls_key: str | None = Field(default=None, description="Path of the client certificate's key, PEM")
    temporal_tls_ca: str | None = Field(default=None, description="Path of the server's CA (PEM), if not a public one")
    temporal_tls_server_name: str | None = Field(
        default=None, description="The name the server's certificate carries (SNI), when it is not the address's host"
    )
    temporal_api_key: str | None = Field(
        default=None, repr=False, description="Temporal Cloud API key (or a cluster's bearer token); turns TLS on"
    )
    temporal_rpc_timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout of each call to Temporal")

    # Worker tuning (temporalio.worker.Worker): unset maxima keep the SDK's defaults (100 slots each).
    worker_max_concurrent_workflow_tasks: int | None = Field(
        default=None, ge=2, description="Workflow tasks one worker process runs at once"
    )
    worker_max_concurrent_activities: int | None = Field(
        default=None, ge=1, description="Activities one worker process runs at once (each may hold a DB connection)"
    )
    worker_max_cached_workflows: int = Field(
        default=1000, ge=0, description="Cases kept in the worker's memory between tasks (sticky cache)"
    )
    worker_workflow_task_pollers: int = Field(
        default=5, ge=2, description="Concurrent long polls for workflow tasks, at most"
    )
    worker_activity_task_pollers: int = Field(
        default=5, ge=1, description="Concurrent long polls for activities, at most"
    )
    worker_graceful_shutdown_seconds: float = Field(
        default=0.0, ge=0, description="On SIGTERM, how long running activities may finish before they are cancelled"
    )

    api_host: str = Field(
        default="127.0.0.1", min_length=1, description="Where foad-api listens (0.0.0.0 in a container)"
    )
    api_port: int = Field(default=8000, ge=1, le=65535, description="foad-api's port")
    api_workers: int = Field(default=1, ge=1, description="uvicorn worker processes of one foad-api")
    api_forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted for X-Forwarded-For/-Proto: addresses or networks, comma-separated, or *",
    )

    secret_key: str = DEV_SECRET
    token_minutes: int = Field(default=480, gt=0)
    login_max_failures: int = Field(default=5, gt=0, description="Failed logins in a row before the account locks")
    login_lockout_minutes: float = Field(default=15, gt=0)
    citizen_token_minutes: int = Field(default=60, gt=0, description="How long a verified mobile stays verified")
    otp_minutes: float = Field(default=5, gt=0, description="How long a one-time code is valid")
    otp_max_attempts: int = Field(default=5, gt=0, description="Wrong guesses before a code is spent")
    otp_per_mobile_per_hour: int = Field(default=5, gt=0)
    otp_per_client_per_hour: int = Field(default=20, gt=0)
    otp_verify_per_client_per_hour: int = Field(default=30, gt=0)
    otp_verify_per_mobile_per_hour: int = Field(default=15, gt=0)
    intake_per_client_per_hour: int = Field(default=30, gt=0, description="Complaints a citizen's address may file")
    login_per_client_per_hour: int = Field(default=600, gt=0, description="Logins (right or wrong) from one address")
    public_lookups_per_client_per_minute: int = Field(
        default=60, gt=0, description="Anonymous look-ups of a case by tracking code (status, Open311) from one address"
    )

    payload_keys: str = Field(default=DEV_PAYLOAD_KEYS, description="kid:base64key,... that open Temporal payloads")
    payload_key_id: str = Field(default=DEV_PAYLOAD_KEY_ID, description="The key id that seals new payloads")
    codec_cors_origins: list[str] = Field(
        default=["http://localhost:8233", "http://127.0.0.1:8233"],
        description="Origins (the Temporal UI) allowed to call /codec/decode and /codec/encode from a browser",
    )
    max_body_bytes: int = Field(default=64 * 1024, gt=0, description="Larger request bodies get a 413")

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
    inspection_minutes: float = Field(default=60, gt=0, description="An inspector's time for an on-site inspection")

    # SMS: the outbox is always written; a gateway drains it only when one is configured (README: SMS).
    sms_gateway: Literal["none", "kavenegar", "generic"] = "none"
    sms_gateway_url: str | None = Field(default=None, description="Kavenegar's base URL, or the generic POST URL")
    sms_gateway_api_key: str | None = None
    sms_sender: str | None = Field(default=None, description="The sending line (e.g. 10004346)")
    sms_gateway_timeout_seconds: float = Field(default=10.0, gt=0)
    sms_generic_format: Literal["json", "form"] = "json"
    sms_generic_to_field: str = "to"
    sms_generic_text_field: str = "text"
    sms_generic_sender_field: str = "from"
    sms_generic_id_field: str = "message_id"
    sms_generic_status_field: str = "status"
    sms_generic_dedupes: bool = False
    sms_max_attempts: int = Field(default=6, ge=1)
    sms_backoff_seconds: float = Field(default=5.0, gt=0)
    sms_backoff_max_seconds: float = Field(default=900.0, gt=0)
    sms_dispatch_interval_seconds: float = Field(default=2.0, gt=0)
    sms_claim_timeout_seconds: float = Field(default=120.0, gt=0)
    sms_delivery_poll_seconds: float = Field(default=60.0, gt=0)
    staff_notifications_off: list[NotificationKind] = Field(
        default_factory=list,
        description="Kinds of staff notification not made (JSON list; README: Staff notifications)",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The pages' public address; an SMS that asks the citizen to act carries {this}/track/{code}",
    )
    sms_inbound_secret: str | None = Field(
        default=None, description="The shared secret of the gateway's inbound-SMS callback; unset: the callback is off"
    )
    sms_inbound_help_hours: float = Field(
        default=24.0, gt=0, description="At most one help SMS per mobile in each window of this many hours"
    )

    ranking_min_cases: int = Field(default=30, gt=0, description="Complaints a unit needs before it is ranked")
    ranking_weights: RankingWeights = Field(
        default_factory=RankingWeights, description="JSON: sla, satisfaction, reopen, volume"
    )
    hotspot_window_days: int = Field(default=30, gt=0, description="The rolling window the daily scan counts")
    hotspot_min_complaints: int = Field(default=10, gt=0, description="Complaints in the window that make a hotspot")
    hotspot_relative_factor: float = Field(default=2.0, ge=0, description="... and this many times its own mean")
    hotspot_history_windows: int = Field(default=6, gt=0, description="Windows before it that make that mean")
    hotspot_review_days: float = Field(default=14, gt=0, description="The working group's deadline (time-scaled)")
    schedule_hour: int = Field(default=2, ge=0, le=23, description="Tehran hour of the daily scan and report")
    evaluation_min_person_cases: int = Field(
        default=20, gt=0, description="Cases a senior coordinator, unit coordinator or inspector needs to be ranked"
    )
    reform_followup_days: float = Field(
        default=90, gt=0, description="A process reform's follow-up: the window after the decision (time-scaled)"
    )

    # Observability (README: Observability). Ports are off when unset: several processes on one host must not clash.
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="json (one object per line) or text; json by default in production, text otherwise"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="The root log level")
    temporal_metrics_address: str | None = Field(
        default=None, description="host:port where the Temporal SDK serves Prometheus metrics (worker and client)"
    )
    metrics_token: str | None = Field(
        default=None, description="If set, GET /metrics wants `Authorization: Bearer <token>` (at least 16 characters)"
    )
    metrics_cache_seconds: float = Field(
        default=15.0, ge=0, description="How long /metrics reuses the product gauges before it reads the database again"
    )
    readiness_timeout_seconds: float = Field(
        default=2.0, gt=0, description="How long /readyz waits for Temporal and for the database, each"
    )
    worker_health_address: str | None = Field(
        default=None, description="host:port where worker.py answers /healthz and /readyz for probes"
    )
    tracing: bool = Field(
        default=False, description="OpenTelemetry tracing, exported by OTLP/HTTP as the standard OTEL_* variables say"
    )
    # The archive of closed histories and the personal-data policy (README: The archive).
    archive_sweep_minutes: float = Field(
        default=10, gt=0, description="How often the archive sweeper copies closed histories into the database"
    )
    personal_data_years: float = Field(
        default=5, gt=0, description="Years after a case closes before its personal data is erased"
    )
    # The public performance page (README: The public page).
    public_min_cases: int = Field(
        default=10, gt=0, description="Complaints a cell of the public page needs to be shown (fewer: suppressed)"
    )
    public_cache_seconds: float = Field(
        default=600, ge=0, description="How long the public page reuses its figures before it reads the database"
    )

    @model_validator(mode="after")
    def _safe_outside_development(self) -> "Settings":
        """Every problem at once, one line each naming its FOAD_ variable (settings_or_exit prints them)."""
        problems = [*self._application_problems(), *settings_checks.problems(self)]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _application_problems(self) -> list[str]:
        found = []
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            found.append("FOAD_SECRET_KEY must be set to a real secret in production")
        if len(self.secret_key) < 32:
            found.append("FOAD_SECRET_KEY must be at least 32 characters")
        if self.sms_gateway == "kavenegar" and not self.sms_gateway_api_key:
            found.append("FOAD_SMS_GATEWAY=kavenegar needs FOAD_SMS_GATEWAY_API_KEY")
        if self.sms_gateway == "generic" and not self.sms_gateway_url:
            found.append("FOAD_SMS_GATEWAY=generic needs FOAD_SMS_GATEWAY_URL")
        if not self.public_base_url.startswith(("http://", "https://")) or " " in self.public_base_url:
            found.append("FOAD_PUBLIC_BASE_URL must be an http:// or https:// address (the pages' public address)")
        if self.sms_inbound_secret is not None and len(self.sms_inbound_secret) < 16:
            found.append("FOAD_SMS_INBOUND_SECRET must be at least 16 characters")
        try:
            ring = parse_key_ring(self.payload_keys)
        except ValueError as error:
            return [*found, f"FOAD_PAYLOAD_KEYS: {error}"]
        if self.payload_key_id not in ring:
            found.append(f"FOAD_PAYLOAD_KEY_ID {self.payload_key_id!r} is not one of FOAD_PAYLOAD_KEYS")
        dev_key = parse_key_ring(DEV_PAYLOAD_KEYS)[DEV_PAYLOAD_KEY_ID]
        if self.environment == "production" and dev_key in ring.values():
            found.append("FOAD_PAYLOAD_KEYS must not hold the development payload key in production")
        return found

    @property
    def temporal_tls_enabled(self) -> bool:
        if self.temporal_tls is not None:
            return self.temporal_tls
        return any((self.temporal_tls_cert, self.temporal_tls_ca, self.temporal_tls_server_name, self.temporal_api_key))

    def warnings(self) -> list[str]:
        """What is allowed but probably not meant (SQLite in production, say); printed at start."""
        return settings_checks.warnings(self)

    @model_validator(mode="after")
    def _observability(self) -> "Settings":
        for name in ("temporal_metrics_address", "worker_health_address"):
            value = getattr(self, name)
            if value is not None:
                parse_host_port(value, setting=f"FOAD_{name.upper()}")
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ValueError("FOAD_METRICS_TOKEN must be at least 16 characters")
        return self

    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.environment == "production" else "text")

    def payload_key_ring(self) -> dict[str, bytes]:
        return parse_key_ring(self.payload_keys)

    def _scaled(self, minutes: float) -> timedelta:
        return timedelta(minutes=minutes * self.time_scale)

    def hotspot_rule(self) -> HotspotRule:
        return HotspotRule(
            window_days=self.hotspot_window_days,
            min_complaints=self.hotspot_min_complaints,
            relative_factor=self.hotspot_relative_factor,
            history_windows=self.hotspot_history_windows,
        )

    def hotspot_review_period(self) -> timedelta:
        return self._scaled(self.hotspot_review_days * 24 * 60)

    def reform_followup_period(self) -> timedelta:
        return self._scaled(self.reform_followup_days * 24 * 60)

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
            inspection_budget=self._scaled(self.inspection_minutes),
        )


def parse_host_port(value: str, *, setting: str) -> tuple[str, int]:
    """`host:port` (`[::1]:9000` for IPv6) with a port from 1 to 65535, or a ValueError naming the setting."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{setting} must be host:port (e.g. 0.0.0.0:9464), not {value!r}")
    return host.strip("[]"), int(port)


class ConfigurationError(ValueError):
    """Settings that cannot start a process: one line per problem, each naming its FOAD_ variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_SECRET_WORDS = ("key", "secret", "password", "url")


def _problem_lines(error: ValidationError) -> list[str]:
    """pydantic's errors as `FOAD_NAME: reason (got 'value')`; a secret's value is never repeated."""
    lines: list[str] = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:  # the model validator's own lines already name their variables
            lines += message.splitlines()
            continue
        field, *inner = (str(part) for part in item["loc"])
        name = f"FOAD_{field.upper()}" + "".join(f"[{part}]" for part in inner)
        shown = item.get("input")
        safe = not any(word in field for word in _SECRET_WORDS) and isinstance(shown, str | int | float)
        shown = shown[:60] if isinstance(shown, str) else shown
        lines.append(f"{name}: {message}" + (f" (got {shown!r})" if safe else ""))
    return lines


def load_settings(**overrides) -> Settings:
    """Settings from the environment (and .env), or a ConfigurationError listing every problem."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(_problem_lines(error)) from None
    except SettingsParseError as error:  # a value that is not the JSON its field needs
        field = re.search(r'field "(\w+)"', str(error))
        name = f"FOAD_{field.group(1).upper()}" if field else "FOAD_*"
        raise ConfigurationError([f"{name}: cannot be parsed ({error.__cause__ or error})"]) from None


def settings_or_exit(program: str) -> Settings:
    """What every command calls first: its settings, or one line per problem on stderr and exit status 2."""
    try:
        settings = load_settings()
    except ConfigurationError as error:
        for line in error.problems:
            print(f"{program}: configuration: {line}", file=sys.stderr)
        raise SystemExit(2) from None
    for line in settings.warnings():
        print(f"{program}: warning: {line}", file=sys.stderr)
    return settings


@lru_cache
def get_settings() -> Settings:
    return load_settings()
