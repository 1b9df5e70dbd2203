"""`bot.ports.StateStore` on SQL: adapters' small key/value state and handled event ids.

Per-survey adapter state goes under the key prefix `survey:<survey_id>:`; the seal deletes it at close
(see storage.sealing). What an adapter needs *after* the close to clean up (the DMs it must delete or
redact) goes under `cleanup:<survey_id>:`, which the seal keeps: the adapter deletes that prefix when
done, and that deletion scrubs the table's file as a close does (the refs name who was invited).

Handled event ids are kept `keep_seen` (7 days by default) and then purged, at most once an hour, by
the next `first_sighting`: an adapter can rely on an event redelivered within that window being
recognised.

Sightings and state writes are group-committed (storage/group_commit.py): a plenary answering in
hundreds of DMs at once marks hundreds of events seen and moves hundreds of conversations on, and
one transaction for all that arrive together replaces one each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.base import seen, state, to_db_time
from storage.group_commit import GroupCommit
from storage.scrub import FileScrubber, ScrubPolicy

CLEANUP_ROOT = "cleanup:"

KEEP_SEEN = timedelta(days=7)
PURGE_EVERY = timedelta(hours=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Sighting:
    event_id: str
    at: datetime


@dataclass(frozen=True)
class _Set:
    key: str
    value: str


_Write = _Sighting | _Set


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
        self._writes: GroupCommit[_Write, bool] = GroupCommit(self._write_batch, "state-writer")

    async def _write_batch(self, writes: list[_Write]) -> list[bool]:
        """One transaction: each sighting says whether it was the event's first; a set says True."""
        sightings = list(dict.fromkeys(w.event_id for w in writes if isinstance(w, _Sighting)))
        latest = {w.key: w.value for w in writes if isinstance(w, _Set)}  # the last set of a key wins
        async with self.engine.begin() as conn:
            new: set[str] = set()
            if sightings:
                at = next(w.at for w in writes if isinstance(w, _Sighting))
                result = await conn.execute(
                    self._insert(seen)
                    .values([{"event_id": event_id, "seen_at": at} for event_id in sightings])
                    .on_conflict_do_nothing(index_elements=["event_id"])
                    .returning(seen.c.event_id)
                )
                new = {event_id for (event_id,) in result}
            if latest:
                stmt = self._insert(state)
                await conn.execute(
                    stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}),
                    [{"key": key, "value": value} for key, value in latest.items()],
                )
        outcomes = []
        for write in writes:
            if isinstance(write, _Sighting):
                first = write.event_id in new
                new.discard(write.event_id)  # the same event twice in a batch: only the first is first
                outcomes.append(first)
            else:
                outcomes.append(True)
        return outcomes

    async def get_state(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            value: str | None = await conn.scalar(select(state.c.value).where(state.c.key == key))
            return value

    async def set_state(self, key: str, value: str) -> None:
        await self._writes.submit(_Set(key, value))

    async def delete_state(self, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(state).where(state.c.key == key))

    async def state_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every key starting with `prefix` (an adapter's per-survey or clean-up state)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(state.c.key, state.c.value).where(state.c.key.startswith(prefix, autoescape=True))
            )
            return {key: value for key, value in rows}

    async def delete_state_prefix(self, prefix: str) -> None:
        """Delete every key starting with `prefix`; a finished clean-up is scrubbed from the files too."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(state).where(state.c.key.startswith(prefix, autoescape=True)))
        if prefix.startswith(CLEANUP_ROOT) and result.rowcount:
            await self._scrubber.scrub()

    async def first_sighting(self, event_id: str) -> bool:
        now = self._now()
        first = await self._writes.submit(_Sighting(event_id, now))
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            await self.purge_seen()
        return first

    async def has_seen(self, event_id: str) -> bool:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(seen.c.event_id).where(seen.c.event_id == event_id)) is not None

    async def purge_seen(self) -> int:
        """Forget event ids handled more than `keep_seen` ago; the next close scrubs them from the files."""
        return await self.forget_before(self._now() - self.keep_seen)

    async def forget_before(self, moment: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(seen).where(seen.c.seen_at < to_db_time(moment)))
            return int(result.rowcount)
