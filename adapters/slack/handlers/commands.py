"""The `/canvass` slash command: acked at once; the work and its reply come after the ack."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack.builder import BuilderMeta, builder_modal
from adapters.slack.context import SlackContext, safe, slack_error
from adapters.slack.escape import mrkdwn
from adapters.slack.messenger import PLATFORM
from bot import commands as c
from bot.domain import Target
from bot.errors import CanvassError

# Slack escapes mentions in command text: <#C123|general>, <@U123|ann>. The core wants bare ids.
_MENTION = re.compile(r"<([#@])([A-Z0-9]+)(?:\|[^>]*)?>")


def normalise(text: str) -> str:
    """The command text as the organiser typed it. Slack sends mentions as <@U123|ann> (real angle
    brackets) and escapes what was typed: & < > arrive as &amp; &lt; &gt;, so "R&D" would otherwise be
    stored as "R&amp;D". Mentions first, then the entities, &amp; last so "&amp;lt;" stays "&lt;"."""
    bare = _MENTION.sub(lambda m: m.group(2), text)
    return bare.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


SHORT_USAGE = (
    'Usage: `/canvass poll "Question?" "A" "B"` · `new` · `list` · `close ID` · `results ID [#channel]` · '
    "`remind ID ...` (`/canvass help` explains each)."
)


def short_usage(error: CanvassError) -> str:
    """The problem and one line of usage: the full help is one command away."""
    problem = str(error).replace(c.USAGE, "").strip()  # may quote what was typed: escaped
    return f"⚠ {mrkdwn(problem)}\n{SHORT_USAGE}"


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def run_command(actor_id: str, channel: str, response_url: str, command: c.Command) -> None:
        actor = ctx.actor(actor_id)
        try:
            reply = await ctx.commands.handle(actor, Target(PLATFORM, channel), command)
        except CanvassError as error:
            await ctx.respond(response_url, f"⚠ {error}")
            return
        except SlackApiError as error:
            await ctx.respond(response_url, f"⚠ Slack refused that: {slack_error(error)}.")
            return
        await ctx.respond(response_url, reply.text, public=reply.public)

    async def open_builder(trigger_id: str, channel: str) -> None:
        await ctx.client.views_open(
            trigger_id=trigger_id, view=builder_modal(BuilderMeta(channel, 1), ctx.default_k, ctx.timezone)
        )

    @safe
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        user, channel = str(body.get("user_id") or ""), str(body.get("channel_id") or "")
        try:
            command = c.parse_command(normalise(str(body.get("text") or "")))
        except CanvassError as error:
            await ack(text=short_usage(error))
            return
        if isinstance(command, c.Help):
            await ack(text=f"```{c.USAGE}```")
            return
        if not ctx.service.is_organiser(ctx.actor(user)):
            await ack(
                text="⚠ Only organisers can run Canvass commands. Answers are given privately, not here."
            )
            return
        if isinstance(command, c.NewSurveyDialog):
            await ack()
            # The trigger id expires 3 s after the command: open the modal first thing after the ack.
            ctx.background.spawn(open_builder(str(body.get("trigger_id") or ""), channel), "open-builder")
            return
        await ack()
        ctx.background.spawn(
            run_command(user, channel, str(body.get("response_url") or ""), command), "command"
        )

    app.command("/canvass")(on_command)
