"""working group: members' discussion notes on a hotspot review, and the follow-ups of its process reforms

Revision ID: 0015_working_group
Revises: 0014_archive
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_working_group"
down_revision: str | None = "0014_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotspot_followups",
        sa.Column("review_id", sa.String(128), sa.ForeignKey("hotspot_reviews.review_id"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("owner_agency_id", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complaints_before", sa.Integer(), nullable=True),
        sa.Column("complaints_after", sa.Integer(), nullable=True),
        sa.Column("fell", sa.Boolean(), nullable=True),
    )
    op.create_table(
        "hotspot_notes",
        sa.Column("review_id", sa.String(128), sa.ForeignKey("hotspot_reviews.review_id"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("agency_id", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hotspot_notes")
    op.drop_table("hotspot_followups")
