"""MatplotlibChartRenderer: the ChartRenderer port, off the event loop, with an LRU cache by result digest."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from bot.domain import Answer, Survey
from bot.ports import RenderedChart
from bot.results import SurveyResults, VisibleResult
from charts.alt_text import alt_text, table_text
from charts.contribution import contribution_pdf
from charts.digest import digest
from charts.guard import ensure_visible, visible_questions
from charts.output import png_bytes
from charts.pdf import build_pdf
from charts.slides import build_slides, overview_slides, question_slide

T = TypeVar("T")


def render_question(results: SurveyResults, question: VisibleResult) -> RenderedChart:
    """Synchronous: build, rasterise and describe one question's slide. Raises HiddenResultError below k."""
    ensure_visible(results, question)
    return RenderedChart(
        png_bytes(question_slide(results, question)), alt_text(results, question), table_text(results, question)
    )


def render_summary(results: SurveyResults) -> RenderedChart | None:
    """The scene-setter: the overview slide of every question (hidden ones say so, with no numbers)."""
    questions = visible_questions(results)
    if not questions:
        return None
    fig = overview_slides(results)[0]
    alt = f"Overview of {results.title}: {len(results.questions)} questions. " + " ".join(
        alt_text(results, q) for q in questions
    )
    table = "\n\n".join(table_text(results, q) for q in questions)
    return RenderedChart(png_bytes(fig), alt, table)


def _context(results: SurveyResults) -> tuple[Any, ...]:
    # What a question slide shows besides the question itself: the header lines and the k gate.
    return (
        results.title,
        len(results.questions),
        results.respondents,
        results.invited,
        results.live,
        results.as_of,
        results.closes_at,
        results.timezone,
        results.k,
        results.respondents is None,
    )


class MatplotlibChartRenderer:
    """Renders in a thread pool (matplotlib Figure + Agg objects are per call, so threads are safe) and
    never renders an unchanged result twice: finished and in-flight renders share one bounded LRU."""

    def __init__(self, max_workers: int | None = 2, cache_size: int = 128) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="charts")
        self._cache: OrderedDict[tuple[str, str], Future[Any]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.renders = 0  # how many renders actually ran (cache misses), for tests and metrics

    async def question_chart(self, results: SurveyResults, question: VisibleResult) -> RenderedChart:
        ensure_visible(results, question)  # refuse at once, in the caller's task, with a clear error
        key = ("question", digest(_context(results), question))
        return await self._cached(key, render_question, results, question)

    async def survey_pdf(self, results: SurveyResults) -> bytes:
        return await self._cached(("pdf", digest(results)), build_pdf, results)

    async def survey_slides(self, results: SurveyResults) -> bytes:
        return await self._cached(("slides", digest(results)), build_slides, results)

    async def summary_chart(self, results: SurveyResults) -> RenderedChart | None:
        if not visible_questions(results):
            return None
        return await self._cached(("summary", digest(results)), render_summary, results)

    async def contribution_pdf(self, survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> bytes:
        # Never through the cache: a participant's copy must not outlive its delivery in this process.
        return await asyncio.wrap_future(self._pool.submit(contribution_pdf, survey, answers, submitted_at))

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    async def _cached(self, key: tuple[str, str], fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            future = self._cache.get(key)
            if future is not None:
                self._cache.move_to_end(key)
            else:
                future = self._pool.submit(self._run, fn, *args)
                self._cache[key] = future
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        try:
            result: T = await asyncio.wrap_future(future)
        except BaseException:
            with self._lock:  # a failed render is not cached: the next call tries again
                if self._cache.get(key) is future:
                    del self._cache[key]
            raise
        return result

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            self.renders += 1
        return fn(*args)
