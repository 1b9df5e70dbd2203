"""The Canvass service: survey lifecycle and results, with the anonymity rules built in.

Answering lives in bot/answering.py (the only place participant ids become HMAC slots), live
snapshots in bot/live.py, rights in bot/rights.py; `Canvass` is the one entry point to all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import anonymity, delegations, own_ballot, results_codec
from bot.answering import Answering, Receipt, not_open_message
from bot.approval import Approvals
from bot.delegations import DraftSaved, check_delegations
from bot.domain import (
    Actor,
    Answer,
    Participant,
    Question,
    ResultsMode,
    Status,
    Survey,
    SurveySpec,
)
from bot.errors import InvalidInput, NotFound, SurveyNotOpen
from bot.events import (
    DeadlineChanged,
    EventBus,
    SurveyClosed,
    SurveyCreated,
    SurveyOpened,
)
from bot.ids import new_survey_id, question_id
from bot.invited import RosterRule
from bot.live import LIVE_REFRESH_SECONDS, LiveResults
from bot.ports import Clock, SurveyReminders, SurveyRepository
from bot.results import SurveyResults
from bot.results_tally import compute, final_respondents, nothing_published, stepped
from bot.rights import Rights
from bot.timeparse import format_local
from bot.validation import validate_survey

__all__ = ["LIVE_REFRESH_SECONDS", "Canvass", "Progress", "Receipt", "find_survey_id", "not_open_message", "stepped"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """ "12 of 30 answered", in steps of k so that one new answer is never visible on its own."""

    respondents_stepped: int | None  # None while fewer than k
    invited: int
    k: int
    unit: str = ""  # "delegations" when they are the respondents

    def describe(self) -> str:
        of = f" of {self.invited}" if self.invited else ""
        answered = f"{self.unit} answered" if self.unit else "answered"
        if self.respondents_stepped is None:
            return f"fewer than {self.k}{of} {answered}"
        return f"{self.respondents_stepped}+{of} {answered}" if self.respondents_stepped else f"0{of} {answered}"


class Canvass:
    """The public entry point: lifecycle here; answering, live snapshots and rights in their modules."""

    def __init__(
        self,
        repository: SurveyRepository,
        clock: Clock,
        master_secret: bytes,
        organisers: frozenset[str] = frozenset(),
        events: EventBus | None = None,
    ) -> None:
        if len(master_secret) < 16:
            raise ValueError("the master secret must be at least 16 bytes")
        self._repo = repository
        self._clock = clock
        self.events = events or EventBus()
        self.rights = Rights(organisers)
        self.live = LiveResults(repository, clock, self.events)
        self.answering = Answering(repository, clock, master_secret, self.live.refresh_soon, self.events)
        self._reminders: SurveyReminders | None = None
        self.roster_rule = RosterRule(None, organisers)  # given the state store by the composition root
        self.approvals = Approvals(None, organisers)  # likewise (bot/approval.py)

    @property
    def _open_cache(self) -> dict[str, tuple[Survey, bytes]]:
        return self.answering.open_cache

    @property
    def live_refresh_seconds(self) -> float:
        return self.live.refresh_seconds

    @live_refresh_seconds.setter
    def live_refresh_seconds(self, seconds: float) -> None:
        self.live.refresh_seconds = seconds

    def use_reminders(self, reminders: SurveyReminders) -> None:
        """Where the reminders of new surveys go (the scheduling book, wired by the composition root)."""
        self._reminders = reminders

    # -- authorisation ---------------------------------------------------------------------------

    def is_organiser(self, actor: Actor) -> bool:
        return self.rights.is_organiser(actor)

    def require_manage(self, actor: Actor | None, survey: Survey, action: str) -> None:
        """Refuse unless the actor created the survey or is a configured organiser (rule 10)."""
        self.rights.require_manage(actor, survey, action)

    async def manageable(self, actor: Actor | None, statuses: Sequence[Status] | None = None) -> list[Survey]:
        """The surveys this actor may manage: what `list` shows them."""
        return [s for s in await self._repo.list_surveys(statuses) if self.rights.may_manage(actor, s)]

    # -- lifecycle -------------------------------------------------------------------------------

    async def create_survey(self, actor: Actor | None, spec: SurveySpec) -> Survey:
        self.rights.require_create(actor, spec.targets)
        validate_survey(spec)
        now = self._clock.now()
        if spec.closes_at and spec.closes_at <= now:
            raise InvalidInput("the closing time is in the past", "closes_at")
        survey_id = new_survey_id()
        questions = tuple(
            Question(
                id=question_id(survey_id, i),
                position=i,
                **{
                    **vars(q),
                    "text": q.text.strip(),
                    "options": tuple(o.strip() for o in q.options),
                    "rows": tuple(r.strip() for r in q.rows),
                    "categories": tuple(c.strip() for c in q.categories),
                },
            )
            for i, q in enumerate(spec.questions)
        )
        survey = Survey(
            id=survey_id,
            title=spec.title.strip(),
            status=Status.SCHEDULED if spec.opens_at else Status.DRAFT,
            questions=questions,
            targets=spec.targets,
            results_mode=spec.results_mode,
            k=spec.k,
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            timezone=spec.timezone,
            created_by=actor.key if actor else "system",
            description=spec.description,
            by_delegation=spec.delegations is not None,
        )
        if spec.delegations is not None:
            spec = check_delegations(spec)
        if spec.reminders:
            if self._reminders is None:
                log.warning("survey %s: %d reminders ignored (no scheduler wired)", survey_id, len(spec.reminders))
            else:
                self._reminders.check(survey, spec.reminders, now)
        if spec.roster is not None or spec.delegations is not None:
            self.rights.require_roster(actor)
        await self._repo.add_survey(survey, anonymity.new_key_salt())
        if spec.roster is not None:
            await self._repo.set_roster(survey_id, spec.roster)
        if spec.delegations is not None:
            await self._repo.set_delegations(survey_id, spec.delegations)
        if spec.reminders and self._reminders is not None:
            await self._reminders.save(survey, spec.reminders, now)
        await self.roster_rule.remember(survey_id, spec.include_organisers)
        await self.events.publish(SurveyCreated(survey_id))
        return await self._repo.get_survey(survey_id)

    async def get(self, survey_id: str) -> Survey:
        return await self._repo.get_survey(survey_id.strip().lower())

    async def list_surveys(self, statuses: Sequence[Status] | None = None) -> list[Survey]:
        return await self._repo.list_surveys(statuses)

    async def open_survey(
        self, actor: Actor | None, survey_id: str, roster: Sequence[Participant] | None = None
    ) -> Survey:
        """Open now. The roster is captured here unless the survey was created with one."""
        survey = await self.get(survey_id)
        self.require_manage(actor, survey, "open it")
        if survey.status in (Status.OPEN, Status.CLOSED):
            raise SurveyNotOpen(f"Survey {survey.id} is already {survey.status}.")
        await self.approvals.require(actor, survey)  # room power alone never opens a survey
        if roster is not None and not await self._repo.roster(survey.id):
            await self._repo.set_roster(survey.id, _unique(roster))
        now = self._clock.now()
        if survey.closes_at and survey.closes_at <= now:
            raise InvalidInput("the closing time has passed; extend it before opening", "closes_at")
        # Who may answer, as marker slots, stored before the first vote can arrive (break 3).
        key = await self._survey_key(survey.id)
        respondents = await delegations.respondents(self._repo, survey, key)
        await self._repo.set_eligible(survey.id, [anonymity.responded_slot(key, p) for p in respondents])
        if not await self._repo.transition(survey.id, (Status.DRAFT, Status.SCHEDULED), Status.OPEN):
            raise SurveyNotOpen(f"Survey {survey.id} was opened or closed meanwhile.")
        if survey.opens_at is None or survey.opens_at > now:
            await self._repo.set_times(survey.id, now, survey.closes_at)
        await self.events.publish(SurveyOpened(survey.id))
        return await self.get(survey.id)

    async def _survey_key(self, survey_id: str) -> bytes:
        salt = await self._repo.key_salt(survey_id)
        if salt is None:
            raise SurveyNotOpen(f"Survey {survey_id} is closed.")
        return anonymity.survey_key(self.answering.secret, salt)

    async def _marker_slots(self, survey_id: str, people: Sequence[Participant]) -> list[bytes]:
        key = await self._survey_key(survey_id)
        return [anonymity.responded_slot(key, p) for p in people]

    async def invite(self, actor: Actor | None, survey_id: str, people: Sequence[Participant]) -> list[Participant]:
        """Add people to a survey's roster; on an open survey they may answer at once. Returns the
        people who were not on it before."""
        survey = await self.get(survey_id)
        self.require_manage(actor, survey, "change its roster")
        # Who is invited decides whose answers a result can isolate: k−1 accounts of one's own beside
        # one real person expose that person. Room power gives no say over it (see create_survey).
        self.rights.require_roster(actor)
        if survey.status is Status.CLOSED:
            raise SurveyNotOpen(f"Survey {survey.id} is closed; its roster is gone.")
        if survey.by_delegation:
            raise InvalidInput("this survey is answered by delegations; they are set in its survey file")
        before = set(await self._repo.roster(survey.id))
        people = [p for p in _unique(people) if p not in before]
        if survey.status is Status.OPEN:
            slots = await self._marker_slots(survey.id, people)
            if await self._repo.add_to_roster(survey.id, list(zip(people, slots, strict=True))) is None:
                raise SurveyNotOpen(f"Survey {survey.id} closed meanwhile; its roster is gone.")
        else:  # the eligibility set is taken from the whole roster at open
            await self._repo.set_roster(survey.id, [*before, *people])
        self.answering.forget_open(survey.id)
        return people

    async def extend(self, actor: Actor | None, survey_id: str, closes_at: datetime) -> Survey:
        survey = await self.get(survey_id)
        self.require_manage(actor, survey, "change its deadline")
        if survey.status is Status.CLOSED:
            raise SurveyNotOpen(f"Survey {survey.id} is closed; a closed survey cannot be reopened.")
        if closes_at <= self._clock.now():
            raise InvalidInput("the new closing time is in the past", "closes_at")
        if survey.opens_at and closes_at <= survey.opens_at:
            raise InvalidInput("the survey must close after it opens", "closes_at")
        await self._repo.set_times(survey.id, survey.opens_at, closes_at)
        self.answering.forget_open(survey.id)
        await self.events.publish(DeadlineChanged(survey.id, closes_at))
        return await self.get(survey.id)

    async def close_survey(self, actor: Actor | None, survey_id: str) -> Survey:
        """Close and destroy every link between people and answers (rule 4). Idempotent for the system."""
        survey = await self.get(survey_id)
        self.require_manage(actor, survey, "close it")
        if survey.status is Status.CLOSED:
            if actor is None:
                return survey
            raise SurveyNotOpen(f"Survey {survey.id} is already closed.")
        self.answering.forget_open(survey.id)
        self.answering.draft_versions.forget(survey.id)
        sealed = await self._repo.seal(survey.id)
        # Again: an answerable() during the seal read it still open (from a reader) and cached it.
        self.answering.forget_open(survey.id)
        if not sealed:
            return await self.get(survey.id)
        if survey.closes_at is None or survey.closes_at > self._clock.now():
            await self._repo.set_times(survey.id, survey.opens_at, self._clock.now())
        closed = await self.get(survey.id)
        log.info("survey %s closed", survey.id)  # never the count: below k it is what the k-rule hides
        await self.events.publish(SurveyClosed(survey.id))
        return closed

    # -- answering (bot/answering.py) -------------------------------------------------------------

    async def answerable(self, survey_id: str) -> Survey:
        """The survey, if it accepts answers now; from the cache, so the vote path reads nothing."""
        survey, _key = await self.answering.open_survey(survey_id)
        return survey

    async def submit(self, participant: Participant, survey_id: str, answers: Mapping[str, object]) -> Receipt:
        return await self.answering.submit(participant, survey_id, answers)

    async def save_draft(
        self, participant: Participant, survey_id: str, answers: Mapping[str, object]
    ) -> DraftSaved:
        return await self.answering.save_draft(participant, survey_id, answers)

    async def load_draft(self, participant: Participant, survey_id: str, opening: bool = False) -> dict[str, Answer]:
        return await self.answering.load_draft(participant, survey_id, opening)

    async def has_responded(self, participant: Participant, survey_id: str) -> bool:
        return await self.answering.has_responded(participant, survey_id)

    async def own_answers(self, participant: Participant, survey_id: str) -> dict[str, Answer]:
        """Their own submitted answers, for a prefill; only for the participant's own authenticated
        answer-opening request (see bot/own_ballot.py). Refuses once the survey is closed."""
        return await own_ballot.own_answers(self.answering, participant, survey_id)

    async def non_respondents(self, survey_id: str) -> list[Participant]:
        return await self.answering.non_respondents(survey_id)

    async def roster(self, survey_id: str) -> list[Participant]:
        return await self._repo.roster(survey_id)

    async def progress(self, survey_id: str) -> Progress:
        survey = await self.get(survey_id)
        unit = "delegations" if survey.by_delegation else ""
        if survey.results_mode is ResultsMode.LIVE:
            # Live: the count published with the snapshots, so it obeys the same pairwise rule.
            view = await self._repo.live_view(survey.id)
            if survey.status is Status.CLOSED:
                shown = final_respondents(survey, view)
                return Progress(stepped(shown, survey.k) if shown else None, survey.invited_count, survey.k, unit)
            return Progress(stepped(view.respondents if view else 0, survey.k), survey.invited_count, survey.k, unit)
        if survey.status is Status.CLOSED:
            count = survey.respondents_at_close or 0
        else:
            count = await self._repo.respondent_count(survey.id)
        return Progress(stepped(count, survey.k), survey.invited_count, survey.k, unit)

    async def published_respondents(self, survey: Survey) -> int | None:
        """What a closed survey may say about how many answered (None: fewer than k)."""
        view = await self._repo.live_view(survey.id) if survey.results_mode is ResultsMode.LIVE else None
        return final_respondents(survey, view)

    # -- results ---------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait for background refreshes (tests, and a clean shutdown)."""
        await self.live.settle()

    async def results(self, viewer: Actor | None, survey_id: str) -> SurveyResults:
        """Results as this viewer may see them. Hidden questions come back as HiddenResult."""
        survey = await self.get(survey_id)
        if survey.results_mode is ResultsMode.ORGANISERS:
            self.require_manage(viewer, survey, "see the results of this survey")
        if survey.status is Status.CLOSED:
            return await compute(self._repo, survey, self._clock.now())
        if survey.results_mode is ResultsMode.LIVE:
            view = await self._repo.live_view(survey.id)
            if view is not None and view.payload is not None:
                return results_codec.loads(view.payload)
            return nothing_published(survey, self._clock.now())
        raise SurveyNotOpen(
            f"Results of {survey.id} are shown after it closes ({format_local(survey.closes_at, survey.timezone)})."
        )


def _unique(people: Sequence[Participant]) -> list[Participant]:
    return list(dict.fromkeys(Participant(p.platform, p.user_id) for p in people))


def find_survey_id(text: str) -> str:
    survey_id = text.strip().lower()
    if not survey_id.isalnum():
        raise NotFound(f"{text!r} is not a survey id.")
    return survey_id
