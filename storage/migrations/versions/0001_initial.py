"""Initial schema: surveys, questions, targets, roster, ballots, markers, drafts, adapter state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("results_mode", sa.String(16), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("key_salt", sa.LargeBinary(), nullable=True),
        sa.Column("respondents_at_close", sa.Integer(), nullable=True),
        sa.Column("invited_at_close", sa.Integer(), nullable=True),
    )
    op.create_index("ix_surveys_status", "surveys", ["status"])
    op.create_table(
        "questions",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("options", sa.String(), nullable=False),
        sa.Column("max_selections", sa.Integer(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("min_label", sa.String(), nullable=False),
        sa.Column("max_label", sa.String(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_questions_survey_id", "questions", ["survey_id"])
    op.create_table(
        "targets",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("channel", sa.String(255), primary_key=True),
        sa.Column("message_ref", sa.String(), nullable=True),
    )
    op.create_table(
        "roster",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        **NO_ROWID,
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("slot", sa.LargeBinary(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.UniqueConstraint("question_id", "slot", name="uq_ballots_question_slot"),
        **NO_ROWID,
    )
    op.create_index("ix_ballots_question_answer", "ballots", ["question_id", "answer"])
    op.create_table(
        "sealed_ballots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        **NO_ROWID,
    )
    op.create_index("ix_sealed_ballots_question_answer", "sealed_ballots", ["question_id", "answer"])
    op.create_table(
        "responded",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("slot", sa.LargeBinary(), primary_key=True),
        **NO_ROWID,
    )
    op.create_table(
        "drafts",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("slot", sa.LargeBinary(), primary_key=True),
        sa.Column("payload", sa.String(), nullable=False),
        **NO_ROWID,
    )
    op.create_table(
        "live_results",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("submissions_since", sa.Integer(), nullable=False),
        sa.Column("payload", sa.String(), nullable=True),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "seen_events",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_seen_events_seen_at", "seen_events", ["seen_at"])


def downgrade() -> None:
    for table in (
        "seen_events",
        "bot_state",
        "live_results",
        "drafts",
        "responded",
        "sealed_ballots",
        "ballots",
        "roster",
        "targets",
        "questions",
        "surveys",
    ):
        op.drop_table(table)
