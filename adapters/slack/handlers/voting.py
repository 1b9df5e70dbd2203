"""Channel poll buttons and checkboxes: the click reaches Canvass alone; the voter alone is answered."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import ids
from adapters.slack.context import Confirmation, SlackContext, channel_of, safe, user_id_of
from adapters.slack.handlers.copy import confirmation, confirmation_message, offer
from adapters.slack.parsing import multi_picks, vote_value
from bot.errors import CanvassError
from bot.service import Receipt

log = logging.getLogger(__name__)


async def record(
    ctx: SlackContext, user: str, channel: str, survey_id: str, answers: dict[str, object]
) -> None:
    """Store the ballot now, inside the request, so Slack's 200 means "committed": a crash after the
    ack can lose a confirmation but never an acknowledged vote. The confirmation (a Web API call,
    the slow part) goes after the ack. A repeat of the same click within seconds is dropped once the
    first one is stored."""
    key = ctx.guard.key(user, survey_id, repr(sorted(answers.items())))
    if not ctx.guard.first(key):
        await ctx.guard.settled(key)
        return
    try:
        receipt = await ctx.service.submit(ctx.participant(user), survey_id, answers)
    except CanvassError as error:
        ctx.guard.forget(key)
        reason = f"⚠ {getattr(error, 'reason', None) or error}"
        ctx.confirm(channel, user, reason)
        return
    except Exception:
        # Not the voter's fault (e.g. the database went away): say so rather than pretend it counted.
        ctx.guard.forget(key)
        log.exception("slack: storing a vote failed")
        ctx.confirm(channel, user, NOT_STORED)
        return
    finally:
        ctx.guard.done(key)
    ctx.live.mark(receipt.survey_id)
    ctx.confirm_later(channel, user, partial(_confirmation, ctx, user, receipt))


async def _confirmation(ctx: SlackContext, user: str, receipt: Receipt) -> Confirmation:
    """Built after the ack: the answers in words, and the copy offer."""
    try:
        survey = await ctx.service.answerable(receipt.survey_id)  # cached: the vote path reads nothing
    except CanvassError:  # closed a moment later: the plain confirmation still tells the truth
        return confirmation(receipt.title, receipt.changed), None
    return confirmation_message(survey, receipt, offer(ctx, user, survey, receipt))


NOT_STORED = "⚠ Your answer could not be stored just now. Please click again in a moment."


async def vote(ctx: SlackContext, user: str, channel: str, value: str) -> None:
    try:
        survey_id, question_id, raw = vote_value(value)
    except CanvassError as error:
        ctx.confirm(channel, user, f"⚠ {error}")
        return
    await record(ctx, user, channel, survey_id, {question_id: raw})


def fast_vote(ctx: SlackContext) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """The poll button click, for the HTTP server's direct route (adapters/slack/http_server.py): the
    same work as the Bolt listener below, without Bolt's per-request context and middleware, which
    cost more CPU than storing the vote. The caller's 200 is the ack, sent after this returns."""

    async def on_vote(body: dict[str, Any]) -> None:
        try:
            action = body["actions"][0]
            await vote(ctx, user_id_of(body), channel_of(body), str(action.get("value") or ""))
        except Exception:
            log.exception("slack vote failed")  # no payload: it holds the answer

    return on_vote


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def multi(user: str, channel: str, value: str, state: dict[str, Any]) -> None:
        survey_id, _, question_id = value.partition("|")
        await record(ctx, user, channel, survey_id, {question_id: multi_picks(state, survey_id)})

    # With process_before_response the HTTP response leaves when the listener returns: the ballot is
    # committed first (milliseconds), then the 200 goes, then the confirmation runs in the background.
    @safe
    async def on_vote(ack: Any, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        await vote(ctx, user_id_of(body), channel_of(body), str(action.get("value") or ""))
        await ack()

    @safe
    async def on_multi_pick(ack: Any, body: dict[str, Any]) -> None:
        await ack()  # ticking a box sends nothing until Submit

    @safe
    async def on_multi_submit(ack: Any, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        state = (body.get("state") or {}).get("values") or {}
        await multi(user_id_of(body), channel_of(body), str(action.get("value") or ""), state)
        await ack()

    app.action(re.compile(f"^{ids.VOTE}:"))(on_vote)
    app.action(ids.MULTI_PICK)(on_multi_pick)
    app.action(ids.MULTI_SUBMIT)(on_multi_submit)
