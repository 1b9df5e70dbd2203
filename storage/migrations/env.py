"""Alembic environment: migrations run on a synchronous connection."""

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event, pool

from storage.tables import metadata

config = context.config


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=ON")


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        # A migration that rebuilds a table (0008) frees pages holding slots and answers: zero them,
        # as the bot's own connections do (storage/engine.py), whatever SQLite's build.
        event.listen(engine, "connect", _secure_delete)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
