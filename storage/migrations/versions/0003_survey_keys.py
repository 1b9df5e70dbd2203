"""Survey keys: move each survey's key salt out of `surveys` into `survey_keys`, which close can delete
and rewrite. Dropping the column alone would not do: the old row versions would still hold the salts.

Revision ID: 0003
Revises: scheduling_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "scheduling_0002"
branch_labels = None
depends_on = None

# Columns whose values must never be copied into the planner's statistics (pg_statistic), which
# outlive the rows: ANALYZE would otherwise keep samples of participant ids and slots there.
NO_STATISTICS = {
    "roster": ("user_id",),
    "ballots": ("slot",),
    "responded": ("slot",),
    "drafts": ("slot", "payload"),
    "survey_keys": ("key_salt",),
    "bot_state": ("key", "value"),
    "seen_events": ("event_id",),
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA secure_delete=ON")  # the rebuilt surveys table frees pages that held salts
    op.create_table(
        "survey_keys",
        sa.Column("survey_id", sa.String(16), sa.ForeignKey("surveys.id"), primary_key=True),
        sa.Column("key_salt", sa.LargeBinary(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO survey_keys (survey_id, key_salt) SELECT id, key_salt FROM surveys WHERE key_salt IS NOT NULL"
    )
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("key_salt")
    if not sqlite:
        for table, columns in NO_STATISTICS.items():
            for column in columns:
                op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0")
    # Rewrite the files now: PostgreSQL's dropped column stays in every row until it is rewritten.
    with op.get_context().autocommit_block():
        if sqlite:
            op.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            op.execute("VACUUM FULL surveys")


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("key_salt", sa.LargeBinary(), nullable=True))
    op.execute("UPDATE surveys SET key_salt = (SELECT key_salt FROM survey_keys WHERE survey_id = surveys.id)")
    op.drop_table("survey_keys")
