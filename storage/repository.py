"""The SQL repository: implements `bot.ports.SurveyRepository` from its parts (survey rows,
answering, sealing). `bot.bootstrap` loads `SqlRepository` and `SqlStateStore` from here by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Participant
from bot.ports import LiveStep, LiveView
from storage.answers import Answering
from storage.ballot_writer import BallotWriter
from storage.base import ballots, from_db_time, sealed, to_db_time
from storage.delegations import DelegationRows
from storage.eligibility import EligibilityStore
from storage.engine import create_read_engine
from storage.live_store import LiveStore
from storage.scrub import FileScrubber, ScrubPolicy
from storage.sealing import PER_SURVEY_TABLES, SCRUBBED_TABLES, Sealing
from storage.staged_seal import StagedSeal
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


class SqlRepository(SurveyRows, Answering, Sealing, DelegationRows):
    def __init__(self, engine: AsyncEngine, scrub_policy: ScrubPolicy | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._writer = BallotWriter(engine, self._insert)
        url = engine.url.render_as_string(hide_password=False)
        self._staged = StagedSeal(url) if self.dialect == "sqlite" else None
        self._seal_retry = None
        # Reads go through their own pool on SQLite (see create_read_engine); writes keep one writer.
        self._read_engine = create_read_engine(url)
        self.reader = self._read_engine or engine
        self._scrubber = FileScrubber(engine, SCRUBBED_TABLES, scrub_policy or ScrubPolicy())
        self._eligibility = EligibilityStore(engine, self._insert)
        self._live = LiveStore(engine, self._insert, self.reader)

    async def dispose(self) -> None:
        await self.stop_retrying()
        await self._writer.dispose()
        if self._staged is not None:
            await self._staged.dispose()
        await self.checkpointed()
        if self._read_engine is not None:
            await self._read_engine.dispose()
        await self.engine.dispose()

    # -- the core's own tables (storage/eligibility.py, storage/live_store.py) --------------------

    async def set_eligible(self, survey_id: str, slots: Sequence[bytes]) -> None:
        await self._eligibility.set_eligible(survey_id, slots)

    async def add_to_roster(self, survey_id: str, people: Sequence[tuple[Participant, bytes]]) -> int | None:
        return await self._eligibility.add_to_roster(survey_id, people)

    async def is_eligible(self, survey_id: str, slot: bytes) -> bool:
        return await self._eligibility.is_eligible(survey_id, slot)

    async def live_view(self, survey_id: str) -> LiveView | None:
        return await self._live.view(survey_id)

    async def publish_live(
        self, survey_id: str, question_ids: Sequence[str], k: int, build: Callable[[LiveStep], str]
    ) -> int | None:
        return await self._live.publish(survey_id, question_ids, k, build)

    async def consume_live_hint(self, survey_id: str, consumed: int) -> None:
        await self._live.consume_hint(survey_id, consumed)
