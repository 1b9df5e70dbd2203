"""Timers for the engine: APScheduler 3's AsyncIOScheduler, and a manual one for tests."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from bot.ports import Clock
from bot.scheduling.ports import Action

log = logging.getLogger(__name__)


async def _run(job_id: str, action: Action) -> None:
    # A failing job is logged and contained (maubot's lesson): the next sweep retries from the database.
    try:
        await action()
    except asyncio.CancelledError:
        log.debug("scheduled job %s cancelled (shutting down)", job_id)  # the database still has it
    except Exception:
        log.exception("scheduled job %s failed", job_id)


class APSchedulerJobs:
    """In-memory APScheduler jobs; the database, not APScheduler's job store, is the source of truth."""

    def __init__(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        # Jobs come and go on every rebuild; APScheduler's "Added job" lines at INFO would drown the log.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

        # misfire_grace_time=None: a late wake-up (a busy loop, a suspended laptop) still runs; the action
        # itself decides from the database whether there is anything left to do.
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def schedule(self, job_id: str, when: datetime, action: Action) -> None:
        from apscheduler.triggers.date import DateTrigger

        self._scheduler.add_job(
            _run,
            DateTrigger(run_date=when.astimezone(UTC)),
            args=(job_id, action),
            id=job_id,
            name=job_id,
            replace_existing=True,
        )

    def every(self, job_id: str, seconds: float, action: Action) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        # The action skips a run that would overlap the previous one; APScheduler need not (and would warn).
        self._scheduler.add_job(
            _run,
            IntervalTrigger(seconds=seconds),
            args=(job_id, action),
            id=job_id,
            name=job_id,
            replace_existing=True,
            max_instances=1000,
        )

    def cancel(self, job_id: str) -> None:
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def job_ids(self) -> set[str]:
        return {job.id for job in self._scheduler.get_jobs()}


class ManualScheduler:
    """Jobs fire only when a test says so: `await jobs.run_until(moment)` moves the clock from one job's
    time to the next and runs each, so every action sees the instant it was scheduled for."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.jobs: dict[str, tuple[datetime, Action]] = {}
        self.repeating: dict[str, tuple[float, Action]] = {}
        self.running = False

    def start(self) -> None:
        self.running = True

    def shutdown(self) -> None:
        self.running = False

    def schedule(self, job_id: str, when: datetime, action: Action) -> None:
        self.jobs[job_id] = (when, action)

    def every(self, job_id: str, seconds: float, action: Action) -> None:
        self.repeating[job_id] = (seconds, action)

    def cancel(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)

    def job_ids(self) -> set[str]:
        return set(self.jobs) | set(self.repeating)

    def when(self, job_id: str) -> datetime | None:
        job = self.jobs.get(job_id)
        return job[0] if job else None

    async def run_until(self, moment: datetime) -> list[str]:
        """Fire every job due by `moment`, in time order, setting the clock to each one's time; returns
        the ids fired. Then leaves the clock at `moment`. Requires a clock with `set` (ManualClock)."""
        fired: list[str] = []
        while True:
            due = [(when, job_id) for job_id, (when, _a) in self.jobs.items() if when <= moment]
            if not due:
                break
            when, job_id = min(due)
            _when, action = self.jobs.pop(job_id)
            if when > self.clock.now():
                self.clock.set(when)  # type: ignore[attr-defined]
            await _run(job_id, action)
            fired.append(job_id)
        if moment > self.clock.now():
            self.clock.set(moment)  # type: ignore[attr-defined]
        return fired
