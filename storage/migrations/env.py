"""Alembic environment: migrations run on a synchronous connection."""

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event, pool

from storage.tables import metadata

config = context.config


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=ON")
    # The driver would BEGIN only before INSERT/UPDATE/DELETE, so DDL (ALTER TABLE, CREATE, DROP) and
    # a statement that starts with WITH would commit on their own: a migration stopped part way would
    # leave its first steps without its version stamp. We BEGIN ourselves (SQLAlchemy's documented
    # pysqlite recipe), so each revision commits whole, with its stamp, or not at all (Alembic commits
    # per revision on SQLite, and 0003's autocommit block commits part way through that one).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        # A migration that rebuilds a table (0008) frees pages holding slots and answers: zero them,
        # as the bot's own connections do (storage/engine.py), whatever SQLite's build.
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
