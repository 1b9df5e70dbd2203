"""An even-spacing rate limiter for outgoing DMs, so a roster of hundreds does not trip the
homeserver's limits. (429 responses themselves are honoured by nio, which sleeps `retry_after_ms`.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._next = 0.0
        self._lock = asyncio.Lock()

    def reserve(self) -> float:
        """Claim the next send slot; returns how long to wait for it."""
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        return slot - now

    async def wait(self) -> None:
        async with self._lock:
            delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
