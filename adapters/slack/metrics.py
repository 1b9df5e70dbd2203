"""Prometheus metrics for the HTTP server. Counts only: no user ids, no answers, no payloads."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class SlackMetrics:
    def __init__(self) -> None:
        # One registry per adapter, so several adapters (tests) never collide on the global one.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "canvass_slack_requests",
            "Requests received at /slack/events",
            ["kind", "status"],
            registry=self.registry,
        )
        self.answers = Counter("canvass_slack_answers", "Answers accepted from Slack", registry=self.registry)
        self.rate_limit_waits = Counter(
            "canvass_slack_rate_limit_waits",
            "Web API calls that waited for Retry-After",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
