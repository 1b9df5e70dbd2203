"""Answering: submit, drafts and "has answered", with identities turned into HMAC slots at once.

Participant ids reach this module only through its public methods, which turn them into slots and
pass the id no further (DESIGN.md rule 1).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot import anonymity, delegations
from bot.delegations import DraftSaved, DraftVersions
from bot.domain import Answer, Participant, ResultsMode, Status, Survey
from bot.errors import InvalidInput, NotInvited, SurveyNotOpen
from bot.events import DelegationSubmitted, EventBus
from bot.ports import BallotWrite, Clock, SurveyRepository
from bot.timeparse import format_local
from bot.validation import decode_answer, encode_answer, validate_answer


@dataclass(frozen=True)
class Receipt:
    """What a voter may be told: their own answers, shown only to them (ephemeral, modal or DM)."""

    survey_id: str
    answers: Mapping[str, Answer]
    changed: bool  # they had answered before and this replaces it
    title: str = ""  # the survey's title, so a confirmation needs no second read
    # When it was accepted, from the clock at submit: only for the participant's own copy, never stored.
    submitted_at: datetime | None = None
    delegation: str | None = None  # the delegation this was submitted for; its members are told


def not_open_message(survey: Survey) -> str:
    if survey.status is Status.CLOSED:
        return f"“{survey.title}” is closed; answers are no longer accepted."
    return f"“{survey.title}” is not open yet."


class Answering:
    def __init__(
        self,
        repository: SurveyRepository,
        clock: Clock,
        master_secret: bytes,
        on_live_step: Callable[[Survey], None],
        events: EventBus | None = None,
    ) -> None:
        self._repo = repository
        self._events = events or EventBus()
        self.draft_versions = DraftVersions()
        self._clock = clock
        self.secret = master_secret
        self._on_live_step = on_live_step
        # Open surveys' definitions and keys, so a vote costs one transaction. Whether the survey is
        # still open is re-checked inside that transaction, so a close elsewhere is never missed.
        self.open_cache: dict[str, tuple[Survey, bytes]] = {}
        self._loading: dict[str, asyncio.Task[tuple[Survey, bytes]]] = {}  # reloads under way, by survey
        self._reloads: set[asyncio.Task[tuple[Survey, bytes]]] = set()  # and every one still running
        # Per survey, how often its cached state was dropped. Per survey, not one count: refusals of a
        # survey closed elsewhere would otherwise keep every other survey's reload from being cached.
        self._forgets: dict[str, int] = {}

    def forget_open(self, survey_id: str) -> None:
        """Drop what is cached of a survey (it closed, its deadline or roster changed). A reload under
        way then stores nothing: what it read may be from before the change."""
        self.open_cache.pop(survey_id, None)
        self._loading.pop(survey_id, None)
        self._forgets[survey_id] = self._forgets.get(survey_id, 0) + 1

    @property
    def repository(self) -> SurveyRepository:
        return self._repo

    async def open_survey(self, survey_id: str) -> tuple[Survey, bytes]:
        """The survey and its key, or a clear refusal if it is not accepting answers now."""
        survey_id = survey_id.strip().lower()
        cached = self.open_cache.get(survey_id)
        now = self._clock.now()
        if cached is None or (cached[0].closes_at is not None and cached[0].closes_at <= now):
            # Missing or past its deadline in the cache: reload, as the deadline may have moved. The
            # answers that arrive together (a plenary's first burst, the first after a restart) share
            # one reload: each loading its own queued hundreds of reads behind each other.
            loading = self._loading.get(survey_id)
            if loading is None:
                loading = asyncio.create_task(self._load_open(survey_id))
                self._loading[survey_id] = loading
                self._reloads.add(loading)
                loading.add_done_callback(functools.partial(self._loaded, survey_id))
            cached = await asyncio.shield(loading)  # one caller cancelled must not cancel the others' load
        survey, key = cached
        if survey.closes_at is not None and survey.closes_at <= now:
            raise SurveyNotOpen(f"“{survey.title}” closed at {format_local(survey.closes_at, survey.timezone)}.")
        return survey, key

    def _loaded(self, survey_id: str, done: asyncio.Task[tuple[Survey, bytes]]) -> None:
        self._reloads.discard(done)
        if self._loading.get(survey_id) is done:
            del self._loading[survey_id]
        if not done.cancelled():
            done.exception()  # its waiters have it; a load whose only caller was cancelled logs nothing

    async def _load_open(self, survey_id: str) -> tuple[Survey, bytes]:
        forgets = self._forgets.get(survey_id, 0)
        survey = await self._repo.get_survey(survey_id)
        salt = await self._repo.key_salt(survey.id) if survey.status is Status.OPEN else None
        if salt is None:
            self.open_cache.pop(survey_id, None)
            self.draft_versions.forget(survey_id)  # closed elsewhere (the CLI, a replica)
            raise SurveyNotOpen(not_open_message(survey))
        loaded = (survey, anonymity.survey_key(self.secret, salt))
        if self._forgets.get(survey_id, 0) == forgets:  # else dropped while this read: it may be from before
            self.open_cache[survey_id] = loaded
        return loaded

    async def _refused(self, survey_id: str) -> SurveyNotOpen:
        self.forget_open(survey_id)
        self.draft_versions.forget(survey_id)
        return SurveyNotOpen(not_open_message(await self._repo.get_survey(survey_id)))

    def _validate_answers(
        self, survey: Survey, answers: Mapping[str, object], draft: bool = False
    ) -> dict[str, Answer]:
        valid: dict[str, Answer] = {}
        for qid, raw in answers.items():
            question = survey.question(qid)
            try:
                valid[qid] = validate_answer(question, raw, draft=draft)
            except InvalidInput as error:
                label = f"Question {question.position + 1}" if not survey.is_poll else "Your answer"
                raise InvalidInput(f"{label}: {error.reason}", field=qid) from None
        return valid

    async def submit(self, participant: Participant, survey_id: str, answers: Mapping[str, object]) -> Receipt:
        """Record a participant's answers, replacing any earlier ones. Questions left out are cleared.
        A delegation member submits for their delegation: the slots are the delegation's."""
        survey, key = await self.open_survey(survey_id)
        member = participant
        participant, delegation = await delegations.respondent(self._repo, survey, key, participant)
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
            # A one-question poll has no drafts: skip the delete on the hot path. A delegation's draft goes
            # too: a draft row holds answers side by side, which ballots never do (its members then edit
            # the submitted answers, bot/own_ballot.py).
            None if survey.is_poll else anonymity.draft_slot(key, participant),
            count_live=live,
        )
        if not outcome.invited:
            raise NotInvited(survey.title)
        if not outcome.accepted:
            raise await self._refused(survey.id)
        # k submissions since the last snapshot are worth a refresh; whether anything may be published
        # is decided in the database (storage/live_store.py).
        if live and outcome.live_since is not None and outcome.live_since >= survey.k:
            self._on_live_step(survey)
        if delegation is not None:
            await self._submitted_for(survey, key, member, delegation)
        return Receipt(
            survey.id, valid, changed=not outcome.new_respondent, title=survey.title,
            delegation=delegation, submitted_at=self._clock.now(),
        )

    async def _submitted_for(self, survey: Survey, key: bytes, member: Participant, name: str) -> None:
        """The delegation's draft is gone with the submission; its other members are told who submitted,
        and a save from a view of the draft older than this submission gets the colleague-saved note."""
        colleagues = next((d.members for d in await self._repo.delegations(survey.id) if d.name == name), ())
        others = tuple(p for p in colleagues if p != member)
        self.draft_versions.submitted(
            survey.id, anonymity.draft_seen_slot(key, member), [anonymity.draft_seen_slot(key, p) for p in others]
        )
        await self._events.publish(DelegationSubmitted(survey.id, survey.title, name, member, others))

    async def save_draft(
        self, participant: Participant, survey_id: str, answers: Mapping[str, object]
    ) -> DraftSaved:
        """Save partial answers to resume later; they count for nothing until submitted. A delegation
        shares one draft: the latest save wins, and the editor is told if a colleague saved meanwhile."""
        survey, key = await self.open_survey(survey_id)
        member = participant
        participant, delegation = await delegations.respondent(self._repo, survey, key, participant)
        valid = self._validate_answers(survey, answers, draft=True)
        # A separate read is enough here: while a survey is open its eligibility set only grows.
        if not await self._repo.is_eligible(survey.id, anonymity.responded_slot(key, participant)):
            raise NotInvited(survey.title)
        payload = json.dumps({qid: encode_answer(a) for qid, a in valid.items()})
        version = await self._repo.save_draft(survey.id, anonymity.draft_slot(key, participant), payload)
        if version is None:
            raise await self._refused(survey.id)
        if delegation is None:
            return DraftSaved(len(valid))
        seen = anonymity.draft_seen_slot(key, member)
        return DraftSaved(len(valid), self.draft_versions.saved(survey.id, seen, version))

    async def load_draft(self, participant: Participant, survey_id: str, opening: bool = False) -> dict[str, Answer]:
        """The draft; of a delegation, the shared one. `opening`: the member is shown it to edit (a form
        opens), so later saves by colleagues are news to them."""
        survey, key = await self.open_survey(survey_id)
        member = participant
        participant, delegation = await delegations.respondent(self._repo, survey, key, participant)
        stored = await self._repo.load_draft(survey.id, anonymity.draft_slot(key, participant))
        if delegation is not None:
            seen = anonymity.draft_seen_slot(key, member)
            self.draft_versions.opened(survey.id, seen, stored[1] if stored else 0, replace=opening)
        if stored is None:
            return {}
        return {qid: decode_answer(encoded) for qid, encoded in json.loads(stored[0]).items()}

    async def has_responded(self, participant: Participant, survey_id: str) -> bool:
        """Whether someone answered at all (never what): used to tailor reminders and App Home."""
        try:
            survey, key = await self.open_survey(survey_id)
            participant, _ = await delegations.respondent(self._repo, survey, key, participant)
        except (SurveyNotOpen, NotInvited):
            return False
        return anonymity.responded_slot(key, participant) in await self._repo.responded_slots(survey.id)

    async def non_respondents(self, survey_id: str) -> list[Participant]:
        """Roster members without a responded marker (every member of a delegation without one): who gets a
        reminder."""
        try:
            survey, key = await self.open_survey(survey_id)
        except SurveyNotOpen:
            return []
        responded = await self._repo.responded_slots(survey.id)
        return await delegations.non_respondents(self._repo, survey, key, responded)
