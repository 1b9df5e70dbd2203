"""The migrations produce exactly the schema the code declares, on both databases."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from storage.engine import sync_url
from storage.migrate import upgrade
from storage.tables import metadata
from tests.conftest import PG_ADMIN_URL
from tests.storage.rawfiles import raw_bytes


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    upgrade(db_url)  # idempotent: already at head
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_keys_of_the_ballot_tables_and_no_answer_in_a_postgresql_key(db_url: str) -> None:
    """Alembic's comparison does not look at primary keys, and the sealed ballots' key differs by
    database on purpose (storage/tables.py): no B-tree entry may hold an answer on PostgreSQL."""
    engine = create_engine(sync_url(db_url))
    try:
        inspector = inspect(engine)
        keys = {t: inspector.get_pk_constraint(t)["constrained_columns"] for t in ("ballots", "sealed_ballots")}
        indexed = {t: [ix["column_names"] for ix in inspector.get_indexes(t)] for t in ("ballots", "sealed_ballots")}
    finally:
        engine.dispose()
    assert keys["ballots"] == ["question_id", "slot"]
    if db_url.startswith("postgresql"):
        assert keys["sealed_ballots"] == ["question_id", "id"]
    else:
        assert keys["sealed_ballots"] == ["question_id", "answer", "id"]
    assert indexed == {"ballots": [], "sealed_ballots": []}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, migrated by the test itself."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("pg_url")  # skips (or fails, when PostgreSQL is required) without a server
    import psycopg

    name = f"canvass_mig_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_0003_moves_the_salts_out_of_surveys_and_leaves_none_in_its_files(fresh_url: str) -> None:
    upgrade(fresh_url, "scheduling_0002")
    open_salt, closed_salt = secrets.token_bytes(32), secrets.token_bytes(32)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            for survey_id, status, salt in (("open1", "open", open_salt), ("closed1", "closed", None)):
                conn.execute(
                    text(
                        "INSERT INTO surveys (id, title, description, status, results_mode, k, timezone,"
                        " created_by, key_salt) VALUES (:id, 't', '', :status, 'after_close', 5, 'UTC', 'o', :salt)"
                    ),
                    {"id": survey_id, "status": status, "salt": salt},
                )
            # A salt erased the old way: its bytes linger in the row's old version (PostgreSQL).
            conn.execute(text("UPDATE surveys SET key_salt = :salt WHERE id = 'closed1'"), {"salt": closed_salt})
        with engine.begin() as conn:
            conn.execute(text("UPDATE surveys SET key_salt = NULL WHERE id = 'closed1'"))
        before = raw_bytes(fresh_url)
        assert open_salt in before
        if fresh_url.startswith("postgresql"):
            assert closed_salt in before  # the check sees an erased salt's old row version

        upgrade(fresh_url)

        with engine.connect() as conn:
            assert conn.execute(text("SELECT survey_id, key_salt FROM survey_keys")).all() == [("open1", open_salt)]
            assert "key_salt" not in {c["name"] for c in inspect(conn).get_columns("surveys")}
    finally:
        engine.dispose()
    raw = raw_bytes(fresh_url)
    assert raw.count(open_salt) == 1  # in survey_keys alone
    assert closed_salt not in raw


def test_0008_keeps_every_ballot_and_sealed_ballot_both_ways(fresh_url: str) -> None:
    """The ballots lose their unused id and are clustered by question; sealed ballots keep theirs. No
    row is lost or changed, upgrading or downgrading."""
    from alembic import command

    from storage.migrate import alembic_config

    upgrade(fresh_url, "0007")
    engine = create_engine(sync_url(fresh_url))
    open_rows = [("s1.1", secrets.token_bytes(32), f"answer {i}") for i in range(5)]
    sealed_rows = [(secrets.token_hex(16), "s2.1", f"sealed {i}") for i in range(4)]
    try:
        with engine.begin() as conn:
            for qid, slot, answer in open_rows:
                conn.execute(
                    text("INSERT INTO ballots (id, question_id, slot, answer) VALUES (:i, :q, :s, :a)"),
                    {"i": secrets.token_hex(16), "q": qid, "s": slot, "a": answer},
                )
            for sid, qid, answer in sealed_rows:
                conn.execute(
                    text("INSERT INTO sealed_ballots (id, question_id, answer) VALUES (:i, :q, :a)"),
                    {"i": sid, "q": qid, "a": answer},
                )
        upgrade(fresh_url)
        with engine.connect() as conn:
            got = conn.execute(text("SELECT question_id, slot, answer FROM ballots")).all()
            assert sorted((q, bytes(s), a) for q, s, a in got) == sorted(open_rows)
            assert sorted(conn.execute(text("SELECT id, question_id, answer FROM sealed_ballots")).all()) == sorted(
                sealed_rows
            )
            assert "id" not in {c["name"] for c in inspect(conn).get_columns("ballots")}
        command.downgrade(alembic_config(fresh_url), "0007")
        with engine.connect() as conn:
            got = conn.execute(text("SELECT question_id, slot, answer FROM ballots")).all()
            assert sorted((q, bytes(s), a) for q, s, a in got) == sorted(open_rows)
            ids = [i for (i,) in conn.execute(text("SELECT id FROM ballots"))]
            assert len(set(ids)) == len(open_rows)  # each a fresh id again
            assert sorted(conn.execute(text("SELECT id, question_id, answer FROM sealed_ballots")).all()) == sorted(
                sealed_rows
            )
        upgrade(fresh_url)
    finally:
        engine.dispose()


def test_0008_downgrade_refuses_while_a_close_is_unfinished(fresh_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO surveys (id, title, description, status, results_mode, k, timezone,"
                    " created_by, by_delegation, seal_stage)"
                    " VALUES ('s1', 't', '', 'closed', 'after_close', 5, 'UTC', 'o', false, 1)"
                )
            )
        with pytest.raises(RuntimeError, match="not finished"):
            command.downgrade(alembic_config(fresh_url), "0007")
        with engine.connect() as conn:
            assert "seal_stage" in {c["name"] for c in inspect(conn).get_columns("surveys")}
    finally:
        engine.dispose()


def test_0008_downgrade_refuses_an_answer_too_long_for_0007s_index(fresh_url: str) -> None:
    if not fresh_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's B-tree cap; SQLite has none")
    from alembic import command

    from storage.migrate import alembic_config

    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO ballots (question_id, slot, answer) VALUES ('s1.1', :s, :a)"),
                {"s": secrets.token_bytes(32), "a": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2000))},
            )
        with pytest.raises(RuntimeError, match="too long"):
            command.downgrade(alembic_config(fresh_url), "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ballots")).scalar() == 1
    finally:
        engine.dispose()


def test_0009_downgrade_writes_each_tally_out_as_ballots_of_one(fresh_url: str) -> None:
    """Revision 0008 counts one sealed row per ballot: a tally of 3 becomes three rows, each under a
    fresh id, and the results' sums are the same both ways."""
    from alembic import command

    from storage.migrate import alembic_config

    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            for answer, tally in (("yes", 3), ("no", 1)):
                conn.execute(
                    text("INSERT INTO sealed_ballots (question_id, id, answer, tally) VALUES ('s1.1', :i, :a, :t)"),
                    {"i": secrets.token_hex(16), "a": answer, "t": tally},
                )
        command.downgrade(alembic_config(fresh_url), "0008")
        with engine.connect() as conn:
            assert "tally" not in {c["name"] for c in inspect(conn).get_columns("sealed_ballots")}
            got = conn.execute(text("SELECT id, answer FROM sealed_ballots")).all()
        assert sorted(answer for _id, answer in got) == ["no", "yes", "yes", "yes"]
        assert len({i for i, _answer in got}) == 4
        upgrade(fresh_url)
        with engine.connect() as conn:
            sums = conn.execute(text("SELECT answer, sum(tally) FROM sealed_ballots GROUP BY answer ORDER BY answer"))
            assert sums.all() == [("no", 1), ("yes", 3)]
    finally:
        engine.dispose()


def test_a_0009_downgrade_that_fails_part_way_changes_nothing(fresh_url: str) -> None:
    """Each tally is written out as rows before the column is dropped: if the drop fails (here a view
    depends on the column), those rows must go with it, or every tally would count twice."""
    from alembic import command

    from storage.migrate import alembic_config

    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            row = "INSERT INTO sealed_ballots (question_id, id, answer, tally) VALUES ('s1.1', 'x', 'yes', 3)"
            conn.execute(text(row))
            conn.execute(text("CREATE VIEW tallies AS SELECT answer, tally FROM sealed_ballots"))
        with pytest.raises(Exception, match=r"tally|depend"):
            command.downgrade(alembic_config(fresh_url), "0008")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*), sum(tally) FROM sealed_ballots")).one() == (1, 3)
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
    finally:
        engine.dispose()
