"""The migrations produce exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from storage.engine import sync_url
from storage.migrate import upgrade
from storage.tables import metadata


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
