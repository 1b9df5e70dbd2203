"""The token bucket and Retry-After, on a fake monotonic clock: no real waiting."""

from __future__ import annotations

import pytest

from bot.ratelimit import RateLimiter, RetryAfter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_burst_then_steady_rate_per_platform() -> None:
    time = FakeTime()
    limiter = RateLimiter(rate=2.0, burst=3, monotonic=time.monotonic, sleep=time.sleep)
    moments: list[tuple[str, float]] = []

    async def send(platform: str) -> None:
        moments.append((platform, time.now))

    for _ in range(5):
        await limiter.call("slack", lambda: send("slack"))
    await limiter.call("matrix", lambda: send("matrix"))  # its own bucket: not slowed by Slack's
    assert moments == [("slack", 0.0), ("slack", 0.0), ("slack", 0.0), ("slack", 0.5), ("slack", 1.0),
                       ("matrix", 1.0)]  # fmt: skip


async def test_retry_after_pauses_the_platform_and_retries() -> None:
    time = FakeTime()
    limiter = RateLimiter(rate=10.0, burst=10, monotonic=time.monotonic, sleep=time.sleep)
    attempts: list[float] = []

    async def flaky() -> str:
        attempts.append(time.now)
        if len(attempts) == 1:
            raise RetryAfter(30)
        return "ok"

    assert await limiter.call("slack", flaky) == "ok"
    assert attempts == [0.0, 30.0]
    attempts.clear()
    await limiter.call("slack", flaky)
    assert attempts[0] >= 30.0  # the next call also waited for the pause, not only the retried one


async def test_other_errors_and_endless_429s_surface() -> None:
    time = FakeTime()
    limiter = RateLimiter(rate=10.0, burst=10, max_retries=2, monotonic=time.monotonic, sleep=time.sleep)

    async def broken() -> None:
        raise ValueError("boom")

    async def always_429() -> None:
        raise RetryAfter(1)

    with pytest.raises(ValueError):
        await limiter.call("slack", broken)
    with pytest.raises(RetryAfter):
        await limiter.call("slack", always_429)
    assert time.sleeps.count(1.0) >= 2
