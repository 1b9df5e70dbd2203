"""`bot.ports.StateStore` on SQL: adapters' small key/value state and handled event ids.

Per-survey adapter state goes under the key prefix `survey:<survey_id>:`; the seal deletes it at close
(see storage.sealing). What an adapter needs *after* the close to clean up (the DMs it must delete or
redact) goes under `cleanup:<survey_id>:`, which the seal keeps: the adapter deletes that prefix when
done, and that deletion scrubs the table's file as a close does (the refs name who was invited).

Handled event ids are kept `keep_seen` (7 days by default) and then purged, at most once an hour, by
the next `first_sighting`: an adapter can rely on an event redelivered within that window being
recognised.

Sightings, sets and deletes are group-committed in call order (storage/state_writes.py), and a
per-survey key is not written once its survey is closed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.base import seen, state, to_db_time
from storage.scrub import FileScrubber, ScrubPolicy
from storage.state_writes import Delete, Set, Sighting, StateWrites

log = logging.getLogger(__name__)

CLEANUP_ROOT = "cleanup:"

KEEP_SEEN = timedelta(days=7)
PURGE_EVERY = timedelta(hours=1)
SEEN_LOOKUP_CHUNK = 500  # bound parameters a statement, under every SQLite build's limit (999 before 3.32)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStateStore:
    """`bot.ports.StateStore` on the same database."""

    def __init__(
        self, engine: AsyncEngine, keep_seen: timedelta = KEEP_SEEN, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self.engine = engine
        self.keep_seen = keep_seen
        self._now = now
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._next_purge: datetime | None = None  # the first sighting after a start purges
        self._scrubber = FileScrubber(engine, (state.name,), ScrubPolicy())
        self._writes = StateWrites(engine, self._insert)  # in call order, one transaction per batch

    async def get_state(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            value: str | None = await conn.scalar(select(state.c.value).where(state.c.key == key))
            return value

    async def set_state(self, key: str, value: str) -> None:
        await self._writes.submit(Set(key, value))

    async def delete_state(self, key: str) -> None:
        await self._writes.submit(Delete(key))

    async def state_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every key starting with `prefix` (an adapter's per-survey or clean-up state)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(state.c.key, state.c.value).where(state.c.key.startswith(prefix, autoescape=True))
            )
            return {key: value for key, value in rows}

    async def delete_state_prefix(self, prefix: str) -> None:
        """Delete every key starting with `prefix`; a finished clean-up is scrubbed from the files too."""
        deleted = await self._writes.submit(Delete(prefix, prefix=True))
        if prefix.startswith(CLEANUP_ROOT) and deleted:
            await self._scrubber.scrub()

    async def first_sighting(self, event_id: str) -> bool:
        now = self._now()
        first = await self._writes.submit(Sighting(event_id, now))
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            try:
                await self.purge_seen()
            except Exception as error:  # the sighting is stored: saying it failed would drop a command
                self._next_purge = None  # the next sighting tries again
                log.warning("state: purging old event ids failed (%s); trying again later", type(error).__name__)
        return first

    async def has_seen(self, event_id: str) -> bool:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(seen.c.event_id).where(seen.c.event_id == event_id)) is not None

    async def seen_among(self, event_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(event_ids))
        found: set[str] = set()
        if not wanted:
            return found
        async with self.engine.connect() as conn:
            for start in range(0, len(wanted), SEEN_LOOKUP_CHUNK):
                chunk = wanted[start : start + SEEN_LOOKUP_CHUNK]
                found.update(await conn.scalars(select(seen.c.event_id).where(seen.c.event_id.in_(chunk))))
        return found

    async def purge_seen(self) -> int:
        """Forget event ids handled more than `keep_seen` ago; the next close scrubs them from the files."""
        return await self.forget_before(self._now() - self.keep_seen)

    async def forget_before(self, moment: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(seen).where(seen.c.seen_at < to_db_time(moment)))
            return int(result.rowcount)
