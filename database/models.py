"""The read model's tables (SQLAlchemy 2.0 typed). Case tables are written only by activities."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores UTC; always gives back an aware datetime (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


# --- reference data -------------------------------------------------------------------------


class Province(Base):
    __tablename__ = "provinces"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class County(Base):
    __tablename__ = "counties"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    name_fa: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sla_mode: Mapped[str] = mapped_column(String(16), default="wall_clock", server_default="wall_clock")
    office_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="schemas.clock.OfficeHours")


class Unit(Base):
    """An office of an agency at one of the four levels; its parent is the level above."""

    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name_fa: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    county_code: Mapped[str | None] = mapped_column(ForeignKey("counties.code"))
    village: Mapped[str | None] = mapped_column(String(100))
    office_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="overrides the agency's week")


class ReferralTargetRow(Base):
    """The referral registry: where an out-of-scope contact goes, with its phone or address (reference data)."""

    __tablename__ = "referral_targets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    address_fa: Mapped[str | None] = mapped_column(String(300))
    handles_fa: Mapped[str] = mapped_column(String(300), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    # Bumped by logout, a password reset, a change of role or units, disabling: older tokens stop working.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    mobile: Mapped[str | None] = mapped_column(String(11), comment="where the staff notifications go by SMS")


class UserUnit(Base):
    __tablename__ = "user_units"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)


# --- the case read model ----------------------------------------------------------------------


class IntakeKey(Base):
    """Idempotency of intake: one key, one tracking code, one workflow."""

    __tablename__ = "intake_keys"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Case(Base):
    __tablename__ = "cases"
    tracking_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    office_unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    province_code: Mapped[str] = mapped_column(String(16))
    county_code: Mapped[str] = mapped_column(String(32))
    indicator: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    citizen_national_code: Mapped[str] = mapped_column(String(10))
    citizen_mobile: Mapped[str] = mapped_column(String(11))
    citizen_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    employee_name: Mapped[str | None] = mapped_column(String(100))
    incident_at: Mapped[datetime]
    registered_at: Mapped[datetime]
    filed_by: Mapped[str] = mapped_column(String(64))

    status: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime]
    breached: Mapped[bool] = mapped_column(default=False)
    breached_at: Mapped[datetime | None]
    escalations: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[bool] = mapped_column(default=False)
    action_order: Mapped[str | None] = mapped_column(Text)
    referral_note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    result_note: Mapped[str | None] = mapped_column(Text)
    result_approved_at: Mapped[datetime | None]
    satisfied: Mapped[bool | None]
    rating: Mapped[int | None]
    closed_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
    # For reports, filled by the projection: the Jalali month of registration in Tehran time, the seconds
    # from registration to the approved result, and the escalations into each level, so that a report is
    # one aggregate over one period's rows, with no per-dialect date arithmetic and no join to the events.
    jalali_year: Mapped[int | None]
    jalali_month: Mapped[int | None]
    result_seconds: Mapped[int | None]
    escalated_provincial: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_subordinate: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_national: Mapped[int] = mapped_column(default=0, server_default="0")
    sla_mode: Mapped[str] = mapped_column(String(16), default="wall_clock", server_default="wall_clock")
    paused_since: Mapped[datetime | None]
    deadline: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="how due_at was computed")
    # Triage and identity (schemas.enums.ContactKind, IdentityCheck): what the contact is, where it was
    # referred, how the caller's mobile was proved, and the send-backs the "solved at once" rate counts.
    contact_kind: Mapped[str] = mapped_column(String(16), default="complaint", server_default="complaint")
    referral_target_id: Mapped[str | None] = mapped_column(String(32), index=True)
    identity: Mapped[str | None] = mapped_column(String(24), comment="None: filed before identity was recorded")
    national_code_mismatch: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    client_app: Mapped[str | None] = mapped_column(String(64))
    sent_backs: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        Index("ix_cases_agency_status", "agency_id", "status"),
        Index("ix_cases_province_registered", "province_code", "registered_at"),
        Index("ix_cases_registered", "registered_at"),
        Index("ix_cases_period_agency", "jalali_year", "jalali_month", "agency_id"),
        Index("ix_cases_period_province", "jalali_year", "jalali_month", "province_code", "county_code"),
        Index("ix_cases_office_registered", "office_unit_id", "registered_at"),
        Index("ix_cases_citizen_mobile", "citizen_mobile"),  # the national-code check of every intake
    )


class CaseEventRow(Base):
    """Append-only: one row per workflow event, (tracking_code, seq) unique so retries add nothing."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_code: Mapped[str] = mapped_column(ForeignKey("cases.tracking_code"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    step: Mapped[str] = mapped_column(String(16))
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(48))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (UniqueConstraint("tracking_code", "seq", name="uq_case_events_seq"),)


