"""Prometheus counters of the Slack adapter, served on the operator's metrics listener (not on the
public Slack listener). Counts only, and none that moves with each answer: no count of answers, nor
of accepted requests (every click is one), since a counter read beside a live chart would match
clicks to its steps. What remains: refused requests and rate-limit waits."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class SlackMetrics:
    def __init__(self) -> None:
        # One registry per adapter, so several adapters (tests) never collide on the global one.
        self.registry = CollectorRegistry()
        self.refused = Counter(
            "canvass_slack_refused_requests",
            "Requests refused at /slack/events before dispatch (bad signature, malformed body)",
            ["reason"],
            registry=self.registry,
        )
        self.rate_limit_waits = Counter(
            "canvass_slack_rate_limit_waits",
            "Web API calls that waited for Retry-After",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
