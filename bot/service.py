"""The Canvass service: survey lifecycle, voting and results, with the anonymity rules built in.

Participant ids reach this module only through `submit`, `save_draft` and `load_draft`, which turn
them into HMAC slots at once and pass the id no further (DESIGN.md rule 1).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import anonymity, results_codec
from bot.aggregation import aggregate, header
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
from bot.errors import InvalidInput, NotAuthorised, NotFound, SurveyNotOpen
from bot.events import (
    DeadlineChanged,
    EventBus,
    LiveResultsChanged,
    SurveyClosed,
    SurveyCreated,
    SurveyOpened,
)
from bot.ids import new_survey_id, question_id
from bot.ports import BallotWrite, Clock, SurveyReminders, SurveyRepository
from bot.results import HiddenResult, SurveyResults, hidden_reason
from bot.timeparse import format_local
from bot.validation import decode_answer, encode_answer, validate_answer, validate_survey

log = logging.getLogger(__name__)

# Live snapshots are recomputed at most this often per survey (each still needs k new ballots).
LIVE_REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Receipt:
    """What a voter may be told: their own answers, shown only to them (ephemeral, modal or DM)."""

    survey_id: str
    answers: Mapping[str, Answer]
    changed: bool  # they had answered before and this replaces it
    title: str = ""  # the survey's title, so a confirmation needs no second read


@dataclass(frozen=True)
class Progress:
    """"12 of 30 answered", in steps of k so that one new answer is never visible on its own."""

    respondents_stepped: int | None  # None while fewer than k
    invited: int
    k: int

    def describe(self) -> str:
        of = f" of {self.invited}" if self.invited else ""
        if self.respondents_stepped is None:
            return f"fewer than {self.k}{of} answered"
        return f"{self.respondents_stepped}+{of} answered" if self.respondents_stepped else f"0{of} answered"


def stepped(count: int, k: int) -> int | None:
    return None if count < k else (count // k) * k


class Canvass:
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
        self._secret = master_secret
        self._organisers = organisers
        self.events = events or EventBus()
        # Open surveys' definitions and keys, so a vote costs one transaction. Whether the survey is
        # still open is re-checked inside that transaction, so a close elsewhere is never missed.
        self._open_cache: dict[str, tuple[Survey, bytes]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._live_locks: dict[str, asyncio.Lock] = {}
        self._live_queued: set[str] = set()
        self._live_refreshed: dict[str, float] = {}  # loop time of each survey's last refresh
        self.live_refresh_seconds = LIVE_REFRESH_SECONDS
        self._reminders: SurveyReminders | None = None

    def use_reminders(self, reminders: SurveyReminders) -> None:
        """Where the reminders of new surveys go (the scheduling book, wired by the composition root)."""
        self._reminders = reminders

    # -- authorisation ---------------------------------------------------------------------------

    def is_organiser(self, actor: Actor) -> bool:
        return actor.platform_organiser or actor.key in self._organisers

    def _require_organiser(self, actor: Actor | None, action: str) -> None:
        # actor None means the system itself (scheduler, CLI run by the operator).
        if actor is not None and not self.is_organiser(actor):
            raise NotAuthorised(f"Only organisers can {action}.")

    # -- lifecycle -------------------------------------------------------------------------------

    async def create_survey(self, actor: Actor | None, spec: SurveySpec) -> Survey:
        self._require_organiser(actor, "create surveys and polls")
        validate_survey(spec)
        now = self._clock.now()
        if spec.closes_at and spec.closes_at <= now:
            raise InvalidInput("the closing time is in the past", "closes_at")
        survey_id = new_survey_id()
        questions = tuple(
            Question(
                id=question_id(survey_id, i),
                position=i,
                **{**vars(q), "text": q.text.strip(), "options": tuple(o.strip() for o in q.options)},
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
        )
        if spec.reminders:
            if self._reminders is None:
                log.warning("survey %s: %d reminders ignored (no scheduler wired)", survey_id, len(spec.reminders))
            else:
                self._reminders.check(survey, spec.reminders, now)
        await self._repo.add_survey(survey, anonymity.new_key_salt())
        if spec.roster is not None:
            await self._repo.set_roster(survey_id, spec.roster)
        if spec.reminders and self._reminders is not None:
            await self._reminders.save(survey, spec.reminders, now)
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
        self._require_organiser(actor, "open surveys")
        survey = await self.get(survey_id)
        if survey.status in (Status.OPEN, Status.CLOSED):
            raise SurveyNotOpen(f"Survey {survey.id} is already {survey.status}.")
        if roster is not None and not await self._repo.roster(survey.id):
            await self._repo.set_roster(survey.id, _unique(roster))
        now = self._clock.now()
        if survey.closes_at and survey.closes_at <= now:
            raise InvalidInput("the closing time has passed; extend it before opening", "closes_at")
        if not await self._repo.transition(survey.id, (Status.DRAFT, Status.SCHEDULED), Status.OPEN):
            raise SurveyNotOpen(f"Survey {survey.id} was opened or closed meanwhile.")
        if survey.opens_at is None or survey.opens_at > now:
            await self._repo.set_times(survey.id, now, survey.closes_at)
        await self.events.publish(SurveyOpened(survey.id))
        return await self.get(survey.id)

    async def extend(self, actor: Actor | None, survey_id: str, closes_at: datetime) -> Survey:
        self._require_organiser(actor, "change deadlines")
        survey = await self.get(survey_id)
        if survey.status is Status.CLOSED:
            raise SurveyNotOpen(f"Survey {survey.id} is closed; a closed survey cannot be reopened.")
        if closes_at <= self._clock.now():
            raise InvalidInput("the new closing time is in the past", "closes_at")
        if survey.opens_at and closes_at <= survey.opens_at:
            raise InvalidInput("the survey must close after it opens", "closes_at")
        await self._repo.set_times(survey.id, survey.opens_at, closes_at)
        self._open_cache.pop(survey.id, None)
        await self.events.publish(DeadlineChanged(survey.id, closes_at))
        return await self.get(survey.id)

    async def close_survey(self, actor: Actor | None, survey_id: str) -> Survey:
        """Close and destroy every link between people and answers (rule 4). Idempotent for the system."""
        self._require_organiser(actor, "close surveys")
        survey = await self.get(survey_id)
        if survey.status is Status.CLOSED:
            if actor is None:
                return survey
            raise SurveyNotOpen(f"Survey {survey.id} is already closed.")
        self._open_cache.pop(survey.id, None)
        if not await self._repo.seal(survey.id):
            return await self.get(survey.id)
        if survey.closes_at is None or survey.closes_at > self._clock.now():
            await self._repo.set_times(survey.id, survey.opens_at, self._clock.now())
        closed = await self.get(survey.id)
        log.info("survey %s closed", survey.id)  # never the count: below k it is what the k-rule hides
        await self.events.publish(SurveyClosed(survey.id))
        return closed

    # -- answering -------------------------------------------------------------------------------

    async def _open_survey(self, survey_id: str) -> tuple[Survey, bytes]:
        """The survey and its key, or a clear refusal if it is not accepting answers now."""
        survey_id = survey_id.strip().lower()
        cached = self._open_cache.get(survey_id)
        now = self._clock.now()
        if cached is None or (cached[0].closes_at is not None and cached[0].closes_at <= now):
            # Missing or past its deadline in the cache: reload, as the deadline may have moved.
            survey = await self.get(survey_id)
            salt = await self._repo.key_salt(survey.id) if survey.status is Status.OPEN else None
            if salt is None:
                self._open_cache.pop(survey_id, None)
                raise SurveyNotOpen(_not_open_message(survey))
            cached = (survey, anonymity.survey_key(self._secret, salt))
            self._open_cache[survey_id] = cached
        survey, key = cached
        if survey.closes_at is not None and survey.closes_at <= now:
            raise SurveyNotOpen(f"“{survey.title}” closed at {format_local(survey.closes_at, survey.timezone)}.")
        return survey, key

    async def answerable(self, survey_id: str) -> Survey:
        """The survey, if it accepts answers now; from the cache, so the vote path reads nothing."""
        survey, _key = await self._open_survey(survey_id)
        return survey

    async def _refused(self, survey_id: str) -> SurveyNotOpen:
        self._open_cache.pop(survey_id, None)
        return SurveyNotOpen(_not_open_message(await self.get(survey_id)))

    def _validate_answers(self, survey: Survey, answers: Mapping[str, object]) -> dict[str, Answer]:
        valid: dict[str, Answer] = {}
        for qid, raw in answers.items():
            question = survey.question(qid)
            try:
                valid[qid] = validate_answer(question, raw)
            except InvalidInput as error:
                label = f"Question {question.position + 1}" if not survey.is_poll else "Your answer"
                raise InvalidInput(f"{label}: {error.reason}", field=qid) from None
        return valid

    async def submit(self, participant: Participant, survey_id: str, answers: Mapping[str, object]) -> Receipt:
        """Record a participant's answers, replacing any earlier ones. Questions left out are cleared."""
        survey, key = await self._open_survey(survey_id)
        valid = self._validate_answers(survey, answers)
        missing = [q.position + 1 for q in survey.questions if q.required and q.id not in valid]
        if missing:
            raise InvalidInput("Please answer question " + ", ".join(map(str, missing)) + " before submitting.")
        ballots = [
            BallotWrite(
                q.id,
                anonymity.ballot_slot(key, q.id, participant),
                encode_answer(valid[q.id]) if q.id in valid else None,
            )
            for q in survey.questions
        ]
        live = survey.results_mode is ResultsMode.LIVE
        outcome = await self._repo.submit(
            survey.id,
            ballots,
            anonymity.responded_slot(key, participant),
            # A one-question poll has no drafts: skip the delete on the hot path.
            None if survey.is_poll else anonymity.draft_slot(key, participant),
            # Only new ballots move the live numbers: were changed answers counted, one person
            # changing their answer k times could trigger a snapshot that shows their change.
            count_live=live,
        )
        if not outcome.accepted:
            raise await self._refused(survey.id)
        if live and outcome.live_since is not None and outcome.live_since >= survey.k:
            self._refresh_live_soon(survey)
        return Receipt(survey.id, valid, changed=not outcome.new_respondent, title=survey.title)

    async def save_draft(self, participant: Participant, survey_id: str, answers: Mapping[str, object]) -> int:
        """Save partial answers to resume later; they count for nothing until submitted."""
        survey, key = await self._open_survey(survey_id)
        valid = self._validate_answers(survey, answers)
        payload = json.dumps({qid: encode_answer(a) for qid, a in valid.items()})
        if not await self._repo.save_draft(survey.id, anonymity.draft_slot(key, participant), payload):
            raise await self._refused(survey.id)
        return len(valid)

    async def load_draft(self, participant: Participant, survey_id: str) -> dict[str, Answer]:
        survey, key = await self._open_survey(survey_id)
        payload = await self._repo.load_draft(survey.id, anonymity.draft_slot(key, participant))
        if payload is None:
            return {}
        return {qid: decode_answer(encoded) for qid, encoded in json.loads(payload).items()}

    async def has_responded(self, participant: Participant, survey_id: str) -> bool:
        """Whether someone answered at all (never what): used to tailor reminders and App Home."""
        try:
            survey, key = await self._open_survey(survey_id)
        except SurveyNotOpen:
            return False
        return anonymity.responded_slot(key, participant) in await self._repo.responded_slots(survey.id)

    async def roster(self, survey_id: str) -> list[Participant]:
        return await self._repo.roster(survey_id)

    async def non_respondents(self, survey_id: str) -> list[Participant]:
        """Roster members without a responded marker: who gets a reminder."""
        try:
            survey, key = await self._open_survey(survey_id)
        except SurveyNotOpen:
            return []
        responded = await self._repo.responded_slots(survey.id)
        return [p for p in await self._repo.roster(survey.id) if anonymity.responded_slot(key, p) not in responded]

    async def progress(self, survey_id: str) -> Progress:
        survey = await self.get(survey_id)
        if survey.status is Status.CLOSED:
            count = survey.respondents_at_close or 0
        else:
            count = await self._repo.respondent_count(survey.id)
        return Progress(stepped(count, survey.k), survey.invited_count, survey.k)

    # -- results ---------------------------------------------------------------------------------

    async def _compute(self, survey: Survey) -> SurveyResults:
        sealed = survey.status is Status.CLOSED
        questions = tuple(
            [aggregate(q, await self._repo.answer_counts(q.id, sealed), survey.k) for q in survey.questions]
        )
        if sealed:
            count = survey.respondents_at_close or 0
        else:
            count = await self._repo.respondent_count(survey.id)
        return SurveyResults(
            survey_id=survey.id,
            title=survey.title,
            status=str(survey.status),
            live=not sealed,
            as_of=survey.closes_at if sealed else self._clock.now(),
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            timezone=survey.timezone,
            k=survey.k,
            respondents=stepped(count, survey.k) if not sealed else (count if count >= survey.k else None),
            invited=survey.invited_count,
            questions=questions,
        )

    def _refresh_live_soon(self, survey: Survey) -> None:
        """Recompute the live snapshot after the vote is answered, not on its path, and at most once
        per `live_refresh_seconds` per survey: in a burst, one refresh covers many steps of k."""
        if survey.id in self._live_queued:
            return  # the queued refresh will count these ballots too
        self._live_queued.add(survey.id)
        task = asyncio.create_task(self._refresh_live(survey), name=f"live-{survey.id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh_live(self, survey: Survey) -> None:
        loop = asyncio.get_running_loop()
        try:
            wait = self._live_refreshed.get(survey.id, -math.inf) + self.live_refresh_seconds - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._live_queued.discard(survey.id)  # ballots from now on queue the next refresh
            async with self._live_locks.setdefault(survey.id, asyncio.Lock()):
                snapshot = await self._repo.live_snapshot(survey.id)
                consumed = snapshot.submissions_since if snapshot else 0
                if consumed < survey.k:
                    return  # another refresh already published these ballots
                results = await self._compute(survey)
                await self._repo.store_live_snapshot(survey.id, results_codec.dumps(results), consumed)
                self._live_refreshed[survey.id] = loop.time()
            await self.events.publish(LiveResultsChanged(survey.id))
        except Exception:
            self._live_queued.discard(survey.id)
            log.exception("live results of survey %s could not be refreshed", survey.id)

    async def settle(self) -> None:
        """Wait for background refreshes (tests, and a clean shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _nothing_published(self, survey: Survey) -> SurveyResults:
        """A live survey before its first snapshot: every question hidden, and nothing counted to say so."""
        return SurveyResults(
            survey_id=survey.id,
            title=survey.title,
            status=str(survey.status),
            live=True,
            as_of=self._clock.now(),
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            timezone=survey.timezone,
            k=survey.k,
            respondents=None,
            invited=survey.invited_count,
            questions=tuple(HiddenResult(header(q), survey.k, hidden_reason(survey.k)) for q in survey.questions),
        )

    async def results(self, viewer: Actor | None, survey_id: str) -> SurveyResults:
        """Results as this viewer may see them. Hidden questions come back as HiddenResult."""
        survey = await self.get(survey_id)
        organiser = viewer is None or self.is_organiser(viewer)
        if survey.results_mode is ResultsMode.ORGANISERS and not organiser:
            raise NotAuthorised("Only organisers can see the results of this survey.")
        if survey.status is Status.CLOSED:
            return await self._compute(survey)
        if survey.results_mode is ResultsMode.LIVE:
            snapshot = await self._repo.live_snapshot(survey.id)
            if snapshot is not None and snapshot.payload is not None:
                return results_codec.loads(snapshot.payload)
            return self._nothing_published(survey)
        raise SurveyNotOpen(
            f"Results of {survey.id} are shown after it closes ({format_local(survey.closes_at, survey.timezone)})."
        )


def _not_open_message(survey: Survey) -> str:
    if survey.status is Status.CLOSED:
        return f"“{survey.title}” is closed; answers are no longer accepted."
    return f"“{survey.title}” is not open yet."


def _unique(people: Sequence[Participant]) -> list[Participant]:
    return list(dict.fromkeys(Participant(p.platform, p.user_id) for p in people))


def find_survey_id(text: str) -> str:
    survey_id = text.strip().lower()
    if not survey_id.isalnum():
        raise NotFound(f"{text!r} is not a survey id.")
    return survey_id
