"""Locks that keep one piece of work on one replica: a PostgreSQL session advisory lock, held on a
dedicated connection for as long as the process does the work. On SQLite (one machine, one process)
the lock is always granted."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.engine import make_url

from storage.engine import is_sqlite, normalise_url

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock(bigint), derived from a readable name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LocalLock:
    """SQLite: a single machine, and the database file itself allows one bot; nothing to arbitrate."""

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLock:
    """pg_try_advisory_lock on a connection of its own. The lock lives exactly as long as that session:
    if the process dies or its connection drops, PostgreSQL releases it and another replica takes over."""

    def __init__(self, url: str, name: str) -> None:
        self.conninfo = make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
        self.name = name
        self.key = lock_key(name)
        self._conn: object | None = None

    async def acquire(self) -> bool:
        import psycopg

        if await self.held():
            return True
        try:
            conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            log.warning("replica lock %r: cannot reach PostgreSQL (%s)", self.name, type(error).__name__)
            return False
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
        row = await cursor.fetchone()
        if row is not None and row[0]:
            self._conn = conn
            return True
        await conn.close()  # another replica holds it; do not keep a connection open while waiting
        return False

    async def held(self) -> bool:
        """True while our session (and so the lock) is alive; checked with a round trip."""
        import psycopg

        conn = self._conn
        if conn is None:
            return False
        try:
            await conn.execute("SELECT 1")  # type: ignore[attr-defined]
            return True
        except psycopg.Error:
            self._conn = None
            try:
                await conn.close()  # type: ignore[attr-defined]
            except psycopg.Error:
                pass
            return False

    async def release(self) -> None:
        import psycopg

        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))  # type: ignore[attr-defined]
        except psycopg.Error:
            pass  # the session is gone, and the lock with it
        finally:
            await conn.close()  # type: ignore[attr-defined]


def replica_lock(url: str, name: str) -> LocalLock | AdvisoryLock:
    return LocalLock() if is_sqlite(url) else AdvisoryLock(url, name)
