"""Fan-out of a survey's slides to its open pages: rendered once per change, not once per page.

The core's events (`LiveResultsChanged`, `SurveyClosed`, ...) trigger a refresh at once; a slow tick
catches what has no event (the stepped "N of M answered" of an after-close survey). What is sent
is only ever what `Presenter.view` returns, so the k-steps stay the core's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.events import Event, RemindersChanged
from bot.presenting import Presenter, PresentView

log = logging.getLogger(__name__)


class Hub:
    def __init__(self, presenter: Presenter, render: Callable[[PresentView], str], tick_seconds: float = 5.0) -> None:
        self.presenter = presenter
        self.render = render
        self.tick_seconds = tick_seconds
        self._pages: dict[str, set[asyncio.Queue[str]]] = {}
        self._last: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._ticker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick(), name="present-tick")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    @property
    def open_pages(self) -> int:
        return sum(len(pages) for pages in self._pages.values())

    async def current(self, survey_id: str) -> str:
        if survey_id not in self._last:
            await self.refresh(survey_id)
        return self._last[survey_id]

    def subscribe(self, survey_id: str) -> asyncio.Queue[str]:
        # Size 1: a page that falls behind gets the newest slides, never a backlog.
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._pages.setdefault(survey_id, set()).add(queue)
        return queue

    def unsubscribe(self, survey_id: str, queue: asyncio.Queue[str]) -> None:
        pages = self._pages.get(survey_id)
        if pages is not None:
            pages.discard(queue)
            if not pages:
                del self._pages[survey_id]
                self._last.pop(survey_id, None)

    async def on_event(self, event: Event) -> None:
        if not isinstance(event, RemindersChanged) and event.survey_id in self._pages:
            await self.refresh(event.survey_id)

    async def refresh(self, survey_id: str) -> None:
        async with self._locks.setdefault(survey_id, asyncio.Lock()):
            html = self.render(await self.presenter.view(survey_id))
            if self._last.get(survey_id) == html:
                return
            self._last[survey_id] = html
            for queue in list(self._pages.get(survey_id, ())):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(html)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            for survey_id in list(self._pages):
                try:
                    await self.refresh(survey_id)
                except Exception:
                    log.exception("presenter slides of survey %s could not be refreshed", survey_id)
