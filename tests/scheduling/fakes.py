"""A messenger that records what reached each place and when (by the injected clock)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import Participant, Survey, Target
from bot.ports import Clock, RenderedChart
from bot.results import SurveyResults
from bot.scheduling.sending import direct_text


@dataclass(frozen=True)
class Sent:
    at: datetime
    kind: str  # announce | invite | results | text | direct
    where: str  # channel, or user id for DMs
    text: str


@dataclass
class RecordingMessenger:
    clock: Clock
    platform: str = "console"
    members: list[str] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def _add(self, kind: str, where: str, text: str) -> None:
        self.sent.append(Sent(self.clock.now(), kind, where, text))

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        self._add("announce", target.channel, survey.id)

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        self._add("invite", participant.user_id, survey.id)

    async def post_results(
        self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]
    ) -> None:
        self._add("results", target.channel, results.survey_id)

    async def post_text(self, target: Target, text: str) -> None:
        self._add("text", target.channel, text)

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        self._add("direct", participant.user_id, text)

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        await self.send_direct(participant, direct_text(survey, message), survey.id)

    async def channel_members(self, target: Target) -> list[Participant]:
        return [Participant(self.platform, m) for m in self.members]

    def of(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]
