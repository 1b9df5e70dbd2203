"""The Slack click guard: a repeat of the same click within the TTL is dropped, later it counts again,
and what it remembers never outlives the TTL. A manual clock: no assertion depends on how fast the
machine hashes 20,000 clicks."""

from __future__ import annotations

from adapters.slack.context import ClickGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_repeat_within_the_ttl_is_dropped_and_counts_again_after_it() -> None:
    clock = Clock()
    guard = ClickGuard(ttl_seconds=0.2, clock=clock)
    assert guard.first(guard.key("U1", "s1", "a"))
    clock.now += 0.19
    assert not guard.first(guard.key("U1", "s1", "a"))
    assert guard.first(guard.key("U1", "s1", "b"))  # another answer is another click
    clock.now += 0.02
    assert guard.first(guard.key("U1", "s1", "a"))


def test_a_large_burst_stays_remembered_while_fresh_and_is_forgotten_after() -> None:
    clock = Clock()
    guard = ClickGuard(ttl_seconds=0.5, clock=clock)
    for i in range(20_000):
        clock.now += 0.00002  # 20,000 clicks in 0.4 s
        assert guard.first(guard.key(f"U{i}", "s1", "a"))
    assert not guard.first(guard.key("U0", "s1", "a"))  # the first of 20,000 fresh clicks is still remembered
    clock.now += 0.55
    assert guard.first(guard.key("U1", "s1", "a"))
    assert len(guard._seen) == 1  # everything older than the TTL was dropped on the way


def test_forget_lets_the_same_click_count_again_at_once() -> None:
    guard = ClickGuard()
    assert guard.first(guard.key("U1", "s1", "a"))
    guard.forget(guard.key("U1", "s1", "a"))
    assert guard.first(guard.key("U1", "s1", "a"))
