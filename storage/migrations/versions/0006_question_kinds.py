"""Grid and lessons questions: a grid's rows, a lessons question's categories and entry limit.

Revision ID: 0006_kinds
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_kinds"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("grid_rows", sa.String(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("categories", sa.String(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("max_entries", sa.Integer(), nullable=False, server_default="10"))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("max_entries")
        batch.drop_column("categories")
        batch.drop_column("grid_rows")
