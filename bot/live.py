"""Live results: snapshots recomputed after votes, off the vote path, published in steps of k."""

from __future__ import annotations

import asyncio
import logging
import math

from bot import results_codec
from bot.domain import Survey
from bot.events import EventBus, LiveResultsChanged
from bot.ports import Clock, SurveyRepository
from bot.results_tally import compute

log = logging.getLogger(__name__)

# Live snapshots are recomputed at most this often per survey (each still needs k new ballots).
LIVE_REFRESH_SECONDS = 1.0


class LiveResults:
    def __init__(self, repository: SurveyRepository, clock: Clock, events: EventBus) -> None:
        self._repo = repository
        self._clock = clock
        self._events = events
        self._background: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: set[str] = set()
        self._refreshed: dict[str, float] = {}  # loop time of each survey's last refresh
        self.refresh_seconds = LIVE_REFRESH_SECONDS

    def refresh_soon(self, survey: Survey) -> None:
        """Recompute the live snapshot after the vote is answered, not on its path, and at most once
        per `refresh_seconds` per survey: in a burst, one refresh covers many steps of k."""
        if survey.id in self._queued:
            return  # the queued refresh will count these ballots too
        self._queued.add(survey.id)
        task = asyncio.create_task(self._refresh(survey), name=f"live-{survey.id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh(self, survey: Survey) -> None:
        loop = asyncio.get_running_loop()
        try:
            wait = self._refreshed.get(survey.id, -math.inf) + self.refresh_seconds - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._queued.discard(survey.id)  # ballots from now on queue the next refresh
            async with self._locks.setdefault(survey.id, asyncio.Lock()):
                snapshot = await self._repo.live_snapshot(survey.id)
                consumed = snapshot.submissions_since if snapshot else 0
                if consumed < survey.k:
                    return  # another refresh already published these ballots
                results = await compute(self._repo, survey, self._clock.now())
                await self._repo.store_live_snapshot(survey.id, results_codec.dumps(results), consumed)
                self._refreshed[survey.id] = loop.time()
            await self._events.publish(LiveResultsChanged(survey.id))
        except Exception:
            self._queued.discard(survey.id)
            log.exception("live results of survey %s could not be refreshed", survey.id)

    async def settle(self) -> None:
        """Wait for background refreshes (tests, and a clean shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
