"""Scheduling: the reminders outbox (organisers' reminders, deadline notices, results posts).

Revision ID: scheduling_0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before_close_seconds", sa.Integer(), nullable=True),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.UniqueConstraint("survey_id", "number", name="uq_reminders_survey_number"),
    )
    op.create_index("ix_reminders_survey_id", "reminders", ["survey_id"])
    op.create_index("ix_reminders_status_next", "reminders", ["status", "next_fire_at"])
    # Surveys closed before this migration already had their results posted: record that, so the
    # scheduler's catch-up sweep does not post them a second time.
    op.execute(
        "INSERT INTO reminders (id, survey_id, kind, recurring, audience, message, status, next_fire_at,"
        " fired_count, note) SELECT 'results-' || id, id, 'results', false, 'channel', '', 'sent',"
        " COALESCE(closes_at, CURRENT_TIMESTAMP), 0, 'closed before scheduling existed' FROM surveys"
        " WHERE status = 'closed'"
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_status_next", table_name="reminders")
    op.drop_index("ix_reminders_survey_id", table_name="reminders")
    op.drop_table("reminders")
