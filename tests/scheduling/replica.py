"""One bot replica for the multi-replica test: the real core, engine and APScheduler on a shared
database, with a fake chat platform that records every delivery.

    PYTHONPATH=$PWD python tests/scheduling/replica.py DATABASE_URL NAME [--delay SECONDS]

Runs until SIGTERM. Deliveries are written to the `fake_deliveries` table in the SAME transaction that
marks the reminder sent, so for this fake the "sent" mark and the delivery record are atomic: a replica
killed in between has delivered nothing, and the row is retried after its lease. (A real chat platform
cannot join our transaction; there a kill in that instant means at-least-once: see bot/scheduling/engine.py.)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from bot.bootstrap import build_core
from bot.config import Config, CoreConfig, DatabaseConfig, SchedulerConfig
from bot.domain import Participant, Survey, Target
from bot.ports import RenderedChart
from bot.results import SurveyResults
from bot.scheduling.ports import ReminderRecord, ReminderStatus
from bot.scheduling.sending import direct_text
from storage.reminders import SqlReminderStore

SECRET = "replica-test-secret-0123456789"
DELIVERIES = """CREATE TABLE IF NOT EXISTS fake_deliveries (
    n SERIAL PRIMARY KEY, reminder_id TEXT NOT NULL, replica TEXT NOT NULL, kind TEXT NOT NULL,
    place TEXT NOT NULL, body TEXT NOT NULL)"""


def replica_config(url: str, lease_seconds: int = 3) -> Config:
    return Config(
        canvass=CoreConfig(
            data_dir="/tmp/canvass-replica-unused", secret=SECRET, organisers=["console:organiser"]
        ),
        database=DatabaseConfig(url=url),
        scheduler=SchedulerConfig(
            sweep_seconds=1, lease_seconds=lease_seconds, send_rate=1000.0, send_burst=1000
        ),
    )


@dataclass
class BufferingMessenger:
    """Holds this replica's messages for the reminder it is sending (one at a time per replica)."""

    delay: float
    platform: str = "console"
    buffer: list[tuple[str, str, str]] = field(default_factory=list)

    async def _add(self, kind: str, place: str, body: str) -> None:
        await asyncio.sleep(self.delay)  # a platform round trip, so that a kill lands mid-run
        self.buffer.append((kind, place, body))

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        await self._add("announce", target.channel, survey.id)

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        pass

    async def post_results(
        self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]
    ) -> None:
        await self._add("results", target.channel, results.survey_id)

    async def post_text(self, target: Target, body: str) -> None:
        await self._add("text", target.channel, body)

    async def send_direct(self, participant: Participant, body: str, survey_id: str | None = None) -> None:
        await self._add("direct", participant.user_id, body)

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        await self.send_direct(participant, direct_text(survey, message), survey.id)

    async def channel_members(self, target: Target) -> list[Participant]:
        return []


class RecordingStore(SqlReminderStore):
    def __init__(self, store: SqlReminderStore, messenger: BufferingMessenger, name: str) -> None:
        super().__init__(store.engine)
        self.messenger = messenger
        self.name = name

    async def claim(
        self, reminder_id: str, owner: str, now: datetime, lease_until: datetime
    ) -> ReminderRecord | None:
        self.messenger.buffer.clear()
        return await super().claim(reminder_id, owner, now, lease_until)

    async def finish(
        self,
        reminder_id: str,
        owner: str,
        status: ReminderStatus,
        now: datetime,
        next_fire_at: datetime | None = None,
        note: str = "",
    ) -> bool:
        async with self.engine.begin() as conn:
            finished = await self.finish_in(conn, reminder_id, owner, status, now, next_fire_at, note)
            if finished and self.messenger.buffer:
                await conn.execute(
                    text(
                        "INSERT INTO fake_deliveries (reminder_id, replica, kind, place, body)"
                        " VALUES (:r, :replica, :kind, :place, :body)"
                    ),
                    [
                        {"r": reminder_id, "replica": self.name, "kind": k, "place": p, "body": b}
                        for k, p, b in self.messenger.buffer
                    ],
                )
        self.messenger.buffer.clear()
        return finished


async def serve(url: str, name: str, delay: float) -> None:
    core = await build_core(replica_config(url), with_charts=False, owner=name)
    messenger = BufferingMessenger(delay)
    core.messengers.add(messenger)
    assert core.scheduler is not None
    core.scheduler.store = RecordingStore(core.scheduler.store, messenger, name)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await core.scheduler.start()
    print(f"{name} ready", flush=True)
    await stop.wait()
    await core.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("--delay", type=float, default=0.01)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format=f"{args.name} %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args.url, args.name, args.delay))


if __name__ == "__main__":
    main()
