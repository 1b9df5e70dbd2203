"""The survey builder modal: add questions, then create (validated before the ack) and open (after it)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack import ids
from adapters.slack.builder import BuilderMeta, builder_modal, error_block, spec_from_state
from adapters.slack.context import SlackContext, safe, slack_error, user_id_of
from bot.domain import Status, Survey
from bot.errors import CanvassError, InvalidInput
from bot.timeparse import format_local

log = logging.getLogger(__name__)


def register(app: AsyncApp, ctx: SlackContext) -> None:
    async def open_survey(user: str, channel: str, survey: Survey) -> None:
        actor = ctx.actor(user)
        try:
            if survey.status is Status.DRAFT:
                survey = await ctx.delivery.open(actor, survey.id)
                text = f"Opened “{survey.title}” [{survey.id}]."
            else:
                when = format_local(survey.opens_at, survey.timezone)
                text = f"Scheduled “{survey.title}” [{survey.id}] to open {when}."
        except CanvassError as error:
            text = f"⚠ “{survey.title}” [{survey.id}] was created but not opened: {error}"
        except SlackApiError as error:
            text = f"⚠ “{survey.title}” [{survey.id}] was created, but Slack refused: {slack_error(error)}."
        await ctx.messenger.ephemeral(channel, user, text)

    @safe
    async def on_add(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        view = body["view"]
        meta = BuilderMeta.loads(str(view.get("private_metadata") or ""))
        bigger = BuilderMeta(meta.channel, meta.questions + 1)
        # Same block ids, so Slack keeps what was typed in the existing fields.
        work = ctx.client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=builder_modal(bigger, ctx.default_k, ctx.timezone)
        )
        ctx.background.spawn(_discard(work), "builder-add")

    @safe
    async def on_submit(ack: Any, body: dict[str, Any]) -> None:
        view = body["view"]
        user = user_id_of(body)
        try:
            meta = BuilderMeta.loads(str(view.get("private_metadata") or ""))
        except ValueError:
            await ack(response_action="errors", errors={"b_title": "This form is out of date; start again."})
            return
        if not meta.channel:
            await ack(
                response_action="errors", errors={"b_title": "Run /canvass new in the channel to post in."}
            )
            return
        values = (view.get("state") or {}).get("values") or {}
        try:
            spec = spec_from_state(meta, values, ctx.timezone, ctx.clock.now())
            survey = await ctx.service.create_survey(ctx.actor(user), spec)
        except InvalidInput as error:
            await ack(response_action="errors", errors={error_block(error.field): error.reason[:150]})
            return
        except CanvassError as error:
            await ack(response_action="errors", errors={"b_title": str(error)[:150]})
            return
        await ack()
        ctx.background.spawn(open_survey(user, meta.channel, survey), "open-survey")

    app.action(ids.BUILDER_ADD)(on_add)
    app.view_submission(ids.BUILDER_VIEW)(on_submit)


async def _discard(work: Any) -> None:
    await work
