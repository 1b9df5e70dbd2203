"""After a close, make the database *files* forget what the seal deleted (DESIGN.md rule 4).

Deleted rows live on: in SQLite's WAL until a checkpoint copies and truncates it, in PostgreSQL's old
row versions until the table is rewritten. Either is held back by a reader with an older snapshot (a
`sqlite3` shell, a backup, a long report), so each attempt checks that it really completed, retries with
backoff, and in the end reports honestly whether the files are clean.

PostgreSQL's WAL (and any archive or standby fed from it) still holds what was written; that cannot be
scrubbed from here: the README says how to run the cluster so that it is recycled quickly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ports import SealReport

log = logging.getLogger(__name__)

# Sessions, slots and prepared transactions whose snapshot is not newer than the seal (`:xid`): while
# one exists, VACUUM FULL must copy the deleted rows into the new files. A session whose details this
# role may not read (no pg_read_all_stats) counts too: it cannot be ruled out.
_PG_BLOCKERS = text(
    """
    SELECT
      (SELECT count(*) FROM pg_stat_activity
        WHERE pid <> pg_backend_pid()
          AND (datname = current_database() OR backend_type = 'walsender')
          AND (query = '<insufficient privilege>'
               OR age(backend_xmin) >= age(CAST(:xid AS xid))
               OR age(backend_xid) >= age(CAST(:xid AS xid))))
      + (SELECT count(*) FROM pg_replication_slots WHERE age(xmin) >= age(CAST(:xid AS xid)))
      + (SELECT count(*) FROM pg_prepared_xacts
          WHERE database = current_database() AND age(transaction) >= age(CAST(:xid AS xid))),
      COALESCE(current_setting('vacuum_defer_cleanup_age', true), '0')::int
    """
)


@dataclass(frozen=True)
class ScrubPolicy:
    """How long close keeps trying: about 7 s in all by default, and only while something blocks it."""

    attempts: int = 8
    first_delay: float = 0.05
    max_delay: float = 2.0
    lock_timeout_ms: int = 2000  # VACUUM FULL must not queue every other query behind a held lock

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.max_delay)


class FileScrubber:
    def __init__(self, engine: AsyncEngine, tables: Sequence[str], policy: ScrubPolicy) -> None:
        self.engine = engine
        self.tables = tuple(tables)
        self.policy = policy
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpoint_again = False

    async def scrub(self, seal_xid: int | None = None, patient: bool = True) -> SealReport:
        """seal_xid (PostgreSQL): the transaction that deleted the rows; by default, the present.
        patient=False: one attempt, and on PostgreSQL no rewrite while a session holds old rows."""
        if self.engine.dialect.name == "postgresql":
            report = await self._scrub_postgres(seal_xid, patient)
        else:
            report = await self._scrub_sqlite(patient)
        if not report.physically_clean:
            log.error(
                "close: the database files may still hold deleted slots and participant ids (%s); "
                "end the session holding them; the next close or start scrubs again",
                report.detail,
            )
        return report

    # -- SQLite ----------------------------------------------------------------------------------

    async def _scrub_sqlite(self, patient: bool) -> SealReport:
        reason = ""
        for delay in (0.0, *(self.policy.delays() if patient else ())):
            await asyncio.sleep(delay)  # the writer connection is free for others while we wait
            reason = await self._sqlite_checkpoint()
            if not reason:
                return SealReport(True)
        return SealReport(False, reason)

    async def _sqlite_checkpoint(self) -> str:
        async with self.engine.connect() as conn:
            raw = await conn.execution_options(no_transaction=True)
            timeout = (await raw.exec_driver_sql("PRAGMA busy_timeout")).scalar()
            # Wait briefly for readers here; the backoff between attempts does the patient waiting.
            await raw.exec_driver_sql("PRAGMA busy_timeout=100")
            try:
                # Any later reset of the WAL also truncates it, so no stale frames stay at its end.
                await raw.exec_driver_sql("PRAGMA journal_size_limit=0")
                # secure_delete zeroed the freed cells; only a complete TRUNCATE checkpoint drops the
                # old page images from the WAL. busy=1: a reader holds frames back.
                row = (await raw.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            finally:
                await raw.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout or 0)}")
        busy, wal_frames, copied = tuple(row)
        if busy:
            return f"SQLite WAL checkpoint blocked by a reader ({copied} of {wal_frames} frames copied)"
        return ""

    # -- PostgreSQL ------------------------------------------------------------------------------

    async def _scrub_postgres(self, seal_xid: int | None, patient: bool) -> SealReport:
        async with self.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            if seal_xid is None:
                seal_xid = int(await autocommit.scalar(text("SELECT txid_current()")) or 0)
            xid = str(seal_xid % 2**32)  # txid_current() carries the epoch; xid is its low 32 bits
            reason = ""
            for delay in (0.0, *(self.policy.delays() if patient else ())):
                await asyncio.sleep(delay)
                reason = await self._pg_blocker(autocommit, xid)
                if not reason:
                    reason = await self._vacuum_full(autocommit)
                    if not reason:
                        break
            if reason:
                if patient:
                    await self._vacuum_full(autocommit)  # still drop whatever it can
                return SealReport(False, reason)
        self._checkpoint_soon()
        return SealReport(True)

    async def _pg_blocker(self, conn: AsyncConnection, xid: str) -> str:
        blockers, defer = (await conn.execute(_PG_BLOCKERS, {"xid": xid})).one()
        if defer:
            return f"vacuum_defer_cleanup_age={defer} keeps old row versions"
        if blockers:
            return f"{blockers} session(s), slot(s) or prepared transaction(s) hold a snapshot older than the close"
        return ""

    async def _vacuum_full(self, conn: AsyncConnection) -> str:
        """VACUUM FULL writes each table into a new file and drops the old one with its dead rows."""
        run = conn.execute
        await run(text(f"SET lock_timeout = {int(self.policy.lock_timeout_ms)}"))
        try:
            for table in self.tables:
                try:
                    await run(text(f"VACUUM FULL {table}"))
                except DBAPIError as error:
                    if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                        raise
                    return f"VACUUM FULL {table} waited too long for a lock another session holds"
        finally:
            await run(text("RESET lock_timeout"))
        return ""

    # -- PostgreSQL checkpoint, after the close has returned ------------------------------------

    def _checkpoint_soon(self) -> None:
        """A CHECKPOINT lets the WAL segments that hold the deleted rows be recycled. It writes every
        dirty buffer, which can take a second, so it runs beside the rest of the close; a close that
        comes while one runs gets another one after it."""
        self._checkpoint_again = True
        if self._checkpointing is None or self._checkpointing.done():
            self._checkpointing = asyncio.create_task(self._checkpoints())

    async def checkpointed(self) -> None:
        """Wait for the checkpoint of the last close (tests, and shutdown)."""
        if self._checkpointing is not None:
            await asyncio.shield(self._checkpointing)

    async def _checkpoints(self) -> None:
        while self._checkpoint_again:
            self._checkpoint_again = False
            try:
                async with self.engine.connect() as conn:
                    autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("CHECKPOINT"))
            except DBAPIError as error:
                if getattr(error.orig, "sqlstate", None) == "42501":  # insufficient_privilege
                    log.warning("close: CHECKPOINT is not permitted for this role; grant it pg_checkpoint")
                else:
                    log.warning("close: CHECKPOINT failed (%s)", type(error.orig).__name__)
