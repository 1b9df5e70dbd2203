"""Live results: snapshots recomputed after votes, off the vote path.

What may be published is decided in the database (storage/live_store.py): per question, no two
published outputs differ by fewer than k ballots. This module only schedules refreshes and builds the
payload from what the store says may move.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import replace
from functools import partial

from bot import results_codec
from bot.aggregation import aggregate
from bot.domain import Survey
from bot.events import EventBus, LiveResultsChanged
from bot.ports import Clock, LiveStep, SurveyRepository
from bot.results import QuestionResult
from bot.results_tally import nothing_published, stepped

log = logging.getLogger(__name__)

# Live snapshots are recomputed at most this often per survey (each still needs k changed ballots).
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
        """Try a new snapshot after the vote is answered, not on its path, and at most once per
        `refresh_seconds` per survey: in a burst, one refresh covers many votes."""
        if survey.id in self._queued:
            return  # the queued refresh will read these ballots too
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
                version = await self.refresh(survey)
                self._refreshed[survey.id] = loop.time()
            if version is not None:
                await self._events.publish(LiveResultsChanged(survey.id))
        except Exception:
            self._queued.discard(survey.id)
            log.exception("live results of survey %s could not be refreshed", survey.id)

    async def refresh(self, survey: Survey) -> int | None:
        """One attempt to publish; the new version, or None if the rule lets nothing move yet or
        another refresher (here or on another replica) published first."""
        hint = await self._repo.live_snapshot(survey.id)
        consumed = hint.submissions_since if hint else 0
        if consumed < survey.k:
            return None  # another refresh already covered these submissions
        build = partial(self._build, survey)
        version = await self._repo.publish_live(survey.id, [q.id for q in survey.questions], survey.k, build)
        if version is not None:
            await self._repo.consume_live_hint(survey.id, consumed)
        return version

    def _build(self, survey: Survey, step: LiveStep) -> str:
        now = self._clock.now()
        previous = results_codec.loads(step.previous) if step.previous else nothing_published(survey, now)
        kept = {q.question.id: q for q in previous.questions}
        questions: list[QuestionResult] = [
            aggregate(q, step.counts[q.id], survey.k) if q.id in step.counts else kept[q.id] for q in survey.questions
        ]
        # The same frame as before the first snapshot, with what this step may publish filled in.
        results = replace(
            nothing_published(survey, now), respondents=stepped(step.respondents, survey.k), questions=tuple(questions)
        )
        return results_codec.dumps(results)

    async def settle(self) -> None:
        """Wait for background refreshes (tests, and a clean shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
