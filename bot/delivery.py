"""Opening surveys on their platforms and posting results to their channels."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.delegations import DelegationNotices
from bot.domain import Actor, Participant, ResultsMode, Survey, Target
from bot.events import Event, SurveyClosed
from bot.ports import ChartRenderer, Messenger, RenderedChart
from bot.results import HiddenResult, SurveyResults
from bot.service import Canvass

log = logging.getLogger(__name__)


class Messengers:
    """The registry of connected platforms, filled by the composition root."""

    def __init__(self, messengers: Sequence[Messenger] = ()) -> None:
        self._by_platform: dict[str, Messenger] = {m.platform: m for m in messengers}

    def add(self, messenger: Messenger) -> None:
        self._by_platform[messenger.platform] = messenger

    def get(self, platform: str) -> Messenger | None:
        return self._by_platform.get(platform)

    @property
    def platforms(self) -> list[str]:
        return sorted(self._by_platform)


class Delivery:
    def __init__(
        self,
        service: Canvass,
        messengers: Messengers,
        renderer: ChartRenderer | None = None,
        auto_post_results: bool = True,
    ) -> None:
        self.service = service
        self.messengers = messengers
        self.renderer = renderer
        # False when the scheduler's outbox posts the results instead (once, even across replicas and
        # from a process, such as the CLI, that has no chat connection).
        self.auto_post_results = auto_post_results
        service.events.subscribe(self._on_event)
        self.notices = DelegationNotices(service.events, messengers)  # "submitted by X" to a delegation's others

    async def _capture_roster(self, survey: Survey) -> list[Participant] | None:
        if await self.service.roster(survey.id):
            return None
        members: list[Participant] = []
        for target in survey.targets:
            messenger = self.messengers.get(target.platform)
            if messenger is not None:
                members.extend(await messenger.channel_members(target))
        # Who counts as invited: people who can answer, not those running it (bot/invited.py).
        return await self.service.roster_rule.members(survey, members)

    async def open(self, actor: Actor | None, survey_id: str) -> Survey:
        """Open now: take the roster (unless given), then announce in the channels and invite by DM."""
        survey = await self.service.get(survey_id)
        self.service.require_manage(actor, survey, "open it")  # before asking the platform for members
        await self.service.approvals.require(actor, survey)  # likewise (bot/approval.py)
        roster = await self._capture_roster(survey)
        survey = await self.service.open_survey(actor, survey.id, roster)
        for target in survey.targets:
            messenger = self.messengers.get(target.platform)
            if messenger is None:
                log.warning("survey %s targets %s, which is not connected", survey.id, target.platform)
                continue
            await messenger.announce_survey(target, survey)
        for participant in await self.service.roster(survey.id):
            messenger = self.messengers.get(participant.platform)
            if messenger is not None:
                await messenger.invite_participant(participant, survey)
        return survey

    async def charts_for(self, results: SurveyResults) -> list[RenderedChart]:
        if self.renderer is None:
            return []
        return [
            await self.renderer.question_chart(results, q)
            for q in results.questions
            if not isinstance(q, HiddenResult)
        ]

    async def post_results(self, viewer: Actor | None, survey_id: str, targets: Sequence[Target] | None = None) -> int:
        """Post results to the given targets (default: the survey's). Returns how many got them."""
        results = await self.service.results(viewer, survey_id)
        survey = await self.service.get(survey_id)
        charts = await self.charts_for(results)
        posted = 0
        for target in targets if targets is not None else survey.targets:
            messenger = self.messengers.get(target.platform)
            if messenger is None:
                continue
            await messenger.post_results(target, results, charts)
            posted += 1
        return posted

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, SurveyClosed) and self.auto_post_results:
            survey = await self.service.get(event.survey_id)
            if survey.results_mode is not ResultsMode.ORGANISERS:
                await self.post_results(None, survey.id)
