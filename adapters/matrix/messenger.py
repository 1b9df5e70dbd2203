"""`bot.ports.Messenger` for Matrix: announcements as m.notice (HTML plus plain body), questions in
DMs, results as an m.image per chart followed by an HTML table, and live charts that replace (redact)
their previous image."""

from __future__ import annotations

import io
import json
import logging
import struct
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from nio import UploadResponse

from adapters.matrix.formatting import announcement, notice_content, public, results_table
from bot.domain import Participant, Status, Survey, Target
from bot.errors import NotFound
from bot.invitation_text import reminder_text
from bot.ports import RenderedChart, StateStore
from bot.results import SurveyResults

if TYPE_CHECKING:
    from adapters.matrix.plugin import MatrixAdapter

log = logging.getLogger(__name__)
PLATFORM = "matrix"
LIVE_KEY = "matrix.live."


def png_size(png: bytes) -> tuple[int, int] | None:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


class MatrixMessenger:
    platform = PLATFORM

    def __init__(self, adapter: MatrixAdapter, state: StateStore) -> None:
        self.adapter = adapter
        self.state = state

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        sender = await self.adapter.ready()
        await sender.send(target.channel, announcement(survey))

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        await self.adapter.ready()
        try:
            await self.adapter.conversations.invite(participant.user_id, survey)
        except Exception:
            # One unreachable member must not stop the others from being asked.
            log.exception("matrix: could not invite a participant to survey %s", survey.id)

    async def post_results(self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]) -> None:
        sender = await self.adapter.ready()
        client = self.adapter.client
        assert client is not None
        images: list[str] = []
        for i, chart in enumerate(charts, start=1):
            upload, _keys = await client.upload(
                io.BytesIO(chart.png),
                content_type="image/png",
                filename=f"{results.survey_id}-q{i}.png",
                filesize=len(chart.png),
            )
            if not isinstance(upload, UploadResponse):
                log.warning("matrix: chart upload failed: %s", getattr(upload, "message", upload))
                continue
            info: dict[str, object] = {"mimetype": "image/png", "size": len(chart.png)}
            if (size := png_size(chart.png)) is not None:
                info["w"], info["h"] = size
            # The alt text goes in body: it is what screen readers and text-only clients show.
            content = {
                "msgtype": "m.image",
                "body": chart.alt_text,
                "url": upload.content_uri,
                "info": info,
                "filename": f"{results.survey_id}-q{i}.png",
            }
            images.append(await sender.send(target.channel, public(content)))
        table = await sender.send(target.channel, results_table(results))
        key = f"{LIVE_KEY}{results.survey_id}.{target.channel}"
        previous = await self.state.get_state(key)
        if results.live:
            await self.state.set_state(key, json.dumps([*images, table]))
        if previous:
            # A live chart replaces the one before it, so the room shows one current picture.
            for event_id in json.loads(previous):
                await client.room_redact(target.channel, event_id, reason="replaced by newer results")
        if not results.live and previous is not None:
            await self.state.delete_state(key)  # the final post: nothing left to replace

    async def post_text(self, target: Target, text: str) -> None:
        sender = await self.adapter.ready()
        await sender.send(target.channel, notice_content(text))

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        await self.adapter.ready()
        room_id = await self.adapter.dms.room_for(participant.user_id)
        # A reminder tells who was invited (and who has not answered yet): redacted at close.
        sent = await self.adapter.conversations.say(room_id, participant.user_id, text, survey_id)
        if not self.adapter.sender.held_for_join(room_id, participant.user_id):
            # Reminders are retried by the scheduler when this raises, so wait for the real send
            # (unless it waits for the person to join an encrypted DM, which may take days).
            await sent

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        """Matrix has no buttons: a reminder to someone who has not submitted starts the flow again
        instead (the reminder with the invitation's notice, then the next question, so a reply answers
        it). Otherwise, or once the survey is closed, it goes as a plain note."""
        text = reminder_text(survey, message)
        if await self._restart_flow(participant, text, survey.id):
            return
        await self.send_direct(participant, text, survey.id)

    async def _restart_flow(self, participant: Participant, text: str, survey_id: str) -> bool:
        await self.adapter.ready()
        service = self.adapter.core.service
        try:
            survey = await service.get(survey_id)
            if survey.status is not Status.OPEN or (
                not survey.is_poll and await service.has_responded(participant, survey_id)
            ):
                return False
        except NotFound:
            return False
        await self.adapter.conversations.invite(participant.user_id, survey, reminder=text)
        return True

    async def channel_members(self, target: Target) -> list[Participant]:
        await self.adapter.ready()
        client = self.adapter.client
        assert client is not None
        response = await client.joined_members(target.channel)
        members = getattr(response, "members", None)
        if members is None:
            log.warning("matrix: could not list the members of a room: %s", getattr(response, "message", response))
            return []
        skip = list(self.adapter.config.not_invited)
        # Bots are not people who can answer: the bot itself, and users the operator lists (bridges,
        # appservice users, other bots; the homeserver does not tell a client which users are bots).
        return [
            Participant(PLATFORM, m.user_id)
            for m in members
            if m.user_id != client.user_id and not is_bot(m.user_id, skip)
        ]


def is_bot(user_id: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(user_id, pattern) for pattern in patterns)
