"""Retries for every Web API call: a 429 waits for Retry-After, so a reminder or result is late, not lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Slack's rate-limit windows are a minute; this many waits ride out a long storm without giving up.
MAX_RATE_LIMIT_RETRIES = 100
DEFAULT_WAIT_SECONDS = 1.0


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
        log.warning(
            "Slack rate limit: waiting %.1fs before retrying (attempt %d)", wait, state.current_attempt + 1
        )
        if self._on_wait is not None:
            self._on_wait(wait)
        state.next_attempt_requested = True
        await self._sleep(wait)
        state.increment_current_attempt()


def retry_handlers(
    sleep: Sleep = asyncio.sleep, on_wait: Callable[[float], None] | None = None
) -> list[AsyncRetryHandler]:
    return [
        RetryAfterHandler(sleep=sleep, on_wait=on_wait),
        AsyncConnectionErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]
