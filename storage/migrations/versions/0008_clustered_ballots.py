"""Ballots clustered by question, and a staged close on SQLite (issue 15).

- `ballots`: the primary key is (question_id, slot), which the vote upsert already needed as a unique
  key; the random id column, which nothing read, is gone. A question's ballots now sit side by side,
  so the close deletes them as one range.
- `sealed_ballots`: on SQLite the primary key is (question_id, answer, id), so a close appends each
  question's sealed rows in one sorted run of pages and the results count each answer from one
  ordered range. On PostgreSQL it is (question_id, id): no B-tree entry holds an answer there any
  more, as PostgreSQL caps an entry at about 2.7 kB, and a 2,000-character answer in a script of two
  or three bytes a character failed the vote. Both (question, answer) indexes are gone.
- `surveys.seal_stage`: where a staged SQLite close stands (storage/staged_seal.py).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rebuild(name: str, columns: list[sa.Column], key: tuple[str, ...], copied: str) -> None:
    """A new table under a temporary name, the rows copied, the old table dropped, the new renamed:
    the same steps on both databases (SQLite cannot change a primary key in place). The key is named
    for what it is, so that PostgreSQL's constraint name does not keep the temporary table's."""
    op.create_table(f"{name}_new", *columns, sa.PrimaryKeyConstraint(*key, name=f"{name}_by_question_pkey"), **NO_ROWID)
    op.execute(f"INSERT INTO {name}_new ({copied}) SELECT {copied} FROM {name}")
    op.drop_table(name)
    op.rename_table(f"{name}_new", name)


def _new_ballots() -> list[sa.Column]:
    return [
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("slot", sa.LargeBinary(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
    ]


def _new_sealed() -> list[sa.Column]:
    return [
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
    ]


def upgrade() -> None:
    _rebuild("ballots", _new_ballots(), ("question_id", "slot"), "question_id, slot, answer")
    sealed_key = ("question_id", "id") if _postgres() else ("question_id", "answer", "id")
    _rebuild("sealed_ballots", _new_sealed(), sealed_key, "question_id, id, answer")
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("seal_stage", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # A close still under way would be lost: 0007 reads only sealed ballots for a closed survey, and
    # nothing there would delete its slots and roster. Start the bot once at 0008 to finish it.
    unfinished = op.get_bind().execute(sa.text("SELECT count(*) FROM surveys WHERE seal_stage <> 0")).scalar()
    if unfinished:
        raise RuntimeError(
            f"{unfinished} survey close(s) are not finished; start Canvass once to finish them, then downgrade"
        )
    if _postgres():
        # 0007's (question, answer) indexes cannot hold an answer over PostgreSQL's B-tree cap.
        for table in ("ballots", "sealed_ballots"):
            long = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table} WHERE octet_length(answer) > 2700"))
            if long.scalar():
                raise RuntimeError(f"{table} holds answers too long for revision 0007's index; cannot downgrade")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("seal_stage")
    op.create_table(
        "sealed_ballots_new",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        **NO_ROWID,
    )
    op.execute(
        "INSERT INTO sealed_ballots_new (id, question_id, answer) SELECT id, question_id, answer FROM sealed_ballots"
    )
    op.drop_table("sealed_ballots")
    op.rename_table("sealed_ballots_new", "sealed_ballots")
    op.create_index("ix_sealed_ballots_question_answer", "sealed_ballots", ["question_id", "answer"])
    op.create_table(
        "ballots_new",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question_id", sa.String(24), nullable=False),
        sa.Column("slot", sa.LargeBinary(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.UniqueConstraint("question_id", "slot", name="uq_ballots_question_slot"),
        **NO_ROWID,
    )
    # A fresh random id for each open ballot, drawn by the database (as the votes' ids were).
    fresh = "CAST(gen_random_uuid() AS TEXT)" if _postgres() else "lower(hex(randomblob(16)))"
    op.execute(
        "INSERT INTO ballots_new (id, question_id, slot, answer) "
        f"SELECT {fresh}, question_id, slot, answer FROM ballots"
    )
    op.drop_table("ballots")
    op.rename_table("ballots_new", "ballots")
    op.create_index("ix_ballots_question_answer", "ballots", ["question_id", "answer"])