class Task(Base):
    """A human task: review or approval for the agency's senior coordinators, handling for a unit, an on-site
    inspection for a named inspector."""

    __tablename__ = "tasks"
    task_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    tracking_code: Mapped[str] = mapped_column(ForeignKey("cases.tracking_code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    holder: Mapped[str | None] = mapped_column(String(64), comment="the unit coordinator who claimed it")
    arrived_at: Mapped[datetime | None]  # an inspection: when the inspector arrived on site
    escalated_at: Mapped[datetime | None]  # an inspection not done in time: when it passed to the senior

    __table_args__ = (
        Index("ix_tasks_unit_status", "unit_id", "status"),
        Index("ix_tasks_agency_kind_status", "agency_id", "kind", "status"),
    )


class SmsOutbox(Base):
    """Every SMS to a citizen; the key makes a retried send a no-op. A gateway drains `pending` rows."""

    __tablename__ = "sms_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    tracking_code: Mapped[str] = mapped_column(String(32), index=True)
    mobile: Mapped[str] = mapped_column(String(11))
    template: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    # The gateway's side (sms.dispatch): pending -> sending -> sent | failed, or unknown when
    # the gateway may have accepted a send whose answer never came.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    gateway: Mapped[str | None] = mapped_column(String(32))
    gateway_message_id: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    segments: Mapped[int | None]

    __table_args__ = (Index("ix_sms_outbox_status_next", "status", "next_attempt_at"),)


class Open311Client(Base):
    """A client app registered for Open311 GeoReport v2; only the SHA-256 of its api_key is kept."""

    __tablename__ = "open311_clients"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Registered as proving identity: each filing must carry the citizen's verified token for its mobile.
    verified_identity: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


# --- security: one-time codes, rate limits, access audit ---------------------------------------


class OtpChallenge(Base):
    """A one-time code sent to a mobile by SMS; only its keyed hash is kept, and it is used once."""

    __tablename__ = "otp_challenges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mobile: Mapped[str] = mapped_column(String(11), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    client: Mapped[str] = mapped_column(String(64))


class RateCounter(Base):
    """Hits per key (e.g. `otp-request:mobile:0912...`) in a fixed window; shared by every API process."""

    __tablename__ = "rate_counters"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)


class AccessRecord(Base):
    """Who saw which case's personal data, when, and through what."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    tracking_code: Mapped[str | None] = mapped_column(String(32), index=True)
    what: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))


# --- reports and hotspots ----------------------------------------------------------------------


class HotspotReview(Base):
    """A systemic review of one unit or agency whose complaints passed the threshold; its workflow owns it."""

    __tablename__ = "hotspot_reviews"
    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    complaints: Mapped[int]
    baseline: Mapped[float] = mapped_column(Float)
    top_indicator: Mapped[int | None]
    top_indicator_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    overdue: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_hotspot_reviews_subject_status", "scope", "subject_id", "status"),)


class MonthlyReport(Base):
    """The national figures of one finished Jalali month, compiled once by the monthly schedule."""

    __tablename__ = "monthly_reports"
    jalali_year: Mapped[int] = mapped_column(primary_key=True)
    jalali_month: Mapped[int] = mapped_column(primary_key=True)
    compiled_at: Mapped[datetime]
    figures: Mapped[dict[str, Any]]


class DeclaredClosure(Base):
    """A closure the centre declares (air pollution, say): nationwide, or for a province and/or an agency."""

    __tablename__ = "declared_closures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime]

    __table_args__ = (Index("ix_declared_closures_ends", "ends_at"),)


class LoginFailure(Base):
    """Wrong logins in a row for one username (known or not: the same for both) from one address. Past
    FOAD_LOGIN_MAX_FAILURES the pair waits a delay that doubles with each further failure, capped at
    FOAD_LOGIN_LOCKOUT_MINUTES; the account itself stays open from any other address."""

    __tablename__ = "login_failures"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


# --- the archive of closed histories and the erasure of personal data ------------------------------------


class ArchiveKey(Base):
    """One period's payload key: it seals the keys of the histories archived in that period. Destroying it
    (crypto-shredding) leaves their payloads unreadable. Kept sealed by the operational payload codec."""

    __tablename__ = "archive_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True, comment="YYYY-MM (UTC) of the closings it seals")
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary, comment="NULL once destroyed")
    created_at: Mapped[datetime]
    destroyed_at: Mapped[datetime | None]
    destroyed_reason: Mapped[str | None] = mapped_column(Text)


class ArchivedHistory(Base):
    """The whole Temporal event history of one closed run, compressed, its payloads sealed by its own key."""

    __tablename__ = "workflow_archive"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_id: Mapped[str] = mapped_column(String(128))
    run_id: Mapped[str] = mapped_column(String(64))
    workflow_type: Mapped[str] = mapped_column(String(64))
    tracking_code: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime] = mapped_column(index=True)
    archived_at: Mapped[datetime]
    events: Mapped[int]
    history: Mapped[bytes] = mapped_column(LargeBinary, comment="zlib of the History protobuf")
    sha256: Mapped[str] = mapped_column(String(64), comment="of the uncompressed protobuf")
    period_key_id: Mapped[str] = mapped_column(ForeignKey("archive_keys.key_id"))
    key_id: Mapped[str] = mapped_column(String(48), comment="names the key in each payload's metadata")
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary, comment="sealed by the period key; NULL erased")

    __table_args__ = (UniqueConstraint("workflow_id", "run_id", name="uq_workflow_archive_run"),)


class Erasure(Base):
    """A case whose personal data was erased: when, by whom (or the schedule) and why."""

    __tablename__ = "erasures"
    tracking_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class ArchiveSweep(Base):
    """One run of the archive sweeper. The next sweep looks from the last finished one's start (less an overlap),
    so a sweep that died half-way is simply done again; foad-check measures the archive's lag from it."""

    __tablename__ = "archive_sweeps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    closed_since: Mapped[datetime | None]
    seen: Mapped[int] = mapped_column(default=0)
    archived: Mapped[int] = mapped_column(default=0)


# --- staff notifications -----------------------------------------------------------------------------


class Notification(Base):
    """One notice to one staff member about one event of a case, written by the projection with the event:
    (tracking_code, seq, username, kind) unique, so a retried projection adds none. `sms_id` is its outbox row,
    when the account has a mobile."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_code: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int]
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    sms_id: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("tracking_code", "seq", "username", "kind", name="uq_notifications_event_recipient"),
        Index("ix_notifications_username_read", "username", "read_at"),
    )


# --- the working group ("voice of the voiceless") ----------------------------------------------------------


class HotspotFollowup(Base):
    """A process reform's follow-up, as the review's workflow holds it (one row per round)."""

    __tablename__ = "hotspot_followups"
    review_id: Mapped[str] = mapped_column(ForeignKey("hotspot_reviews.review_id"), primary_key=True)
    round: Mapped[int] = mapped_column(primary_key=True)
    owner_agency_id: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(64))
    decision_note: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]
    due_at: Mapped[datetime]
    checked_at: Mapped[datetime | None]
    complaints_before: Mapped[int | None]
    complaints_after: Mapped[int | None]
    fell: Mapped[bool | None]


class HotspotNote(Base):
    """One working-group member's discussion note on one review: one per member, edited in place."""

    __tablename__ = "hotspot_notes"
    review_id: Mapped[str] = mapped_column(ForeignKey("hotspot_reviews.review_id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
