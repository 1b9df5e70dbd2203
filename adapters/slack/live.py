"""Keeps channel poll messages current with chat.update, batched: at most one update per message per
interval however many votes arrive, so Slack's rate limits hold and no single vote is timed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.background import Background
from adapters.slack.escape import SAFE_MESSAGE
from bot.domain import ResultsMode, Status
from bot.errors import CanvassError
from bot.events import DeadlineChanged, Event, LiveResultsChanged, SurveyClosed
from bot.results import SurveyResults
from bot.service import Canvass

log = logging.getLogger(__name__)

PLATFORM = "slack"


class LiveUpdater:
    def __init__(
        self,
        client: AsyncWebClient,
        service: Canvass,
        repository: Any,
        background: Background,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.service = service
        self.repository = repository
        self.background = background
        self.interval = interval
        self._sleep = sleep
        self._last: dict[str, float] = {}  # survey id -> monotonic time of the last update
        self._pending: set[str] = set()
        self._rendered: dict[str, str] = {}  # message ref -> digest of what it shows
        self.updates = 0

    async def on_event(self, event: Event) -> None:
        if isinstance(event, (LiveResultsChanged, SurveyClosed, DeadlineChanged)):
            self.mark(event.survey_id)

    def mark(self, survey_id: str) -> None:
        """Something a poll message shows may have changed; update it when the interval allows."""
        if survey_id in self._pending:
            return
        self._pending.add(survey_id)
        self.background.spawn(self._flush_later(survey_id), "live-update")

    async def _flush_later(self, survey_id: str) -> None:
        wait = self._last.get(survey_id, -self.interval) + self.interval - time.monotonic()
        if wait > 0:
            await self._sleep(wait)
        self._pending.discard(survey_id)  # marks from here on schedule the next update
        self._last[survey_id] = time.monotonic()
        await self.flush(survey_id)

    async def flush(self, survey_id: str) -> None:
        survey = await self.service.get(survey_id)
        targets = [t for t in survey.targets if t.platform == PLATFORM]
        if not targets:
            return
        progress = await self.service.progress(survey.id)
        live: SurveyResults | None = None
        if survey.results_mode is ResultsMode.LIVE and survey.status is Status.OPEN:
            try:
                live = await self.service.results(None, survey.id)
            except CanvassError:
                live = None
        text, body = blocks.announcement(survey, progress, live)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        for target in targets:
            ref = await self.repository.target_ref(survey.id, target)
            if not ref or "|" not in ref or self._rendered.get(ref) == digest:
                continue
            channel, ts = ref.split("|", 1)
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=body, **SAFE_MESSAGE)
            self._rendered[ref] = digest
            self.updates += 1
