"""Engine set-up: SQLite in WAL mode by default, PostgreSQL through a URL."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.errors import ConfigError

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgresql://, sqlite:///) and pick the async drivers."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("not a database URL: use sqlite:///FILE or postgresql://USER@HOST/DB") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, for Alembic."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# busy_timeout first, so that every later pragma waits for a lock instead of failing at once.
_COMMON_PRAGMAS = (
    "busy_timeout=10000",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    # Deleted content (roster ids, slots) is overwritten with zeros, not left in free pages.
    "secure_delete=ON",
)


def _run_pragmas(dbapi_connection: Any, pragmas: tuple[str, ...]) -> None:
    # The driver must not open transactions on its own: we issue BEGIN IMMEDIATE ourselves, so that
    # a read-then-write transaction never fails to upgrade its lock.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in pragmas:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    _run_pragmas(dbapi_connection, (_COMMON_PRAGMAS[0], "journal_mode=WAL", *_COMMON_PRAGMAS[1:]))


def _sqlite_reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL mode is stored in the file by the writer; a reader asking to set it again could be refused
    # with "database is locked" while a checkpoint runs.
    _run_pragmas(dbapi_connection, _COMMON_PRAGMAS)


def _begin_immediate(conn: Any) -> None:
    # Statements that cannot run in a transaction (wal_checkpoint) opt out with `no_transaction`.
    if not conn.get_execution_options().get("no_transaction"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # a read transaction: one consistent snapshot, no write lock


def create_read_engine(url: str) -> AsyncEngine | None:
    """SQLite only: a pool of reader connections beside the single writer. In WAL mode readers never
    wait for the writer, so results, progress and App Home reads do not queue behind votes."""
    url = normalise_url(url)
    if not is_sqlite(url):
        return None  # PostgreSQL's pool already serves reads and writes concurrently
    engine = create_async_engine(url, pool_size=4, max_overflow=0, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _sqlite_reader_pragmas)
    event.listen(engine.sync_engine, "begin", _begin_deferred)
    return engine


def create_engine(url: str, echo: bool = False) -> AsyncEngine:
    """hide_parameters: an error or a debug log must never print slots, ids or answers (rule 7)."""
    url = normalise_url(url)
    if is_sqlite(url):
        # aiosqlite logs every statement *with its parameters* at DEBUG: roster ids, slots, answers.
        # Pin it above DEBUG so a verbose log level can never write them out (rule 7).
        logging.getLogger("aiosqlite").setLevel(logging.INFO)
        # One connection: SQLite serialises writers anyway, and queueing in the pool beats retrying on
        # SQLITE_BUSY. Other processes (the CLI) wait on busy_timeout.
        engine = create_async_engine(url, echo=echo, pool_size=1, max_overflow=0, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def sqlite_writer_pragmas(dbapi_connection: Any, record: Any) -> None:
    """The writer thread's connection (storage/write_thread.py): the writer's pragmas, then its own."""
    _sqlite_pragmas(dbapi_connection, record)
    # Then no busy handler: its thread polls the lock itself (storage/write_thread.py). And a WAL reset
    # by this connection truncates the file, as the scrubber's does (storage/scrub.py): frames from
    # before a close must not linger at the end of a WAL that this connection reset.
    _run_pragmas(dbapi_connection, ("busy_timeout=0", "journal_size_limit=0"))


def display_url(url: str) -> str:
    """The URL for a log line or an error: the password, if any, as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def _reason(error: BaseException) -> str:
    # psycopg's messages run over several lines ("…failed: Connection refused\n\tIs the server running…").
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


async def _probe(url: str) -> None:
    args: dict[str, Any] = {} if is_sqlite(url) else {"connect_timeout": 5}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=args)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def wait_for_database(url: str, timeout_seconds: float) -> None:
    """Connect once before anything else; an unreachable server is retried with backoff for
    `timeout_seconds` (a database that starts a little after the bot, as in docker compose). Then a
    ConfigError naming the URL, password hidden, and the last error: one line, no traceback."""
    shown = display_url(url)
    try:
        url = normalise_url(url)
    except ValueError as problem:
        raise ConfigError(f"config: [database] url (or DATABASE_URL): {problem}") from None
    deadline = time.monotonic() + timeout_seconds
    delay = 0.5
    while True:
        try:
            await _probe(url)
            return
        except (DBAPIError, OSError) as error:
            reason = _reason(error)
        left = deadline - time.monotonic()
        if is_sqlite(url) or left <= 0:  # a SQLite file that cannot be opened will not heal by waiting
            waited = "" if is_sqlite(url) else f" (gave up after {timeout_seconds:g} s)"
            raise ConfigError(f"cannot reach the database {shown}: {reason}{waited}")
        wait = min(delay, left)
        log.warning("cannot reach the database %s: %s; retrying in %.1f s", shown, reason, wait)
        await asyncio.sleep(wait)
        delay = min(delay * 2, 10.0)
