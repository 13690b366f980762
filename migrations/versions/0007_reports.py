"""reports: Jalali period, time to result and escalations per level on cases, hotspot reviews, compiled monthly reports

Revision ID: 0007_reports
Revises: 0004_security
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from timekeeping.jalali import jalali_period

revision: str = "0007_reports"
down_revision: str | None = "0004_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    """Fill the new columns of cases projected before this migration (the projection fills them after)."""
    from database.models import UTCDateTime

    cases = sa.table(
        "cases",
        sa.column("tracking_code", sa.String),
        sa.column("registered_at", UTCDateTime()),
        sa.column("result_approved_at", UTCDateTime()),
        sa.column("jalali_year", sa.Integer),
        sa.column("jalali_month", sa.Integer),
        sa.column("result_seconds", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(cases.c.tracking_code, cases.c.registered_at, cases.c.result_approved_at))
    for code, registered_at, approved_at in rows.all():
        year, month = jalali_period(registered_at)
        seconds = int((approved_at - registered_at).total_seconds()) if approved_at else None
        connection.execute(
            cases.update()
            .where(cases.c.tracking_code == code)
            .values(jalali_year=year, jalali_month=month, result_seconds=seconds)
        )
    for level in ("provincial", "subordinate", "national"):
        op.execute(
            f"UPDATE cases SET escalated_{level} = (SELECT count(*) FROM case_events e "
            f"WHERE e.tracking_code = cases.tracking_code AND e.kind = 'escalated' AND e.level = '{level}')"
        )


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("jalali_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("jalali_month", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("result_seconds", sa.Integer(), nullable=True))
        for level in ("provincial", "subordinate", "national"):
            batch.add_column(sa.Column(f"escalated_{level}", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_cases_period_agency", ["jalali_year", "jalali_month", "agency_id"])
        batch.create_index("ix_cases_period_province", ["jalali_year", "jalali_month", "province_code", "county_code"])
        batch.create_index("ix_cases_office_registered", ["office_unit_id", "registered_at"])
    _backfill()
    op.create_table(
        "hotspot_reviews",
        sa.Column("review_id", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("top_indicator", sa.Integer(), nullable=True),
        sa.Column("top_indicator_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_index("ix_hotspot_reviews_subject_status", "hotspot_reviews", ["scope", "subject_id", "status"])
    op.create_table(
        "monthly_reports",
        sa.Column("jalali_year", sa.Integer(), nullable=False),
        sa.Column("jalali_month", sa.Integer(), nullable=False),
        sa.Column("compiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("jalali_year", "jalali_month"),
    )


def downgrade() -> None:
    op.drop_table("monthly_reports")
    op.drop_index("ix_hotspot_reviews_subject_status", table_name="hotspot_reviews")
    op.drop_table("hotspot_reviews")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_office_registered")
        batch.drop_index("ix_cases_period_province")
        batch.drop_index("ix_cases_period_agency")
        for level in ("provincial", "subordinate", "national"):
            batch.drop_column(f"escalated_{level}")
        batch.drop_column("result_seconds")
        batch.drop_column("jalali_month")
        batch.drop_column("jalali_year")
