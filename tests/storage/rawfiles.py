"""The database as bytes on disk: SQLite's main, -wal and -shm files; PostgreSQL's whole database
directory under the data directory (the tests run on the server's machine, as root)."""

from __future__ import annotations

from pathlib import Path


def sqlite_files(url: str) -> list[Path]:
    database = Path(url.removeprefix("sqlite:///"))
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def raw_bytes(url: str) -> bytes:
    if url.startswith("sqlite"):
        return b"".join(path.read_bytes() for path in sqlite_files(url) if path.exists())
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # shared buffers to disk: what the files hold, not what the server caches
        row = conn.execute(
            "SELECT current_setting('data_directory'), oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    folder = Path(row[0]) / "base" / str(row[1])
    chunks = []
    for path in sorted(folder.iterdir()):
        try:
            chunks.append(path.read_bytes())
        except FileNotFoundError:  # a dropped relation's file, unlinked by the checkpoint meanwhile
            continue
    return b"".join(chunks)


def holding(raw: bytes, needles: list[str]) -> list[str]:
    """The needles found in the bytes, case-insensitively."""
    lowered = raw.lower()
    return [n for n in needles if n.lower().encode() in lowered]
