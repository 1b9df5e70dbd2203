"""Helpers shared by the benchmarks: JSON figures, throw-away databases, timing."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

PG_ADMIN_URL = os.environ.get("CANVASS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def emit(bench: str, figure: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"bench": bench, "figure": figure, "value": round(value, 3), "unit": unit, **extra}), flush=True)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with TemporaryDirectory(prefix="canvass-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"canvass_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def databases() -> list[tuple[str, Callable[[], object]]]:
    found: list[tuple[str, Callable[[], object]]] = [("sqlite", sqlite_database)]
    if postgres_available():
        found.append(("postgresql", postgres_database))
    return found


async def median_seconds(fn: Callable[[], Awaitable[object]], reps: int) -> float:
    await fn()  # warm caches and connections
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
