"""Presenter-page tokens: only their SHA-256 hashes, per survey, revocable.

Revision ID: 0005
Revises: scheduling_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "present_tokens",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_present_tokens_survey_id", "present_tokens", ["survey_id"])


def downgrade() -> None:
    op.drop_index("ix_present_tokens_survey_id", table_name="present_tokens")
    op.drop_table("present_tokens")
