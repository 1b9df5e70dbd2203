"""The private conversation in each DM: one question after another, with skip, back, review, save
and submit. Answers go straight into the core's draft (keyed by an HMAC slot), so a save survives a
restart; where the flow stands (the next question, and whether its prompt went out) is kept durably
by `progress`, so that a restart sends the prompt it lost and reads the next reply in context.

One bot message per question (the prompt, which for a poll is the poll itself, with the text reply in
its fallback body); the anonymity notice goes in the invitation and the review only. A survey
answered straight through costs questions + 3 messages: invitation, prompts, "all answered", and the
confirmation.

Nothing stored in the DM repeats an answer: confirmations say which question was saved, never what;
`review` is the one message that shows answers, and it is redacted after a short delay. Every event
of a survey in the DM (the participant's and the bot's) goes on the survey's trail, to be redacted
once handled or at close."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from adapters.matrix import polls
from adapters.matrix.answers import describe, parse_reply
from adapters.matrix.dm import DirectRooms
from adapters.matrix.formatting import CONTROLS, invitation, notice_content, question_prompt
from adapters.matrix.kinds_flow import LessonsFlow
from adapters.matrix.progress import DONE, Progress, Step
from adapters.matrix.rooms import OnSent, RoomSender
from adapters.matrix.trail import Trail
from bot.anonymity import survey_notice
from bot.domain import Answer, Participant, Question, QuestionKind, Status, Survey
from bot.errors import CanvassError, InvalidInput
from bot.service import Canvass

log = logging.getLogger(__name__)
PLATFORM = "matrix"
DEFAULT_REVIEW_SECONDS = 60.0
ALL_ANSWERED = "All questions have an answer: reply review to check them, or submit to send them."
KEYWORDS = frozenset({"skip", "back", "review", "save", "submit", "resume", "continue", "change", "help"})


@dataclass
class Place:
    survey_id: str
    index: int
    submitted: bool = False  # the survey is submitted (and no new answer given since)


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
        self._places: dict[str, Place] = {}  # DM room -> where its flow stands (cache of `progress`)
        self.progress = Progress(trail.state)
        self.lessons = LessonsFlow(self)

    # -- sending -------------------------------------------------------------------------------

    async def say(
        self, room_id: str, user_id: str, text: str, survey_id: str | None = None, redact_after: float | None = None
    ) -> asyncio.Future[str]:
        """Queue a message in the DM (sent in order, at the DM pace) without waiting for it. A message
        about a survey is redacted at its close, or after `redact_after` seconds."""
        track = self._tracker(room_id, survey_id, redact_after)
        return self.sender.send_dm(room_id, user_id, notice_content(text), on_sent=track)

    def _tracker(
        self, room_id: str, survey_id: str | None, redact_after: float | None = None, step: Step | None = None
    ) -> OnSent | None:
        if survey_id is None:
            return None

        async def track(event_id: str) -> None:
            if redact_after is None:
                self.trail.keep(survey_id, room_id, event_id)
            else:
                self.trail.later(survey_id, room_id, event_id, redact_after)
            if step is not None:
                await self.progress.sent(step)

        return track

    async def _step(self, step: Step, user_id: str, text: str) -> None:
        """A message that moves the conversation on: durable until sent (resent after a restart)."""
        await self.progress.at(step)
        self.sender.send_dm(
            step.room, user_id, notice_content(text), on_sent=self._tracker(step.room, step.survey_id, step=step)
        )

    async def _ask(
        self, room_id: str, user_id: str, survey: Survey, question: Question, lead: str = "", intro: bool = False
    ) -> None:
        self._places[room_id] = Place(survey.id, question.position)
        step = Step(survey.id, room_id, question.position, intro=intro)
        await self.progress.at(step)
        if intro:
            self.sender.send_dm(room_id, user_id, invitation(survey), on_sent=self._tracker(room_id, survey.id))
        prompt = question_prompt(survey, question, lead)
        if not polls.is_poll_question(question):
            self.sender.send_dm(
                room_id, user_id, notice_content(prompt), on_sent=self._tracker(room_id, survey.id, step=step)
            )
            return

        async def remember(event_id: str) -> None:
            await self.trail.remember_poll(survey.id, question.id, room_id, event_id)
            await self.progress.sent(step)

        self.sender.send_dm(room_id, user_id, polls.start_content(question, prompt), polls.POLL_START, remember)

    async def invite(self, user_id: str, survey: Survey) -> None:
        room_id = await self.dms.room_for(user_id)
        participant = Participant(PLATFORM, user_id)
        draft = {} if survey.is_poll else await self.service.load_draft(participant, survey.id, opening=True)
        first = _first_unanswered(survey, draft, 0) or survey.questions[0]
        await self._ask(room_id, user_id, survey, first, intro=True)

    async def restore(self) -> None:
        """After a restart: every conversation in progress continues where it stood. A prompt that had
        not gone out (a clean stop's leftovers, or a crash) is sent now; the others wait for a reply."""
        for survey in await self.service.list_surveys([Status.OPEN]):
            for step in await self.progress.load(survey.id):
                partner = self.dms.partner(step.room)
                if partner is None:
                    continue
                try:
                    await self._resume_step(survey, step, partner)
                except Exception:
                    log.exception("matrix: could not resume a conversation of survey %s", survey.id)

    async def _resume_step(self, survey: Survey, step: Step, partner: str) -> None:
        n = len(survey.questions)
        if step.index == DONE:
            self._places[step.room] = Place(survey.id, 0, submitted=True)
            await self.confirm(step.room, partner, survey, changed=False)
            return
        self._places[step.room] = Place(survey.id, min(step.index, n - 1))
        if step.sent:
            return
        if step.index >= n:
            await self._step(step, partner, ALL_ANSWERED)
        else:
            await self._ask(step.room, partner, survey, survey.questions[step.index], intro=step.intro)

    async def confirm(
        self, room_id: str, user_id: str, survey: Survey, changed: bool, delegation: str | None = None
    ) -> None:
        if delegation is not None:
            what = "replaced its earlier submission" if changed else "are submitted"
            text = (
                f"✅ Thank you: {delegation}'s answers {what}, anonymously between delegations. Your colleagues "
                "are told privately that you submitted them. Reply change to answer again; a new submission "
                "by any of you replaces this one."
            )
        elif survey.is_poll:
            what = "changed" if changed else "recorded"
            text = f"✅ Your answer is {what}, anonymously. Answer again to change it before the poll closes."
        else:
            what = "replaced your earlier submission" if changed else "are submitted"
            text = (
                f"✅ Thank you: your answers {what}, anonymously. Reply change to "
                "answer again; a new submission replaces this one."
            )
        await self._step(Step(survey.id, room_id, DONE), user_id, text)

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
        place = self._places.get(room_id)
        if place is not None and place.submitted and place.survey_id == survey.id and not survey.is_poll:
            await self.say(room_id, user_id, self._submitted_note(survey) + " This click was not counted.", survey.id)
            return
        await self._record(room_id, user_id, survey, question, raw)

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
        if place.submitted and not survey.is_poll and word not in ("change", "help"):
            # Submitted: never back to question 1 by surprise (a restart, a stray "resume").
            await self.say(room_id, user_id, self._submitted_note(survey), survey.id)
            return survey.id
        if word in KEYWORDS and not (survey.is_poll and word not in ("help", "resume", "continue")):
            await self._keyword(room_id, user_id, survey, place, word)
            return survey.id
        question = survey.questions[place.index]
        if question.kind is QuestionKind.LESSONS:
            await self.lessons.on_text(room_id, user_id, survey, question, text)  # one lesson per message
            return survey.id
        await self._record(room_id, user_id, survey, question, parse_reply(question, text))
        return survey.id

    def _submitted_note(self, survey: Survey) -> str:
        return (
            f"Your answers to “{survey.title}” are submitted. Reply change to answer again; "
            "a new submission replaces the old one."
        )

    async def _recover(self, room_id: str, user_id: str) -> Place | None:
        """Without a stored place (an older version's conversation): the newest open survey this
        person was invited to, at its first unanswered question, or submitted."""
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
                submitted = (
                    not survey.is_poll and not draft and await self.service.has_responded(participant, survey.id)
                )
                place = Place(survey.id, first.position if first else len(survey.questions) - 1, submitted)
                self._places[room_id] = place
                return place
        return None

    async def _record(self, room_id: str, user_id: str, survey: Survey, question: Question, raw: object) -> None:
        participant = Participant(PLATFORM, user_id)
        if survey.is_poll:
            receipt = await self.service.submit(participant, survey.id, {question.id: raw})
            await self.confirm(room_id, user_id, survey, receipt.changed, receipt.delegation)
            return
        draft: dict[str, object] = dict(await self.service.load_draft(participant, survey.id))
        draft[question.id] = raw
        saved = await self.service.save_draft(participant, survey.id, draft)
        answered = await self.service.load_draft(participant, survey.id)
        lead = f"Saved for question {question.position + 1} of {len(survey.questions)}."
        lead += f" {saved.note}" if saved.note else ""
        place = self._places.get(room_id)
        if place is not None and (place.survey_id, place.index) != (survey.id, question.position):
            # An earlier poll clicked again: the flow stays where it was; say what comes next.
            await self.say(room_id, user_id, f"{lead} {_next_step(survey, answered, place)}", survey.id)
            return
        await self.advance(room_id, user_id, survey, question, answered, lead)

    async def advance(
        self, room_id: str, user_id: str, survey: Survey, question: Question, answered: dict[str, Answer], lead: str
    ) -> None:
        """On from `question`: the next unanswered question, or "all answered"."""
        n = len(survey.questions)
        following = _first_unanswered(survey, answered, question.position + 1)
        if following is None:
            self._places[room_id] = Place(survey.id, question.position)
            missing = _first_unanswered(survey, answered, 0)
            text = f"{lead} {ALL_ANSWERED if missing is None else _next_step(survey, answered, None)}"
            await self._step(Step(survey.id, room_id, n), user_id, text)
            return
        await self._ask(room_id, user_id, survey, following, lead=lead)

    async def _keyword(self, room_id: str, user_id: str, survey: Survey, place: Place, word: str) -> None:
        participant = Participant(PLATFORM, user_id)
        n = len(survey.questions)
        if word == "help":
            await self.say(room_id, user_id, f"Answer the question I asked last. Any time: {CONTROLS}.", survey.id)
        elif word in ("resume", "continue"):
            draft = await self.service.load_draft(participant, survey.id, True) if not survey.is_poll else {}
            await self._ask(
                room_id, user_id, survey, _first_unanswered(survey, draft, 0) or survey.questions[place.index]
            )
        elif word == "skip":
            await self._ask(room_id, user_id, survey, survey.questions[min(place.index + 1, n - 1)])
        elif word == "back":
            await self._ask(room_id, user_id, survey, survey.questions[max(place.index - 1, 0)])
        elif word == "review":
            draft = await self.service.load_draft(participant, survey.id, opening=True)
            wait = f"{self.review_seconds:g} seconds"
            whose = "Your delegation's draft for" if survey.by_delegation else "Your answers so far to"
            who_sees = "your delegation's members see it" if survey.by_delegation else "only you see this"
            lines = [
                f"{whose} “{survey.title}” ({who_sees}; not submitted yet). "
                f"I delete this message in {wait}, so that your answers do not stay in this chat:"
            ]
            for q in survey.questions:
                mine = describe(q, draft[q.id]) if q.id in draft else "— not answered"
                lines.append(f"{q.position + 1}. {q.text}: {mine}")
            lines.append("Reply submit to send them, or back / skip to move around.")
            lines.append(survey_notice(survey))
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
            self._places[room_id] = Place(survey.id, 0, submitted=True)
            await self.confirm(room_id, user_id, survey, receipt.changed, receipt.delegation)


def _first_unanswered(survey: Survey, draft: dict[str, Answer] | dict[str, object], start: int) -> Question | None:
    for q in survey.questions[start:]:
        if q.id not in draft:
            return q
    return None


def _next_step(survey: Survey, answered: dict[str, Answer], place: Place | None) -> str:
    """What the participant should do next, given what is answered and where the flow stands."""
    if place is not None and survey.questions[place.index].id not in answered:
        return f"Question {place.index + 1} is still waiting for your answer."
    missing = _first_unanswered(survey, answered, 0)
    if missing is None:
        return ALL_ANSWERED
    return f"Question {missing.position + 1} has no answer yet: reply back or skip to get there, or submit."
