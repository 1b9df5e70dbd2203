"""The replica lock that keeps the Matrix sync on one replica: a PostgreSQL session advisory lock."""

from __future__ import annotations

import psycopg

from storage.locks import AdvisoryLock, LocalLock, lock_key, replica_lock


async def test_sqlite_always_grants_the_lock(sqlite_url: str) -> None:
    lock = replica_lock(sqlite_url, "matrix")
    assert isinstance(lock, LocalLock)
    assert await lock.acquire() and await lock.held()


async def test_only_one_holder_and_the_next_takes_over_when_it_stops(pg_url: str) -> None:
    first, second = AdvisoryLock(pg_url, "matrix sync @a"), AdvisoryLock(pg_url, "matrix sync @a")
    other_bot = AdvisoryLock(pg_url, "matrix sync @b")
    try:
        assert await first.acquire()
        assert await first.acquire()  # re-entrant for its holder
        assert not await second.acquire()
        assert await other_bot.acquire()  # another name is another lock
        await first.release()
        assert await second.acquire() and await second.held()
    finally:
        for lock in (first, second, other_bot):
            await lock.release()


async def test_a_holder_whose_session_dies_loses_the_lock(pg_url: str) -> None:
    first, second = AdvisoryLock(pg_url, "matrix sync @c"), AdvisoryLock(pg_url, "matrix sync @c")
    try:
        assert await first.acquire()
        # The holder's process dies (or its connection drops): PostgreSQL ends the session.
        with psycopg.connect(first.conninfo, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
                (lock_key("matrix sync @c") & 0xFFFFFFFF,),
            )
        assert not await first.held()
        assert await second.acquire()
    finally:
        await first.release()
        await second.release()
