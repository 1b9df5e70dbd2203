"""App Home: what a participant still has to answer; for organisers, their surveys and actions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack import blocks, ids
from adapters.slack.context import SlackContext, safe, slack_error, user_id_of
from bot.domain import ResultsMode, Status, Survey
from bot.errors import CanvassError, NotAuthorised
from bot.service import Progress

log = logging.getLogger(__name__)

MAX_ORGANISED = 15


async def publish_home(ctx: SlackContext, user: str, status: str = "") -> None:
    participant = ctx.participant(user)
    actor = ctx.actor(user)
    pending: list[Survey] = []
    for survey in await ctx.service.list_surveys([Status.OPEN]):
        if participant in await ctx.service.roster(survey.id) and not await ctx.service.has_responded(
            participant, survey.id
        ):
            pending.append(survey)
    organiser = ctx.service.is_organiser(actor)
    organised: list[tuple[Survey, Progress]] = []
    if organiser:
        mine = [s for s in await ctx.service.list_surveys() if s.created_by == actor.key]
        mine.sort(key=lambda s: (s.status is Status.CLOSED, -(s.opens_at.timestamp() if s.opens_at else 0)))
        for survey in mine[:MAX_ORGANISED]:
            organised.append((survey, await ctx.service.progress(survey.id)))
    view = blocks.home_view(pending, organised, organiser)
    if status:
        view["blocks"].insert(1, blocks.context(blocks.esc(status)))
    await ctx.client.views_publish(user_id=user, view=view)


async def _manage(ctx: SlackContext, user: str, action_id: str, survey_id: str) -> None:
    actor = ctx.actor(user)
    try:
        if not ctx.service.is_organiser(actor):
            raise NotAuthorised("Only organisers can do that.")
        survey = await ctx.service.get(survey_id)
        ctx.service.require_manage(actor, survey, "manage it")  # per survey, as in the chat commands
        if action_id == ids.HOME_RESULTS and survey.results_mode is ResultsMode.ORGANISERS:
            raise NotAuthorised("Results of this survey are for organisers only, so they never go to a channel.")
        if action_id == ids.HOME_CLOSE:
            survey = await ctx.service.close_survey(actor, survey.id)
            status = f"Closed “{survey.title}”."
        elif action_id == ids.HOME_RESULTS:
            await ctx.delivery.post_results(actor, survey.id)
            status = f"Posted the results of “{survey.title}” to its channel."
        else:
            await remind(ctx, survey)
            # Never the number reminded: with the invited count it would give the exact respondent count.
            status = f"Reminded everyone who has not answered “{survey.title}” yet."
    except CanvassError as error:
        status = f"⚠ {error}"
    except SlackApiError as error:
        status = f"⚠ Slack refused that: {slack_error(error)}."
    await publish_home(ctx, user, status)


async def remind(ctx: SlackContext, survey: Survey) -> None:
    channel = next((t.channel for t in survey.targets if t.platform == ctx.messenger.platform), "")
    for participant in await ctx.service.non_respondents(survey.id):
        if participant.platform != ctx.messenger.platform:
            continue
        if survey.is_poll:
            where = f" in <#{channel}>" if channel else ""  # a channel link of our own, not escaped
            text = f"Reminder: {blocks.esc(f'“{survey.title}”')} is waiting for your answer{where}."
            await ctx.messenger.direct_mrkdwn(participant, text, survey.id)
        else:
            await ctx.messenger.remind_participant(participant, survey, "")  # with the Answer button


def register(app: AsyncApp, ctx: SlackContext) -> None:
    @safe
    async def on_home_opened(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str) or not user:
            return  # no one to publish for: views.publish would only fail, with a traceback in the log
        ctx.background.spawn(publish_home(ctx, user), "home")

    @safe
    async def on_manage(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        work = _manage(ctx, user_id_of(body), str(action["action_id"]), str(action.get("value") or ""))
        ctx.background.spawn(work, "home-action")

    app.event("app_home_opened")(on_home_opened)
    for action_id in (ids.HOME_CLOSE, ids.HOME_RESULTS, ids.HOME_REMIND):
        app.action(action_id)(on_manage)
