"""Core: the eligibility set of open surveys, and live snapshots published by compare-and-swap.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "eligible",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("slot", sa.LargeBinary(), primary_key=True),
        **NO_ROWID,
    )
    op.create_table(
        "live_snapshots",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.String(), nullable=True),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("history", sa.String(), nullable=False),
        sa.Column("frozen", sa.String(), nullable=True),
    )
    op.create_table(
        "published_ballots",
        sa.Column("question_id", sa.String(24), primary_key=True),
        sa.Column("slot", sa.LargeBinary(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("answer", sa.String(), nullable=True),
        **NO_ROWID,
    )


def downgrade() -> None:
    op.drop_table("published_ballots")
    op.drop_table("live_snapshots")
    op.drop_table("eligible")
