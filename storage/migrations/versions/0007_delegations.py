"""Delegations: respondents that are named groups of members (issue 13).

Revision ID: 0007
Revises: 0006_kinds
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_kinds"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("by_delegation", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "delegation_members",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("delegation", sa.String(100), nullable=False),
        **NO_ROWID,
    )


def downgrade() -> None:
    op.drop_table("delegation_members")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("by_delegation")
