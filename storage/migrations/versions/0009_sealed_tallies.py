"""A closed question's sealed rows are its tally: one row per distinct answer (issue 15).

`sealed_ballots.tally` is how many ballots gave the row's answer. A close now writes one row per
(question, answer) with its count, under a fresh random id, instead of one row per ballot: the results
are the same sums, and no row per voter survives, so there is no order among voters' rows to shuffle
(rule 4) and nothing that could be lined up with a voter. Rows sealed before this revision keep a
tally of 1 each and are counted as before.

Downgrading writes each tally out again as that many rows of one, each with a fresh random id.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: SQLite adds a column in place (a batch rebuild would not
    # keep the table WITHOUT ROWID on its own key).
    op.add_column("sealed_ballots", sa.Column("tally", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    fresh = "CAST(gen_random_uuid() AS TEXT)" if postgres else "lower(hex(randomblob(16)))"
    # INSERT first, then WITH: pysqlite opens its own transaction only before a statement starting with
    # INSERT, and a WITH ... INSERT committed on its own (env.py now begins one anyway).
    op.execute(
        "INSERT INTO sealed_ballots (question_id, id, answer, tally)"
        " WITH RECURSIVE copies (question_id, answer, remaining) AS ("
        " SELECT question_id, answer, tally - 1 FROM sealed_ballots WHERE tally > 1"
        " UNION ALL SELECT question_id, answer, remaining - 1 FROM copies WHERE remaining > 1)"
        f" SELECT question_id, {fresh}, answer, 1 FROM copies"
    )
    op.execute("UPDATE sealed_ballots SET tally = 1 WHERE tally > 1")
    op.execute("ALTER TABLE sealed_ballots DROP COLUMN tally")
