"""A per-platform token bucket that also honours a platform's 429 `Retry-After`.

Adapters may use it for their own calls too: raise `RetryAfter(seconds)` (or any exception carrying a
numeric `retry_after` attribute) from the wrapped call, and the limiter pauses that platform and retries.
Time and sleeping are injected so tests never wait for real.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


class RetryAfter(Exception):
    """The platform said "too many requests, come back in `retry_after` seconds"."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:g} s")
        self.retry_after = float(retry_after)


def retry_after_of(error: BaseException) -> float | None:
    """The pause a rate-limit error asks for, whatever adapter raised it; None for other errors."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


class TokenBucket:
    """`rate` tokens a second, holding at most `burst`. `pause(s)` empties it for s seconds."""

    def __init__(
        self, rate: float, burst: int, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = monotonic()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()  # callers queue in order instead of racing for the next token

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def pause(self, seconds: float) -> None:
        now = self._monotonic()
        self._blocked_until = max(self._blocked_until, now + seconds)
        # Nothing before the pause ends, then one call at once (the retry), then the normal rate.
        self._tokens = 1.0
        self._updated = max(now, self._blocked_until)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._monotonic()
                if now < self._blocked_until:
                    await self._sleep(self._blocked_until - now)
                    continue
                self._refill(now)
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self.rate)


class RateLimiter:
    """One bucket per platform; `call(platform, fn)` waits for a token, runs fn and obeys Retry-After."""

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 5,
        max_retries: int = 5,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_retries = max_retries
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, platform: str) -> TokenBucket:
        if platform not in self._buckets:
            self._buckets[platform] = TokenBucket(self.rate, self.burst, self._monotonic, self._sleep)
        return self._buckets[platform]

    async def call(self, platform: str, fn: Callable[[], Awaitable[T]]) -> T:
        bucket = self.bucket(platform)
        attempt = 0
        while True:
            await bucket.acquire()
            try:
                return await fn()
            except Exception as error:
                pause = retry_after_of(error)
                if pause is None or attempt >= self.max_retries:
                    raise
                attempt += 1
                log.warning("%s asked us to slow down; pausing it for %.1f s", platform, pause)
                bucket.pause(pause)
