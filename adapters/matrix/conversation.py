"""The private conversation in each DM: one question after another, with skip, back, review, save
and submit. Answers go straight into the core's draft (keyed by an HMAC slot), so a save survives a
restart; the position in the flow is only kept in memory, and recomputed from the draft when lost.

Nothing stored in the DM repeats an answer: confirmations say which question was saved, never what;
`review` is the one message that shows answers, and it is redacted after a short delay. Every event
of a survey in the DM (the participant's and the bot's) goes on the survey's trail, to be redacted
once handled or at close."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from adapters.matrix import polls
from adapters.matrix.answers import describe, how_to_reply, parse_reply
from adapters.matrix.dm import DirectRooms
from adapters.matrix.formatting import CONTROLS, invitation, kind_label, notice_content, question_prompt
from adapters.matrix.rooms import OnSent, RoomSender
from adapters.matrix.trail import Trail
from bot.anonymity import notice
from bot.domain import Answer, Participant, Question, Status, Survey
from bot.errors import CanvassError, InvalidInput
from bot.service import Canvass

log = logging.getLogger(__name__)
PLATFORM = "matrix"
DEFAULT_REVIEW_SECONDS = 60.0
KEYWORDS = frozenset({"skip", "back", "review", "save", "submit", "resume", "continue", "change", "help"})


@dataclass
class Place:
    survey_id: str
    index: int


class Conversations:
    def __init__(
        self,
        service: Canvass,
        trail: Trail,
        dms: DirectRooms,
        sender: RoomSender,
        review_seconds: float = DEFAULT_REVIEW_SECONDS,
    ) -> None:
        self.service = service
        self.trail = trail
        self.dms = dms
        self.sender = sender
        self.review_seconds = review_seconds
        self._places: dict[str, Place] = {}  # DM room -> where its flow stands (memory only)

    # -- sending -------------------------------------------------------------------------------

    async def say(
        self, room_id: str, user_id: str, text: str, survey_id: str | None = None, redact_after: float | None = None
    ) -> asyncio.Future[str]:
        """Queue a message in the DM (sent in order, at the DM pace) without waiting for it. A message
        about a survey is redacted at its close, or after `redact_after` seconds."""
        track = self._tracker(room_id, survey_id, redact_after)
        return self.sender.send_dm(room_id, user_id, notice_content(text), on_sent=track)

    def _tracker(self, room_id: str, survey_id: str | None, redact_after: float | None = None) -> OnSent | None:
        if survey_id is None:
            return None

        async def track(event_id: str) -> None:
            if redact_after is None:
                self.trail.keep(survey_id, room_id, event_id)
            else:
                self.trail.later(survey_id, room_id, event_id, redact_after)

        return track

    async def _ask(self, room_id: str, user_id: str, survey: Survey, question: Question) -> None:
        self._places[room_id] = Place(survey.id, question.position)
        prompt = question_prompt(survey, question)
        if not polls.is_poll_question(question):
            await self.say(room_id, user_id, prompt, survey.id)
            return
        if not survey.is_poll:
            line = (
                f"Question {question.position + 1} of {len(survey.questions)} ({kind_label(question)}): "
                "click an "
                f"option below, or {how_to_reply(question)}. ({CONTROLS})\n{notice(survey.k)}"
            )
            await self.say(room_id, user_id, line, survey.id)

        async def remember(event_id: str) -> None:
            await self.trail.remember_poll(survey.id, question.id, room_id, event_id)

        self.sender.send_dm(room_id, user_id, polls.start_content(question, prompt), polls.POLL_START, remember)

    async def invite(self, user_id: str, survey: Survey) -> None:
        room_id = await self.dms.room_for(user_id)
        self.sender.send_dm(room_id, user_id, invitation(survey), on_sent=self._tracker(room_id, survey.id))
        participant = Participant(PLATFORM, user_id)
        draft = {} if survey.is_poll else await self.service.load_draft(participant, survey.id)
        await self._ask(room_id, user_id, survey, _first_unanswered(survey, draft, 0) or survey.questions[0])

    # -- incoming ------------------------------------------------------------------------------

    async def on_text(self, room_id: str, user_id: str, event_id: str, text: str) -> None:
        before = self._places.get(room_id)
        survey_id: str | None = None
        try:
            survey_id = await self._on_text(room_id, user_id, text)
        except CanvassError as error:
            survey_id = self._survey_of(room_id, before)
            await self.say(room_id, user_id, f"⚠ {error} Nothing was changed.", survey_id)
        finally:
            self._forget_reply(survey_id or self._survey_of(room_id, before), room_id, event_id)

    async def on_poll_response(self, room_id: str, user_id: str, event_id: str, response: polls.PollResponse) -> None:
        mapped = self.trail.poll(response.start_event_id)
        survey_id = mapped[0] if mapped else None
        try:
            if mapped is None:
                raise InvalidInput("That poll is closed or unknown to me, so this response was not counted.")
            await self._on_poll_response(room_id, user_id, response, *mapped)
        except CanvassError as error:
            await self.say(room_id, user_id, f"⚠ {error} Nothing was changed.", survey_id)
        finally:
            self._forget_reply(survey_id, room_id, event_id)

    def _survey_of(self, room_id: str, before: Place | None) -> str | None:
        place = self._places.get(room_id) or before
        return place.survey_id if place else None

    def _forget_reply(self, survey_id: str | None, room_id: str, event_id: str) -> None:
        # The participant's own event holds their answer in the clear (for the bot's token): it goes
        # once handled, counted or not. Off the answering path: the trail's worker redacts it.
        self.trail.later(survey_id or "", room_id, event_id)

    async def _on_poll_response(
        self, room_id: str, user_id: str, response: polls.PollResponse, survey_id: str, question_id: str
    ) -> None:
        survey = await self.service.answerable(survey_id)  # cached: no reads on the vote path
        question = survey.question(question_id)
        raw = polls.raw_answer(question, response.answer_ids)
        await self._record(room_id, user_id, survey, question, raw, advance_if_current=True)

    async def _on_text(self, room_id: str, user_id: str, text: str) -> str | None:
        place = self._places.get(room_id) or await self._recover(room_id, user_id)
        if place is None:
            await self.say(room_id, user_id, "There is no open poll or survey for you right now.")
            return None
        survey = await self.service.get(place.survey_id)
        if survey.status is not Status.OPEN:
            self._places.pop(room_id, None)
            await self.say(room_id, user_id, f"“{survey.title}” is not open, so answers are not accepted.", survey.id)
            return survey.id
        word = text.strip().lower()
        if word in KEYWORDS and not (survey.is_poll and word not in ("help", "resume", "continue")):
            await self._keyword(room_id, user_id, survey, place, word)
            return survey.id
        question = survey.questions[place.index]
        await self._record(room_id, user_id, survey, question, parse_reply(question, text), advance_if_current=True)
        return survey.id

    async def _recover(self, room_id: str, user_id: str) -> Place | None:
        """After a restart: the newest open survey this person was invited to, at its first unanswered
        question."""
        participant = Participant(PLATFORM, user_id)
        surveys = sorted(
            await self.service.list_surveys([Status.OPEN]),
            key=lambda s: s.opens_at.timestamp() if s.opens_at else 0.0,
            reverse=True,
        )
        for survey in surveys:
            if participant in await self.service.roster(survey.id):
                draft = {} if survey.is_poll else await self.service.load_draft(participant, survey.id)
                first = _first_unanswered(survey, draft, 0)
                place = Place(survey.id, first.position if first else len(survey.questions) - 1)
                self._places[room_id] = place
                return place
        return None

    async def _record(
        self,
        room_id: str,
        user_id: str,
        survey: Survey,
        question: Question,
        raw: object,
        advance_if_current: bool,
    ) -> None:
        participant = Participant(PLATFORM, user_id)
        if survey.is_poll:
            receipt = await self.service.submit(participant, survey.id, {question.id: raw})
            what = "changed" if receipt.changed else "recorded"
            await self.say(
                room_id,
                user_id,
                f"✅ Your answer is {what}, anonymously. Answer again to change it before the poll closes.",
                survey.id,
            )
            return
        draft: dict[str, object] = dict(await self.service.load_draft(participant, survey.id))
        draft[question.id] = raw
        await self.service.save_draft(participant, survey.id, draft)
        answered = await self.service.load_draft(participant, survey.id)
        lead = f"Saved for question {question.position + 1} of {len(survey.questions)}."
        place = self._places.get(room_id)
        if not advance_if_current or (
            place is not None and (place.survey_id, place.index) != (survey.id, question.position)
        ):
            await self.say(room_id, user_id, lead + " (Not submitted yet: reply submit when you are done.)", survey.id)
            return
        following = _first_unanswered(survey, answered, question.position + 1)
        if following is None:
            self._places[room_id] = Place(survey.id, question.position)
            await self.say(
                room_id,
                user_id,
                lead + " All questions have an answer: reply review to check them, or submit to send them.",
                survey.id,
            )
            return
        await self.say(room_id, user_id, lead, survey.id)
        await self._ask(room_id, user_id, survey, following)

    async def _keyword(self, room_id: str, user_id: str, survey: Survey, place: Place, word: str) -> None:
        participant = Participant(PLATFORM, user_id)
        n = len(survey.questions)
        if word == "help":
            await self.say(room_id, user_id, f"Answer the question I asked last. Any time: {CONTROLS}.", survey.id)
        elif word in ("resume", "continue"):
            draft = await self.service.load_draft(participant, survey.id) if not survey.is_poll else {}
            await self._ask(
                room_id, user_id, survey, _first_unanswered(survey, draft, 0) or survey.questions[place.index]
            )
        elif word == "skip":
            await self._ask(room_id, user_id, survey, survey.questions[min(place.index + 1, n - 1)])
        elif word == "back":
            await self._ask(room_id, user_id, survey, survey.questions[max(place.index - 1, 0)])
        elif word == "review":
            draft = await self.service.load_draft(participant, survey.id)
            wait = f"{self.review_seconds:g} seconds"
            lines = [
                f"Your answers so far to “{survey.title}” (only you see this; not submitted yet). "
                f"I delete this message in {wait}, so that your answers do not stay in this chat:"
            ]
            for q in survey.questions:
                mine = describe(q, draft[q.id]) if q.id in draft else "— not answered"
                lines.append(f"{q.position + 1}. {q.text}: {mine}")
            lines.append("Reply submit to send them, or back / skip to move around.")
            await self.say(room_id, user_id, "\n".join(lines), survey.id, redact_after=self.review_seconds)
        elif word == "save":
            draft = await self.service.load_draft(participant, survey.id)
            await self.service.save_draft(participant, survey.id, draft)
            self._places.pop(room_id, None)
            await self.say(
                room_id,
                user_id,
                f"💾 Saved {len(draft)} of {n} answers (not submitted). Reply resume "
                "any time before the deadline to continue where you left off.",
                survey.id,
            )
        elif word == "change":
            await self._ask(room_id, user_id, survey, survey.questions[0])
        elif word == "submit":
            draft = await self.service.load_draft(participant, survey.id)
            receipt = await self.service.submit(participant, survey.id, draft)
            self._places.pop(room_id, None)
            what = "replaced your earlier submission" if receipt.changed else "are submitted"
            await self.say(
                room_id,
                user_id,
                f"✅ Thank you: your answers {what}, anonymously. Reply change to "
                "answer again; a new submission replaces this one.",
                survey.id,
            )


def _first_unanswered(survey: Survey, draft: dict[str, Answer] | dict[str, object], start: int) -> Question | None:
    for q in survey.questions[start:]:
        if q.id not in draft:
            return q
    return None
