"""office hours: SLA mode and working week per agency (and unit), declared closures, the case's clock

Revision ID: 0003_office_hours
Revises: 0002_open311_sms
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_office_hours"
down_revision: str | None = "0002_open311_sms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_mode", sa.String(length=16), server_default="wall_clock", nullable=False))
        batch_op.add_column(sa.Column("office_hours", sa.JSON(), nullable=True, comment="schemas.clock.OfficeHours"))
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_hours", sa.JSON(), nullable=True, comment="overrides the agency's week"))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_mode", sa.String(length=16), server_default="wall_clock", nullable=False))
        batch_op.add_column(sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deadline", sa.JSON(), nullable=True, comment="how due_at was computed"))
    op.create_table(
        "declared_closures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("agency_id", sa.String(length=32), nullable=True),
        sa.Column("declared_by", sa.String(length=64), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["province_code"], ["provinces.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_declared_closures_ends", "declared_closures", ["ends_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_declared_closures_ends", table_name="declared_closures")
    op.drop_table("declared_closures")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("deadline")
        batch_op.drop_column("paused_since")
        batch_op.drop_column("sla_mode")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("office_hours")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("office_hours")
        batch_op.drop_column("sla_mode")
