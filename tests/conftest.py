"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable) and a wired core."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.delivery import Delivery, Messengers
from bot.service import Canvass
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlRepository
from tests import fontisolation

PG_ADMIN_URL = os.environ.get("CANVASS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("CANVASS_REQUIRE_POSTGRES") == "1"
SECRET = b"test-master-secret-0123456789abcdef"
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    # Before any test draws text: the font list must not be cached with system fonts in it.
    if fontisolation.enabled():
        fontisolation.isolate()


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"fonts: {fontisolation.ENV}=1, only matplotlib's and charts/fontdata/" if fontisolation.enabled() else None


def _pg_unavailable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True):
            return None
    except Exception as error:  # any failure means: no usable server here
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(error).__name__}: {error})"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, migrated to head, dropped afterwards."""
    reason = _pg_unavailable_reason()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"CANVASS_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    import psycopg

    name = f"canvass_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'canvass.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def repository(db_url: str) -> AsyncIterator[SqlRepository]:
    repo = SqlRepository(create_engine(db_url))
    yield repo
    await repo.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def service(repository: SqlRepository, clock: ManualClock) -> Canvass:
    return Canvass(repository, clock, SECRET, frozenset({"console:organiser"}))


@pytest.fixture
def delivery(service: Canvass) -> Delivery:
    return Delivery(service, Messengers())
