"""The vote path's statements look rows up by key on SQLite, never by scanning a table: a scan costs a
batch time in proportion to everyone invited to every open survey (32 ms a batch at 100,000)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from storage.ballot_sql import SqliteBallotSql
from storage.base import ballots, pairs_in
from storage.eligibility import eligible
from storage.migrate import upgrade

TABLES = ("surveys", "eligible", "ballots", "responded", "drafts", "live_results")


class PlanRecorder:
    """Stands in for the writer thread's connection: each statement is planned, not run."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.plans: list[tuple[str, list[str]]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        steps = [row[3] for row in self._conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        self.plans.append((sql, steps))
        return self._conn.execute("SELECT NULL, NULL WHERE 0")  # fetchall() -> [], fetchone() -> None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.execute(sql, rows[0])


def scans(steps: list[str]) -> list[str]:
    return [s for s in steps if s.startswith("SCAN") and s.split()[1] in TABLES]


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "plans.db"
    upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    # Enough rows that the planner's choice is the one a real deployment gets.
    connection.executemany(
        "INSERT INTO surveys (id, title, description, status, results_mode, k, timezone, created_by,"
        " by_delegation, seal_stage) VALUES (?, 't', '', 'open', 'after_close', 5, 'UTC', 'o', 0, 0)",
        [(f"s{n}",) for n in range(1, 300)],
    )
    connection.executemany(
        "INSERT INTO eligible (survey_id, slot) VALUES ('s1', ?)", [(bytes([i % 256, i // 256]),) for i in range(3000)]
    )
    connection.execute("ANALYZE")
    yield connection
    connection.close()


def test_every_batch_statement_looks_rows_up_by_key(conn: sqlite3.Connection) -> None:
    sql, recorder = SqliteBallotSql(), PlanRecorder(conn)
    keys = [("s1", b"\x01\x00"), ("s1", b"\x02\x00"), ("s2", b"\x03\x00")]
    sql.open_and_invited(recorder, keys)  # type: ignore[arg-type]
    sql.upsert_ballots(recorder, [("s1.1", b"\x01\x00", '"a"')])  # type: ignore[arg-type]
    sql.mark_responded(recorder, keys)  # type: ignore[arg-type]
    sql.clear_ballots(recorder, [("s1.1", b"\x01\x00"), ("s1.2", b"\x01\x00")])  # type: ignore[arg-type]
    sql.delete_drafts(recorder, keys)  # type: ignore[arg-type]
    assert len(recorder.plans) == 5
    for statement, steps in recorder.plans:
        assert not scans(steps), (statement, steps)


@pytest.mark.parametrize("pairs", [[("s1", b"\x01\x00"), ("s1", b"\x02\x00")], [("s1.1", b"a"), ("s1.2", b"b")]])
def test_pairs_in_is_a_key_lookup(conn: sqlite3.Connection, pairs: list[tuple[str, bytes]]) -> None:
    for table, first, second in ((eligible, "survey_id", "slot"), (ballots, "question_id", "slot")):
        query = select(table).where(pairs_in(table.c[first], table.c[second], pairs))
        compiled = query.compile(dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True})
        params = [compiled.params[name] for name in compiled.positiontup or []]
        steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + str(compiled), params)]
        assert not scans(steps), steps
