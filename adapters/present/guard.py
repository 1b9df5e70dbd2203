"""Failed-token attempts per address: after `limit` misses within `window` seconds, the address is
refused (429) until its oldest miss ages out, so that guessing tokens costs time, not just requests."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_ADDRESSES = 10_000  # a flood of spoofed addresses cannot grow this without bound


class FailedAttempts:
    def __init__(self, limit: int = 20, window: float = 60.0, now: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._misses: dict[str, deque[float]] = {}

    def _recent(self, address: str) -> deque[float] | None:
        misses = self._misses.get(address)
        if misses is None:
            return None
        horizon = self._now() - self.window
        while misses and misses[0] <= horizon:
            misses.popleft()
        if not misses:
            del self._misses[address]
            return None
        return misses

    def blocked(self, address: str) -> bool:
        misses = self._recent(address)
        return misses is not None and len(misses) >= self.limit

    def record(self, address: str) -> None:
        misses = self._recent(address)
        if misses is None:
            if len(self._misses) >= MAX_ADDRESSES:
                self._misses.pop(next(iter(self._misses)))  # the oldest address first
            misses = self._misses[address] = deque()
        misses.append(self._now())
