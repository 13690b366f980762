"""triage: the referral registry; on cases the contact kind, referral target, identity, send-backs; apps' trust

Revision ID: 0011_triage
Revises: 0007_reports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_triage"
down_revision: str | None = "0008_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_targets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name_fa", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address_fa", sa.String(300), nullable=True),
        sa.Column("handles_fa", sa.String(300), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("contact_kind", sa.String(16), nullable=False, server_default="complaint"))
        batch.add_column(sa.Column("referral_target_id", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("identity", sa.String(24), nullable=True, comment="None: filed before identity was recorded")
        )
        batch.add_column(sa.Column("national_code_mismatch", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("client_app", sa.String(64), nullable=True))
        batch.add_column(sa.Column("sent_backs", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_cases_referral_target_id", ["referral_target_id"])
        batch.create_index("ix_cases_citizen_mobile", ["citizen_mobile"])
    with op.batch_alter_table("open311_clients") as batch:
        batch.add_column(sa.Column("verified_identity", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Cases projected before this migration: their send-backs, from the events (the projection counts after).
    op.execute(
        "UPDATE cases SET sent_backs = (SELECT count(*) FROM case_events e "
        "WHERE e.tracking_code = cases.tracking_code AND e.kind = 'sent_back')"
    )


def downgrade() -> None:
    with op.batch_alter_table("open311_clients") as batch:
        batch.drop_column("verified_identity")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_citizen_mobile")
        batch.drop_index("ix_cases_referral_target_id")
        for column in ("sent_backs", "client_app", "national_code_mismatch", "identity", "referral_target_id"):
            batch.drop_column(column)
        batch.drop_column("contact_kind")
    op.drop_table("referral_targets")
