"""Three bot processes share one PostgreSQL database: 200 reminders due in the same minute are each
delivered exactly once, even when one replica is SIGKILLed in the middle of the run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build_core
from bot.clock import SystemClock
from bot.domain import Actor, Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.scheduling.ports import Audience, Kind, NewReminder
from bot.scheduling.timers import ManualScheduler
from tests.scheduling.replica import DELIVERIES, replica_config

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REMINDERS = 200
REPLICAS = 3


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def database() -> Iterator[str]:
    name = f"canvass_sched_{uuid.uuid4().hex[:10]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no server, or no rights
        if os.environ.get("CANVASS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is required but unusable: {error}")
        pytest.skip(
            f"no PostgreSQL server usable at 127.0.0.1:5432 ({error}); set CANVASS_REQUIRE_POSTGRES=1 to fail"
        )
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _prepare(url: str) -> tuple[list[str], dict[str, int]]:
    """Two open surveys and 200 reminders due within the same minute; returns the reminder ids and
    how many messages each must produce."""
    clock = SystemClock()
    core = await build_core(replica_config(url), with_charts=False, jobs=ManualScheduler(clock))
    try:
        async with core.repository.engine.begin() as conn:
            await conn.exec_driver_sql(DELIVERIES)
        organiser = Actor("console", "organiser")
        closes = clock.now() + timedelta(hours=2)
        question = QuestionSpec(QuestionKind.SINGLE, "Ready?", ("Yes", "No"))
        people = tuple(Participant("console", n) for n in ("alice", "bob", "carol"))
        channel = await core.service.create_survey(
            organiser,
            SurveySpec("Channel", (question,), (Target("console", "plenary"),), k=3, closes_at=closes),
        )
        direct = await core.service.create_survey(
            organiser,
            SurveySpec(
                "Direct", (question,), (Target("console", "room"),), k=3, closes_at=closes, roster=people
            ),
        )
        for survey in (channel, direct):
            await core.service.open_survey(None, survey.id)
        await core.service.submit(people[0], direct.id, {direct.questions[0].id: 0})  # alice answered

        due = clock.now() + timedelta(seconds=4)  # replicas are up by then, or catch up at start
        expected: dict[str, int] = {}
        rows = []
        for i in range(REMINDERS):
            survey, audience, count = (
                (channel, Audience.CHANNEL, 1) if i % 2 else (direct, Audience.NON_RESPONDENTS, 2)
            )
            at = due + timedelta(milliseconds=10 * i)
            rows.append(NewReminder(survey.id, Kind.REMINDER, at, at=at, audience=audience, message=f"r{i}"))
            expected[f"r{i}"] = count
        assert core.scheduler is not None
        return [r.id for r in await core.scheduler.store.add(rows)], expected
    finally:
        await core.close()


async def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    from storage.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.exec_driver_sql(sql)]
    finally:
        await engine.dispose()


def _spawn(url: str, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests/scheduling/replica.py"), url, name, "--delay", "0.01"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def test_three_replicas_deliver_each_reminder_once_despite_a_sigkill(database: str) -> None:
    ids, expected = await _prepare(database)
    assert len(ids) == REMINDERS
    replicas = {f"replica-{i}": _spawn(database, f"replica-{i}") for i in range(REPLICAS)}
    victim: str | None = None
    victim_claims: list[str] = []
    try:
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline:
            if victim is None:
                # Kill a replica while it holds a claim, after the run is well under way.
                [(delivered,)] = await _query(database, "SELECT count(*) FROM fake_deliveries")
                claims = await _query(
                    database, "SELECT id, claimed_by FROM reminders WHERE status = 'sending' ORDER BY id"
                )
                if int(delivered) >= 40 and claims:  # type: ignore[call-overload]
                    victim = str(claims[0][1])
                    replicas[victim].send_signal(signal.SIGKILL)
                    replicas[victim].wait(10)
                    # Read what the dead process still holds only now: between the first read and the
                    # kill it may have finished that claim, which is no loss and no duplicate.
                    held = await _query(
                        database, f"SELECT id FROM reminders WHERE status = 'sending' AND claimed_by = '{victim}'"
                    )
                    victim_claims = [str(row[0]) for row in held]
            [(left,)] = await _query(
                database, "SELECT count(*) FROM reminders WHERE kind = 'reminder' AND status <> 'sent'"
            )
            if left == 0:
                break
            await asyncio.sleep(0.2)
    finally:
        for process in replicas.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        outputs = {name: process.communicate(timeout=20)[0].decode() for name, process in replicas.items()}

    assert victim is not None, f"the run ended before a replica could be killed mid-claim: {outputs}"
    assert left == 0, f"{left} reminders never went out: {outputs}"
    rows = await _query(database, "SELECT reminder_id, replica, kind, place, body FROM fake_deliveries")
    by_message: dict[str, int] = {}
    for _rid, _replica, kind, place, body in rows:
        assert kind in ("text", "direct")
        tag = str(body).split(" — ")[0]
        by_message[tag] = by_message.get(tag, 0) + 1
        assert kind == "text" or place in ("bob", "carol")  # alice answered: never reminded
    assert by_message == expected  # every reminder, each message exactly once
    assert len(rows) == sum(expected.values())
    # Claims the victim held when it died were carried out by a survivor after the lease ran out.
    for claim in victim_claims:
        redone = [replica for rid, replica, *_ in rows if rid == claim]
        assert redone and victim not in redone
    survivors = {replica for _rid, replica, *_ in rows} - {victim}
    assert len(survivors) >= 1
