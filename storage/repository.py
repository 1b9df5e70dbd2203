"""The SQL repository: implements `bot.ports.SurveyRepository` from its parts (survey rows,
answering, sealing). `bot.bootstrap` loads `SqlRepository` and `SqlStateStore` from here by name."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.answers import Answering
from storage.ballot_writer import BallotWriter
from storage.base import ballots, from_db_time, sealed, to_db_time
from storage.engine import create_read_engine
from storage.scrub import FileScrubber, ScrubPolicy
from storage.sealing import PER_SURVEY_TABLES, SCRUBBED_TABLES, Sealing
from storage.state import SqlStateStore
from storage.surveys import SurveyRows

__all__ = [
    "PER_SURVEY_TABLES",
    "SCRUBBED_TABLES",
    "SqlRepository",
    "SqlStateStore",
    "ballots",
    "from_db_time",
    "sealed",
    "to_db_time",
]


class SqlRepository(SurveyRows, Answering, Sealing):
    def __init__(self, engine: AsyncEngine, scrub_policy: ScrubPolicy | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._writer = BallotWriter(engine, self._insert)
        # Reads go through their own pool on SQLite (see create_read_engine); writes keep one writer.
        self._read_engine = create_read_engine(engine.url.render_as_string(hide_password=False))
        self.reader = self._read_engine or engine
        self._scrubber = FileScrubber(engine, SCRUBBED_TABLES, scrub_policy or ScrubPolicy())
        self._scrub_pending = False

    async def dispose(self) -> None:
        await self.checkpointed()
        if self._read_engine is not None:
            await self._read_engine.dispose()
        await self.engine.dispose()
