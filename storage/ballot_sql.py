"""The vote batch's statements: the open-and-invited read, the ballot upsert, the responded markers
(every batch), and clearing skipped answers, deleting drafts and counting live submissions (some).

- PostgreSQL: Core statements built once, with expanding bind parameters and executemany, so each
  is compiled once and only its parameters change (a statement built per batch, with literal IN
  lists or a multi-row VALUES, got a new cache key and was compiled again every time: for a batch of
  ten votes that cost about ten times the SQL itself).
- SQLite: the same statements as plain SQL on the writer thread's own sqlite3 connection
  (storage/write_thread.py). That thread shares the GIL with the event loop; SQLAlchemy's execution
  machinery there (about 0.4 ms a batch) made the loop wait for the GIL on every socket send.
  sqlite3 runs these in C, releasing the GIL while SQLite works.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, delete, select, tuple_

from bot.domain import Status
from storage.base import ballots, drafts, live, responded, surveys
from storage.eligibility import eligible

OPEN = str(Status.OPEN)
Key = tuple[str, bytes]  # (survey id, responded slot)
Ballot = tuple[str, bytes, str]  # (question id, slot, answer)


class BallotSql(Protocol):
    def open_and_invited(self, conn: Any, keys: Sequence[Key]) -> list[tuple[str, bytes | None]]:
        """Each open survey among the keys' surveys once per eligible key (or once with None): status
        and eligibility in one read, inside the transaction that writes."""

    def upsert_ballots(self, conn: Any, rows: Sequence[Ballot]) -> None: ...

    def mark_responded(self, conn: Any, keys: Sequence[Key]) -> set[Key]:
        """Insert the markers; the ones that were new (RETURNING, not rowcount: drivers disagree on
        rowcount after ON CONFLICT DO NOTHING)."""

    def clear_ballots(self, conn: Any, keys: Sequence[tuple[str, bytes]]) -> None:
        """Delete the ballots of these (question id, slot): answers left out of a resubmission."""

    def delete_drafts(self, conn: Any, keys: Sequence[Key]) -> None: ...

    def count_live(self, conn: Any, survey_id: str, added: int) -> int:
        """Add to the survey's live-submission counter; its new value."""


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
        self._insert = insert
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
        params = [{"question_id": q, "slot": s, "answer": a} for q, s, a in rows]
        conn.execute(self._upsert, params)

    def mark_responded(self, conn: Connection, keys: Sequence[Key]) -> set[Key]:
        result = conn.execute(self._mark, [{"survey_id": sid, "slot": slot} for sid, slot in keys])
        return {(sid, bytes(slot)) for sid, slot in result}

    def clear_ballots(self, conn: Connection, keys: Sequence[tuple[str, bytes]]) -> None:
        conn.execute(delete(ballots).where(tuple_(ballots.c.question_id, ballots.c.slot).in_(list(keys))))

    def delete_drafts(self, conn: Connection, keys: Sequence[Key]) -> None:
        conn.execute(delete(drafts).where(tuple_(drafts.c.survey_id, drafts.c.slot).in_(list(keys))))

    def count_live(self, conn: Connection, survey_id: str, added: int) -> int:
        stmt = self._insert(live).values(survey_id=survey_id, submissions_since=added)
        stmt = stmt.on_conflict_do_update(
            index_elements=["survey_id"], set_={"submissions_since": live.c.submissions_since + added}
        ).returning(live.c.submissions_since)
        return int(conn.execute(stmt).scalar_one())


class SqliteBallotSql:
    """On the writer thread's sqlite3 connection, inside its BEGIN IMMEDIATE, which serialises writers:
    no row lock is needed for the read."""

    UPSERT = (
        "INSERT INTO ballots (question_id, slot, answer) VALUES (?, ?, ?) "
        "ON CONFLICT (question_id, slot) DO UPDATE SET answer = excluded.answer"
    )
    COUNT_LIVE = (
        "INSERT INTO live_results (survey_id, submissions_since) VALUES (?, ?) ON CONFLICT (survey_id) "
        "DO UPDATE SET submissions_since = live_results.submissions_since + excluded.submissions_since "
        "RETURNING submissions_since"
    )

    def open_and_invited(self, conn: sqlite3.Connection, keys: Sequence[Key]) -> list[tuple[str, bytes | None]]:
        # The keys as a VALUES table joined to eligible: a primary-key lookup per key. A row-value
        # `(survey_id, slot) IN (VALUES ...)` instead made SQLite scan the survey's whole eligibility
        # set in every batch (32 ms a batch at 100,000 invited).
        ids = list({sid for sid, _ in keys})
        sql = (
            "SELECT surveys.id, invited.slot FROM surveys LEFT OUTER JOIN ("
            " SELECT eligible.survey_id, eligible.slot FROM (VALUES "
            + _pairs(len(keys))
            + ") AS wanted JOIN eligible ON eligible.survey_id = wanted.column1 AND eligible.slot = wanted.column2"
            ") AS invited ON invited.survey_id = surveys.id WHERE surveys.id IN ("
            + ", ".join(["?"] * len(ids))
            + ") AND surveys.status = ?"
        )
        rows: list[tuple[str, bytes | None]] = conn.execute(sql, [*_flat(keys), *ids, OPEN]).fetchall()
        return rows

    def upsert_ballots(self, conn: sqlite3.Connection, rows: Sequence[Ballot]) -> None:
        conn.executemany(self.UPSERT, rows)

    def mark_responded(self, conn: sqlite3.Connection, keys: Sequence[Key]) -> set[Key]:
        sql = (
            "INSERT INTO responded (survey_id, slot) VALUES "
            + _pairs(len(keys))
            + " ON CONFLICT (survey_id, slot) DO NOTHING RETURNING survey_id, slot"
        )
        return {(sid, bytes(slot)) for sid, slot in conn.execute(sql, _flat(keys)).fetchall()}

    # One primary-key delete per key: a row-value IN made SQLite scan the whole table.
    def clear_ballots(self, conn: sqlite3.Connection, keys: Sequence[tuple[str, bytes]]) -> None:
        conn.executemany("DELETE FROM ballots WHERE question_id = ? AND slot = ?", keys)

    def delete_drafts(self, conn: sqlite3.Connection, keys: Sequence[Key]) -> None:
        conn.executemany("DELETE FROM drafts WHERE survey_id = ? AND slot = ?", keys)

    def count_live(self, conn: sqlite3.Connection, survey_id: str, added: int) -> int:
        return int(conn.execute(self.COUNT_LIVE, (survey_id, added)).fetchone()[0])


def _pairs(count: int) -> str:
    return ", ".join(["(?, ?)"] * count)


def _flat(pairs: Sequence[tuple[str, bytes]]) -> list[str | bytes]:
    return [value for pair in pairs for value in pair]
