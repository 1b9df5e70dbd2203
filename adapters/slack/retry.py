"""Retries for every Web API call: a 429 waits for Retry-After, and a 5xx, a timeout or a dropped
connection is retried with exponential backoff, so a reminder or result is late, not lost.

Idempotency boundary: a call that timed out may have been carried out by Slack before the answer got
lost; retrying it can then post a message twice. Slack's Web API has no idempotency key for
chat.postMessage, so this is the honest trade: an invitation, reminder or result delivered twice in
that rare case rather than never. (Votes are not at stake: they are stored before Slack's 200.)
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Slack's rate-limit windows are a minute; this many waits ride out a long storm without giving up.
MAX_RATE_LIMIT_RETRIES = 100
DEFAULT_WAIT_SECONDS = 1.0
# 5xx and timeouts: 0.5 s, 1 s, 2 s ... capped at 30 s, about five minutes in all before giving up.
MAX_TRANSIENT_RETRIES = 12
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0


class RetryAfterHandler(AsyncRetryHandler):
    """Waits exactly as long as Slack's Retry-After says, then tries again."""

    def __init__(
        self,
        max_retry_count: int = MAX_RATE_LIMIT_RETRIES,
        sleep: Sleep = asyncio.sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._on_wait = on_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = DEFAULT_WAIT_SECONDS
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    try:
                        wait = max(0.0, float(values[0]))
                    except ValueError:
                        pass
        log.warning("Slack rate limit: waiting %.1fs before retrying (attempt %d)", wait, state.current_attempt + 1)
        if self._on_wait is not None:
            self._on_wait(wait)
        state.next_attempt_requested = True
        await self._sleep(wait)
        state.increment_current_attempt()


class TransientErrorHandler(AsyncRetryHandler):
    """Retries server errors (5xx), timeouts and connection failures with jittered exponential backoff."""

    def __init__(self, max_retry_count: int = MAX_TRANSIENT_RETRIES, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None:
            return response.status_code >= 500
        return isinstance(error, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError))

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**state.current_attempt)
        wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # jitter: replicas do not retry in step
        what = f"status {response.status_code}" if response is not None else type(error).__name__
        # The method name only (the URL path), never the arguments: they can hold a message text.
        method = request.url.rsplit("/", 1)[-1]
        log.warning(
            "Slack %s failed (%s): retrying in %.1fs (attempt %d)", method, what, wait, state.current_attempt + 1
        )
        state.next_attempt_requested = True
        await self._sleep(wait)
        state.increment_current_attempt()


def retry_handlers(
    sleep: Sleep = asyncio.sleep, on_wait: Callable[[float], None] | None = None
) -> list[AsyncRetryHandler]:
    return [
        RetryAfterHandler(sleep=sleep, on_wait=on_wait),
        TransientErrorHandler(sleep=sleep),
    ]
