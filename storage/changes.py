"""`bot.scheduling.ports.ChangeFeed` on the shared database: a change made by another process (the
CLI's close, extend or remind; another replica) reaches the running bot in a second or two, rather
than at its next sweep.

- PostgreSQL: `NOTIFY canvass_schedule`, heard on a dedicated `LISTEN` connection.
- SQLite: a counter row in `bot_state`, read every `poll_seconds` through a read-only connection
  (WAL readers never wait for the writer, nor hold it up).

The payload is only the announcing process's name, so that a process ignores its own announcements.
It carries no survey id: the listener re-reads everything anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_read_engine, display_url, is_sqlite, normalise_url
from storage.tables import StateRow

log = logging.getLogger(__name__)

CHANNEL = "canvass_schedule"
STATE_KEY = "scheduling.changed"
state = StateRow.__table__  # type: ignore[attr-defined]

OnChange = Callable[[], Awaitable[None]]


async def _call(on_change: OnChange) -> None:
    try:
        await on_change()
    except Exception:
        log.exception("handling a change announced by another process failed; the next sweep retries")


class SqliteChangeFeed:
    def __init__(self, engine: AsyncEngine, origin: str, poll_seconds: float = 0.5) -> None:
        self.engine = engine
        self.origin = origin
        self.poll_seconds = poll_seconds
        self._reader: AsyncEngine | None = None
        self._task: asyncio.Task[None] | None = None

    async def announce(self) -> None:
        value = f"{self.origin} {secrets.token_hex(4)}"  # unique per announcement, so every one is seen
        async with self.engine.begin() as conn:
            stmt = sqlite.insert(state).values(key=STATE_KEY, value=value)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    async def _read(self) -> str | None:
        assert self._reader is not None
        async with self._reader.connect() as conn:
            value: str | None = await conn.scalar(select(state.c.value).where(state.c.key == STATE_KEY))
            return value

    async def listen(self, on_change: OnChange) -> None:
        self._reader = create_read_engine(self.engine.url.render_as_string(hide_password=False))
        last = await self._read()
        self._task = asyncio.create_task(self._poll(last, on_change), name="change-feed")

    async def _poll(self, last: str | None, on_change: OnChange) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                value = await self._read()
            except Exception as error:  # a locked or busy file: try again at the next tick
                log.debug("change feed: read failed (%s)", type(error).__name__)
                continue
            if value != last:
                last = value
                if value is not None and not value.startswith(f"{self.origin} "):
                    await _call(on_change)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._reader is not None:
            await self._reader.dispose()
            self._reader = None


class PostgresChangeFeed:
    def __init__(self, engine: AsyncEngine, origin: str, retry_seconds: float = 5.0) -> None:
        self.engine = engine
        self.origin = origin
        self.retry_seconds = retry_seconds
        url = normalise_url(engine.url.render_as_string(hide_password=False))
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._shown = display_url(url)
        self._task: asyncio.Task[None] | None = None

    async def announce(self) -> None:
        async with self.engine.begin() as conn:  # delivered to the listeners at commit
            await conn.execute(text("SELECT pg_notify(:channel, :origin)"), {"channel": CHANNEL, "origin": self.origin})

    async def listen(self, on_change: OnChange) -> None:
        listening = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(on_change, listening), name="change-feed")
        await asyncio.wait([listening, self._task], return_when=asyncio.FIRST_COMPLETED)

    async def _listen(self, on_change: OnChange, listening: asyncio.Future[None]) -> None:
        import psycopg

        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=10
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if not listening.done():
                        listening.set_result(None)
                    if not first:
                        await _call(on_change)  # announcements made while we were away were lost
                    first = False
                    async for notice in conn.notifies():
                        if notice.payload != self.origin:
                            await _call(on_change)
            except psycopg.Error as error:
                log.warning(
                    "change feed on %s lost (%s); listening again in %s s",
                    self._shown,
                    type(error).__name__,
                    self.retry_seconds,
                )
                if not listening.done():
                    listening.set_result(None)  # start anyway: the sweep still covers what we miss
                first = False
                await asyncio.sleep(self.retry_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def change_feed(engine: AsyncEngine, origin: str) -> SqliteChangeFeed | PostgresChangeFeed:
    url = engine.url.render_as_string(hide_password=False)
    return SqliteChangeFeed(engine, origin) if is_sqlite(url) else PostgresChangeFeed(engine, origin)
