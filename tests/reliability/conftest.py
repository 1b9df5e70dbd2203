"""The Slack harness fixtures (real Bolt app over HTTP, fake Web API) for the reliability tests."""

from tests.slack.conftest import clock, slack, start_slack

__all__ = ["clock", "slack", "start_slack"]
