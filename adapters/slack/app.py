"""Builds the Bolt app: built-in request verification, event de-duplication, and the handler modules."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from adapters.slack.context import SlackContext
from adapters.slack.handlers import answering, commands, copy, creating, home, lessons, voting

# Bolt logs request bodies at DEBUG; answers must never reach a log (DESIGN.md rule 7).
_bolt_log = logging.getLogger("canvass.slack.bolt")
_bolt_log.setLevel(logging.INFO)


def build_app(ctx: SlackContext, signing_secret: str) -> AsyncApp:
    app = AsyncApp(
        client=ctx.client,
        signing_secret=signing_secret,
        logger=_bolt_log,
        # Listeners ack first and push slow work to ctx.background themselves, so the HTTP response is
        # the ack; this also keeps modal validation (response_action: errors) in the same request.
        process_before_response=True,
    )

    async def drop_retried_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        # Slack re-sends an event (X-Slack-Retry-Num) when the first ack was slow or lost; handle it once.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not await ctx.state.first_sighting(f"slack:{event_id}"):
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.middleware(drop_retried_events)
    for module in (commands, voting, answering, lessons, copy, creating, home):
        module.register(app, ctx)
    return app
