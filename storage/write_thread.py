"""SQLite: a whole write transaction in one trip to a thread of its own, on a connection of its own.

Through aiosqlite every statement is several trips between the event loop and the driver's thread
(cursor, execute, fetch, close), each a queue hand-off and a loop wake-up; a vote batch's transaction
(BEGIN, the open-and-invited read, the ballot upsert, the responded markers, COMMIT) took about
fifteen. Here it runs on a plain sqlite3 connection in one worker thread, with the writer's pragmas
(storage/engine.py) and its statements as plain SQL (storage/ballot_sql.py), and the event loop
awaits once per transaction. Plain sqlite3, not SQLAlchemy, because this thread shares the GIL with
the event loop: the less Python it runs, the less the loop waits. PostgreSQL keeps its async driver,
whose statements are single round trips to the server.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import make_url

from storage.engine import normalise_url, sqlite_writer_pragmas

LOCK_WAIT_SECONDS = 10.0  # as busy_timeout on the other connections (storage/engine.py)
LOCK_POLL_SECONDS = 0.001

Arg = TypeVar("Arg")
Result = TypeVar("Result")


class WriteThread:
    def __init__(self, url: str, name: str = "sqlite-writer", pragmas: tuple[str, ...] = ()) -> None:
        """`pragmas`: more settings for this connection, after the writer's own."""
        # One thread: the connection is used only where it was made (sqlite3's check_same_thread).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pragmas = pragmas
        self._path = str(make_url(normalise_url(url)).database)
        self._connection: sqlite3.Connection | None = None  # made in the thread, on first use
        self._disposed = False
        self.commits = 0  # transactions committed, read ones included (tests count batches with it)

    async def transaction(self, work: Callable[[sqlite3.Connection, Arg], Result], arg: Arg) -> Result:
        """Run `work(connection, arg)` in one transaction in the writer thread; committed on return."""
        return await self._run(work, arg, "BEGIN IMMEDIATE")

    async def read(self, work: Callable[[sqlite3.Connection, Arg], Result], arg: Arg) -> Result:
        """Run `work` in a read transaction: one snapshot, and no write lock on the database file
        (a TEMP table written meanwhile lives in this connection's own temporary database)."""
        return await self._run(work, arg, "BEGIN")

    async def _run(self, work: Callable[[sqlite3.Connection, Arg], Result], arg: Arg, begin: str) -> Result:
        if self._disposed:
            raise RuntimeError("the database writer is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._in_transaction, work, arg, begin)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, cached_statements=256)
            sqlite_writer_pragmas(connection, None)
            for pragma in self._pragmas:
                connection.execute(f"PRAGMA {pragma}")
            self._connection = connection
        return self._connection

    def _in_transaction(self, work: Callable[[sqlite3.Connection, Arg], Result], arg: Arg, begin: str) -> Result:
        # The lock is polled here every millisecond rather than by SQLite's busy handler, whose sleeps
        # grow to 100 ms: a vote waiting for another connection's transaction (a close, a scrub)
        # then goes on within a millisecond of its end. A transaction refused as busy was rolled
        # back whole, so running it again is safe.
        connection = self._connect()
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                connection.execute(begin)
                try:
                    result = work(connection, arg)
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
                self.commits += 1
                return result
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
            time.sleep(LOCK_POLL_SECONDS)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def dispose(self) -> None:
        """Close the connection in its own thread, then the thread; a second call does nothing."""
        if self._disposed:
            return
        self._disposed = True
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        await asyncio.to_thread(self._executor.shutdown, wait=True)  # never blocks the loop


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
