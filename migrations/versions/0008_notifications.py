"""notifications: staff mobiles, the holder of a task, one row per staff notification

Revision ID: 0008_notifications
Revises: 0007_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_notifications"
down_revision: str | None = "0007_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("mobile", sa.String(11), nullable=True, comment="where the staff notifications go by SMS")
        )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("holder", sa.String(64), nullable=True, comment="the unit coordinator who claimed it")
        )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sms_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("tracking_code", "seq", "username", "kind", name="uq_notifications_event_recipient"),
    )
    op.create_index("ix_notifications_username_read", "notifications", ["username", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_username_read", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("holder")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mobile")
