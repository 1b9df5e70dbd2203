"""The vote batch's three hot statements: the open-and-invited read, the ballot upsert and the
responded markers. Everything else in the batch's transaction is SQLAlchemy Core as elsewhere.

- PostgreSQL: Core statements built once, with expanding bind parameters and executemany, so each
  is compiled once and only its parameters change (a statement built per batch, with literal IN
  lists or a multi-row VALUES, got a new cache key and was compiled again every time: for a batch of
  ten votes that cost about ten times the SQL itself).
- SQLite: the same three statements as plain SQL on the DBAPI cursor of the writer thread's
  connection (storage/write_thread.py), inside the transaction SQLAlchemy began. That thread shares
  the GIL with the event loop; SQLAlchemy's execution machinery there (about 0.4 ms a batch) made
  the loop wait for the GIL on every socket send. sqlite3 runs these in C, releasing the GIL while
  SQLite works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, select, tuple_

from bot.domain import Status
from storage.tables import BallotRow, EligibleRow, RespondedRow, SurveyRow

surveys = SurveyRow.__table__  # type: ignore[attr-defined]
ballots = BallotRow.__table__  # type: ignore[attr-defined]
responded = RespondedRow.__table__  # type: ignore[attr-defined]
eligible = EligibleRow.__table__  # type: ignore[attr-defined]

OPEN = str(Status.OPEN)
Key = tuple[str, bytes]  # (survey id, responded slot)
Ballot = tuple[str, str, bytes, str]  # (random id, question id, slot, answer)


class BallotSql(Protocol):
    def open_and_invited(self, conn: Connection, keys: Sequence[Key]) -> list[tuple[str, bytes | None]]:
        """Each open survey among the keys' surveys once per eligible key (or once with None): status
        and eligibility in one read, inside the transaction that writes."""

    def upsert_ballots(self, conn: Connection, rows: Sequence[Ballot]) -> None: ...

    def mark_responded(self, conn: Connection, keys: Sequence[Key]) -> set[Key]:
        """Insert the markers; the ones that were new (RETURNING, not rowcount: drivers disagree on
        rowcount after ON CONFLICT DO NOTHING)."""


class CoreBallotSql:
    def __init__(self, insert: Callable[..., Any]) -> None:
        self._open_and_invited = (
            select(surveys.c.id, eligible.c.slot)
            .select_from(
                surveys.outerjoin(
                    eligible,
                    (eligible.c.survey_id == surveys.c.id)
                    & tuple_(eligible.c.survey_id, eligible.c.slot).in_(bindparam("keys", expanding=True)),
                )
            )
            .where(surveys.c.id.in_(bindparam("ids", expanding=True)), surveys.c.status == OPEN)
            # Holds off a concurrent close until these votes are committed, or sees it closed.
            .with_for_update(read=True, of=surveys)
        )
        stmt = insert(ballots)
        self._upsert = stmt.on_conflict_do_update(
            index_elements=["question_id", "slot"], set_={"answer": stmt.excluded.answer}
        )
        self._mark = (
            insert(responded)
            .on_conflict_do_nothing(index_elements=["survey_id", "slot"])
            .returning(responded.c.survey_id, responded.c.slot)
        )

    def open_and_invited(self, conn: Connection, keys: Sequence[Key]) -> list[tuple[str, bytes | None]]:
        rows = conn.execute(self._open_and_invited, {"keys": list(keys), "ids": list({sid for sid, _ in keys})})
        return [(sid, None if slot is None else bytes(slot)) for sid, slot in rows]

    def upsert_ballots(self, conn: Connection, rows: Sequence[Ballot]) -> None:
        params = [{"id": i, "question_id": q, "slot": s, "answer": a} for i, q, s, a in rows]
        conn.execute(self._upsert, params)

    def mark_responded(self, conn: Connection, keys: Sequence[Key]) -> set[Key]:
        result = conn.execute(self._mark, [{"survey_id": sid, "slot": slot} for sid, slot in keys])
        return {(sid, bytes(slot)) for sid, slot in result}


class SqliteBallotSql:
    """Serialised by BEGIN IMMEDIATE (storage/engine.py), so no row lock is needed for the read."""

    UPSERT = (
        "INSERT INTO ballots (id, question_id, slot, answer) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (question_id, slot) DO UPDATE SET answer = excluded.answer"
    )

    def open_and_invited(self, conn: Connection, keys: Sequence[Key]) -> list[tuple[str, bytes | None]]:
        ids = list({sid for sid, _ in keys})
        sql = (
            "SELECT surveys.id, eligible.slot FROM surveys LEFT OUTER JOIN eligible "
            "ON eligible.survey_id = surveys.id AND (eligible.survey_id, eligible.slot) IN (VALUES "
            + ", ".join(["(?, ?)"] * len(keys))
            + ") WHERE surveys.id IN ("
            + ", ".join(["?"] * len(ids))
            + ") AND surveys.status = ?"
        )
        params = [value for key in keys for value in key] + ids + [OPEN]
        rows: list[tuple[str, bytes | None]] = _cursor(conn).execute(sql, params).fetchall()
        return rows

    def upsert_ballots(self, conn: Connection, rows: Sequence[Ballot]) -> None:
        _cursor(conn).executemany(self.UPSERT, rows)

    def mark_responded(self, conn: Connection, keys: Sequence[Key]) -> set[Key]:
        sql = (
            "INSERT INTO responded (survey_id, slot) VALUES "
            + ", ".join(["(?, ?)"] * len(keys))
            + " ON CONFLICT (survey_id, slot) DO NOTHING RETURNING survey_id, slot"
        )
        params = [value for key in keys for value in key]
        return {(sid, bytes(slot)) for sid, slot in _cursor(conn).execute(sql, params).fetchall()}


def _cursor(conn: Connection) -> Any:
    # The DBAPI connection SQLAlchemy holds, inside the transaction it began (BEGIN IMMEDIATE).
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
