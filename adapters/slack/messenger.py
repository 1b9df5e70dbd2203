"""SlackMessenger: what the core asks of Slack (bot.ports.Messenger), on the Web API."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.dm_trail import DmTrail
from adapters.slack.ephemeral import EphemeralSender
from adapters.slack.escape import SAFE_MESSAGE, mrkdwn
from bot.domain import Participant, Survey, Target
from bot.ports import RenderedChart
from bot.results import HiddenResult, SurveyResults
from bot.service import Canvass

log = logging.getLogger(__name__)

PLATFORM = "slack"
ALT_TEXT_LIMIT = 1000  # Slack's limit for alt_txt; the full numbers also go in the comment beside the chart


class SlackMessenger:
    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, service: Canvass, repository: Any, trail: DmTrail) -> None:
        self.client = client
        self.service = service
        self.repository = repository  # storage.repository.SqlRepository: keeps the poll message ts
        self.trail = trail  # every DM sent for a survey, deleted when it closes
        self.ephemerals = EphemeralSender(client)
        self._bot_user: str | None = None
        self._dm_channels: dict[str, str] = {}
        self._humans: dict[str, bool] = {}
        self._zones: dict[str, str] = {}  # user id -> IANA zone from users.info (memory only)

    async def bot_user_id(self) -> str:
        if self._bot_user is None:
            response = await self.client.auth_test()
            self._bot_user = str(response.get("user_id") or "")
        return self._bot_user

    async def dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            response = await self.client.conversations_open(users=user_id)
            self._dm_channels[user_id] = str(response["channel"]["id"])
        return self._dm_channels[user_id]

    # -- Messenger ---------------------------------------------------------------------------------

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        progress = await self.service.progress(survey.id)
        text, body = blocks.announcement(survey, progress, None)
        response = await self.client.chat_postMessage(
            channel=target.channel, text=text, blocks=body, **SAFE_MESSAGE
        )
        # The ts is what chat.update needs for live counts and the closed state.
        await self.repository.set_target_ref(survey.id, target, f"{response['channel']}|{response['ts']}")

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        if survey.is_poll:
            return  # a quick poll is answered from its channel message
        text, body = blocks.invitation(survey, await self.user_zone(participant.user_id))
        await self._direct(participant, survey.id, text=text, blocks=body)

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        """The invitation's button again, so a reminder is one click from the modal; deleted at close."""
        text, body = blocks.invitation(survey, await self.user_zone(participant.user_id), reminder=message)
        await self._direct(participant, survey.id, text=text, blocks=body)

    async def post_results(
        self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]
    ) -> None:
        text, body = blocks.results_header(results)
        await self.client.chat_postMessage(channel=target.channel, text=text, blocks=body, **SAFE_MESSAGE)
        remaining = list(charts)
        for result in results.questions:
            # Delivery renders one chart per visible question, in question order.
            chart = remaining.pop(0) if remaining and not isinstance(result, HiddenResult) else None
            if chart is None:
                q_text, q_blocks = blocks.question_results(result)
                await self.client.chat_postMessage(
                    channel=target.channel, text=q_text, blocks=q_blocks, **SAFE_MESSAGE
                )
                continue
            number = result.question.position + 1
            await self.client.files_upload_v2(
                channel=target.channel,
                content=chart.png,
                filename=f"canvass-{results.survey_id}-q{number}.png",
                title=f"Q{number}. {result.question.text}"[:250],
                alt_txt=chart.alt_text[:ALT_TEXT_LIMIT],
                initial_comment=blocks.chart_comment(chart.table_text),
            )

    async def post_text(self, target: Target, text: str) -> None:
        await self.client.chat_postMessage(channel=target.channel, text=mrkdwn(text), **SAFE_MESSAGE)

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        """A DM of the core's plain text; it is deleted when its survey closes."""
        await self.direct_mrkdwn(participant, mrkdwn(text), survey_id)

    async def direct_mrkdwn(self, participant: Participant, text: str, survey_id: str | None) -> None:
        """A DM of mrkdwn the caller built (participant strings in it already escaped)."""
        await self._direct(participant, survey_id, text=text)

    async def _direct(self, participant: Participant, survey_id: str | None, **message: Any) -> None:
        channel = await self.dm_channel(participant.user_id)
        response = await self.client.chat_postMessage(channel=channel, **message, **SAFE_MESSAGE)
        if survey_id is not None:
            await self.trail.record(survey_id, str(response.get("channel") or channel), str(response.get("ts") or ""))

    async def channel_members(self, target: Target) -> list[Participant]:
        bot = await self.bot_user_id()
        members: list[str] = []
        cursor: str | None = None
        while True:
            response = await self.client.conversations_members(
                channel=target.channel, limit=200, cursor=cursor
            )
            members.extend(str(m) for m in response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return [Participant(PLATFORM, m) for m in members if m != bot and await self._is_human(m)]

    async def _is_human(self, user_id: str) -> bool:
        if user_id not in self._humans:
            await self._user_info(user_id)
        return self._humans[user_id]

    async def _user_info(self, user_id: str) -> None:
        # One users.info per person per process: whether they are a person, and their time zone.
        user = (await self.client.users_info(user=user_id)).get("user") or {}
        self._humans[user_id] = not (user.get("is_bot") or user.get("deleted") or user_id == "USLACKBOT")
        self._zones[user_id] = str(user.get("tz") or "")

    async def user_zone(self, user_id: str) -> str | None:
        """The person's own time zone as Slack gives it (users.info `tz`), cached; None if unknown."""
        if user_id not in self._zones:
            try:
                await self._user_info(user_id)
            except Exception:  # no zone is no reason to fail an invitation: the survey's zone is used
                log.warning("slack: users.info failed; the invitation uses the survey's time zone")
                self._zones[user_id] = ""
        return self._zones.get(user_id) or None

    # -- replies to one person --------------------------------------------------------------------

    async def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: Sequence[dict[str, Any]] | None = None
    ) -> None:
        """Only `user_id` sees it; in a DM or App Home (no channel) it goes to the bot's DM with them.
        Ephemeral messages are not stored, so this is where a person may see their own answer; the
        text is plain and escaped here."""
        extra: dict[str, Any] = {"blocks": list(blocks)} if blocks else {}
        await self.ephemerals.send(
            channel=channel or await self.dm_channel(user_id),
            user=user_id,
            text=mrkdwn(text),
            **extra,
            **SAFE_MESSAGE,
        )
