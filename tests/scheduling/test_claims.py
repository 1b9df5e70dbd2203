"""Claims on one SQLite file: one winner, and a dead claimer's row is retried after its lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.scheduling.ports import Audience, Kind, NewReminder, ReminderStatus
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.reminders import SqlReminderStore

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


async def _store(tmp_path: Path) -> SqlReminderStore:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO surveys (id, title, description, status, results_mode, k, timezone, created_by)"
            " VALUES ('s1', 'T', '', 'open', 'after_close', 5, 'UTC', 'x')"
        )
    return SqlReminderStore(engine)


async def test_one_claimer_wins_and_the_lease_lets_another_retry(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    other = SqlReminderStore(create_engine(f"sqlite:///{tmp_path / 'c.db'}"))  # a second process's engine
    [row] = await store.add([NewReminder("s1", Kind.REMINDER, NOW, at=NOW, audience=Audience.CHANNEL)])
    assert row.number == 1 and row.status is ReminderStatus.PENDING

    assert (
        await store.claim(row.id, "a", NOW - timedelta(seconds=1), NOW + timedelta(minutes=5)) is None
    )  # not due
    won = await store.claim(row.id, "a", NOW, NOW + timedelta(minutes=5))
    assert won is not None and won.claimed_by == "a" and won.status is ReminderStatus.SENDING
    assert await other.claim(row.id, "b", NOW + timedelta(minutes=1), NOW + timedelta(minutes=6)) is None

    # "a" dies without finishing; after the lease "b" takes it, and a's late finish no longer counts.
    retried = await other.claim(row.id, "b", NOW + timedelta(minutes=6), NOW + timedelta(minutes=11))
    assert retried is not None and retried.claimed_by == "b"
    assert not await store.finish(row.id, "a", ReminderStatus.SENT, NOW + timedelta(minutes=7))
    assert await other.finish(row.id, "b", ReminderStatus.SENT, NOW + timedelta(minutes=7))
    done = await store.get(row.id)
    assert done is not None and done.status is ReminderStatus.SENT and done.fired_count == 1
    assert await store.claim(row.id, "c", NOW + timedelta(days=1), NOW + timedelta(days=2)) is None
    await store.engine.dispose()
    await other.engine.dispose()


async def test_numbers_and_results_rows(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    rows = await store.add([NewReminder("s1", Kind.REMINDER, NOW) for _ in range(3)])
    notice = await store.add([NewReminder("s1", Kind.NOTICE, NOW)])
    assert [r.number for r in rows] == [1, 2, 3] and notice[0].number is None
    assert await store.ensure_results("s1", NOW) and not await store.ensure_results("s1", NOW)
    await store.engine.dispose()
