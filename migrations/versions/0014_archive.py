"""archive: every closed run's Temporal history, the period keys that seal it, and the erasures on record

Revision ID: 0014_archive
Revises: 0007_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_archive"
down_revision: str | None = "0013_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("period", sa.String(7), nullable=False, comment="YYYY-MM (UTC) of the closings it seals"),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True, comment="NULL once destroyed"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("period"),
    )
    op.create_table(
        "workflow_archive",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workflow_id", sa.String(128), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("workflow_type", sa.String(64), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("history", sa.LargeBinary(), nullable=False, comment="zlib of the History protobuf"),
        sa.Column("sha256", sa.String(64), nullable=False, comment="of the uncompressed protobuf"),
        sa.Column("period_key_id", sa.String(32), sa.ForeignKey("archive_keys.key_id"), nullable=False),
        sa.Column("key_id", sa.String(48), nullable=False, comment="names the key in each payload's metadata"),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True, comment="sealed by the period key; NULL erased"),
        sa.UniqueConstraint("workflow_id", "run_id", name="uq_workflow_archive_run"),
    )
    op.create_index("ix_workflow_archive_tracking_code", "workflow_archive", ["tracking_code"])
    op.create_index("ix_workflow_archive_closed_at", "workflow_archive", ["closed_at"])
    op.create_table(
        "archive_sweeps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Integer(), nullable=False),
    )
    op.create_index("ix_archive_sweeps_started_at", "archive_sweeps", ["started_at"])
    op.create_table(
        "erasures",
        sa.Column("tracking_code", sa.String(32), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_index("ix_archive_sweeps_started_at", "archive_sweeps")
    op.drop_table("archive_sweeps")
    op.drop_index("ix_workflow_archive_closed_at", "workflow_archive")
    op.drop_index("ix_workflow_archive_tracking_code", "workflow_archive")
    op.drop_table("workflow_archive")
    op.drop_table("archive_keys")
