"""Channel poll buttons and checkboxes: the click reaches Canvass alone; the voter alone is answered."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import ids
from adapters.slack.context import SlackContext, channel_of, safe, user_id_of
from adapters.slack.parsing import multi_picks, vote_value
from bot.errors import CanvassError

log = logging.getLogger(__name__)


def confirmation(title: str, changed: bool) -> str:
    what = "changed" if changed else "recorded"
    return f"✓ Your answer to “{title}” is {what}, anonymously. Only you see this; change it until close."


async def record(
    ctx: SlackContext, user: str, channel: str, survey_id: str, answers: dict[str, object]
) -> None:
    """Submit and confirm privately; a repeat of the same click within seconds is dropped."""
    key = (user, survey_id, repr(sorted(answers.items())))
    if not ctx.guard.first(*key):
        return
    try:
        receipt = await ctx.service.submit(ctx.participant(user), survey_id, answers)
        survey = await ctx.service.get(survey_id)
    except CanvassError as error:
        ctx.guard.forget(*key)
        await ctx.messenger.ephemeral(channel, user, f"⚠ {getattr(error, 'reason', None) or error}")
        return
    ctx.metrics.answers.inc()
    ctx.live.mark(survey.id)
    await ctx.messenger.ephemeral(channel, user, confirmation(survey.title, receipt.changed))


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def vote(user: str, channel: str, value: str) -> None:
        try:
            survey_id, question_id, raw = vote_value(value)
        except CanvassError as error:
            await ctx.messenger.ephemeral(channel, user, f"⚠ {error}")
            return
        await record(ctx, user, channel, survey_id, {question_id: raw})

    async def multi(user: str, channel: str, value: str, state: dict[str, Any]) -> None:
        survey_id, _, question_id = value.partition("|")
        await record(ctx, user, channel, survey_id, {question_id: multi_picks(state, survey_id)})

    @safe
    async def on_vote(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        ctx.background.spawn(vote(user_id_of(body), channel_of(body), str(action.get("value") or "")), "vote")

    @safe
    async def on_multi_pick(ack: Any, body: dict[str, Any]) -> None:
        await ack()  # ticking a box sends nothing until Submit

    @safe
    async def on_multi_submit(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        state = (body.get("state") or {}).get("values") or {}
        ctx.background.spawn(
            multi(user_id_of(body), channel_of(body), str(action.get("value") or ""), state), "vote"
        )

    app.action(re.compile(f"^{ids.VOTE}:"))(on_vote)
    app.action(ids.MULTI_PICK)(on_multi_pick)
    app.action(ids.MULTI_SUBMIT)(on_multi_submit)
