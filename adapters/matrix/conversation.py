"""The private conversation in each DM: one question after another, with skip, back, review, save,
submit, change and copy. Answers go into the core's draft (keyed by an HMAC slot; an edit of a submission
waits in memory instead, edits.py), so a save survives a restart; where the flow stands is kept durably
by `progress`, so that a restart sends the prompt it lost and reads the next reply in context.

One bot message per question (for a poll, the poll itself, with the text reply in its fallback body);
the anonymity notice goes in the invitation and the review only: a survey answered straight through
costs questions + 3 messages (invitation, prompts, "all answered", the confirmation).

A prompt's lead says which question was saved, never what. The messages that show answers in words
(review, the confirmation of a submit, the answers reloaded by change, the copy) are redacted after a
short delay. Every event of a survey in the DM goes on the survey's trail, redacted at close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from adapters.matrix import polls
from adapters.matrix.answers import parse_reply
from adapters.matrix.copies import Copies
from adapters.matrix.dm import DirectRooms
from adapters.matrix.edits import Drafts
from adapters.matrix.flow import ALL_ANSWERED, Place, first_unanswered, next_step
from adapters.matrix.formatting import invitation, notice_content, question_prompt
from adapters.matrix.keywords import Keywords
from adapters.matrix.kinds_flow import LessonsFlow
from adapters.matrix.own_record import OpenSurveys, submitted_note, submitted_text
from adapters.matrix.progress import DONE, Progress, Step
from adapters.matrix.rooms import OnSent, RoomSender
from adapters.matrix.trail import Trail
from bot.answering import Receipt
from bot.domain import Participant, Question, QuestionKind, Status, Survey
from bot.errors import CanvassError, InvalidInput
from bot.service import Canvass

log = logging.getLogger(__name__)
PLATFORM = "matrix"
DEFAULT_REVIEW_SECONDS = 60.0
KEYWORDS = frozenset(
    {"skip", "back", "review", "save", "submit", "resume", "continue", "change", "help", "copy", "copy yes"}
)
AFTER_SUBMIT = frozenset({"change", "help", "copy", "copy yes"})  # what a submitted survey still takes


class Conversations:
    def __init__(
        self,
        service: Canvass,
        trail: Trail,
        dms: DirectRooms,
        sender: RoomSender,
        review_seconds: float = DEFAULT_REVIEW_SECONDS,
        copies: Copies | None = None,
    ) -> None:
        self.service = service
        self.trail = trail
        self.dms = dms
        self.sender = sender
        self.review_seconds = review_seconds
        self._places: dict[str, Place] = {}  # DM room -> where its flow stands (cache of `progress`)
        self.progress = Progress(trail.state)
        self.lessons = LessonsFlow(self)
        self.keywords = Keywords(self)
        self.copies = copies
        self.open = OpenSurveys(service)
        self.drafts = Drafts(service)

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

    async def _step(self, step: Step, user_id: str, text: str, redact_after: float | None = None) -> None:
        """A message that moves the conversation on: durable until sent (resent after a restart)."""
        await self.progress.at(step)
        track = self._tracker(step.room, step.survey_id, redact_after, step=step)
        self.sender.send_dm(step.room, user_id, notice_content(text), on_sent=track)

    async def _ask(
        self,
        room_id: str,
        user_id: str,
        survey: Survey,
        question: Question,
        lead: str = "",
        intro: bool = False,
        reminder: str = "",
    ) -> None:
        self._places[room_id] = Place(survey.id, question.position)
        step = Step(survey.id, room_id, question.position, intro=intro)
        await self.progress.at(step)
        ordinal = self.open.ordinal(user_id, survey.id)
        if intro:
            head = invitation(survey, ordinal, reminder)
            self.sender.send_dm(room_id, user_id, head, on_sent=self._tracker(room_id, survey.id))
        prompt = question_prompt(survey, question, lead, ordinal)
        if not polls.is_poll_question(question):
            self.sender.send_dm(
                room_id, user_id, notice_content(prompt), on_sent=self._tracker(room_id, survey.id, step=step)
            )
            return

        async def remember(event_id: str) -> None:
            await self.trail.remember_poll(survey.id, question.id, room_id, event_id)
            await self.progress.sent(step)

        self.sender.send_dm(room_id, user_id, polls.start_content(question, prompt), polls.POLL_START, remember)

    async def invite(self, user_id: str, survey: Survey, reminder: str = "") -> None:
        """The invitation and the first question; a reminder (its text) restarts the flow the same way."""
        room_id = await self.dms.room_for(user_id)
        participant = Participant(PLATFORM, user_id)
        await self.open.refresh(user_id, opened=survey.id)
        # The bot's own initiative (an invitation, a reminder): never a read-back of submitted answers.
        draft = {}
        if not survey.is_poll:
            draft = await self.drafts.load(room_id, participant, survey, opening=True, own=False)
        first = first_unanswered(survey, draft, 0) or survey.questions[0]
        await self._ask(room_id, user_id, survey, first, intro=True, reminder=reminder)

    def closed(self, survey_id: str) -> None:
        self.progress.closed(survey_id)
        self.open.closed(survey_id)
        self.drafts.closed(survey_id)
        if self.copies is not None:
            self.copies.forget_survey(survey_id)

    async def restore(self) -> None:
        """After a restart: every conversation in progress continues where it stood. A prompt that had
        not gone out (a clean stop's leftovers, or a crash) is sent now; the others wait for a reply."""
        for survey in await self.service.list_surveys([Status.OPEN]):
            for step in await self.progress.load(survey.id):
                partner = self.dms.partner(step.room)
                if partner is None:
                    continue
                try:
                    await self.open.refresh(partner)
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
        self, room_id: str, user_id: str, survey: Survey, changed: bool, receipt: Receipt | None = None
    ) -> None:
        if receipt is not None and self.copies is not None:
            self.copies.hold(room_id, receipt)  # memory only, for a `copy` asked for soon after
        delegation = receipt.delegation if receipt is not None else None
        if receipt is not None and delegation is None:
            # In words, so the participant sees what was recorded; redacted after the review delay.
            text = submitted_text(survey, receipt.answers, receipt.changed, self.review_seconds, survey.is_poll)
            await self._step(Step(survey.id, room_id, DONE), user_id, text, redact_after=self.review_seconds)
            return
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
            await self.say(room_id, user_id, submitted_note(survey) + " This click was not counted.", survey.id)
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
        if place.submitted and not survey.is_poll and word not in AFTER_SUBMIT:
            # Submitted: never back to question 1 by surprise (a restart, a stray "resume").
            await self.say(room_id, user_id, submitted_note(survey), survey.id)
            return survey.id
        if word.startswith("survey ") and word[7:].strip().isdigit():
            await self.keywords.switch(room_id, user_id, int(word[7:].strip()))
            return survey.id
        if word in KEYWORDS and not (survey.is_poll and word not in ("help", "resume", "continue", "copy", "copy yes")):
            await self.keywords.on_word(room_id, user_id, survey, place, word)
            return survey.id
        question = survey.questions[place.index]
        if question.kind is QuestionKind.LESSONS:
            await self.lessons.on_text(room_id, user_id, survey, question, text)  # one lesson per message
            return survey.id
        await self._record(room_id, user_id, survey, question, parse_reply(question, text))
        return survey.id

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
                draft = {} if survey.is_poll else await self.drafts.load(room_id, participant, survey)
                first = first_unanswered(survey, draft, 0)
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
            await self.confirm(room_id, user_id, survey, receipt.changed, receipt)
            return
        draft = await self.drafts.load(room_id, participant, survey)
        draft[question.id] = raw
        note = await self.drafts.save(room_id, participant, survey, draft)
        answered = await self.drafts.load(room_id, participant, survey)
        n = len(survey.questions)
        lead = f"Saved for question {question.position + 1} of {n}."
        lead += f" {note}" if note else ""
        place = self._places.get(room_id)
        if place is not None and (place.survey_id, place.index) != (survey.id, question.position):
            # An earlier poll clicked again: the flow stays where it was; say what comes next.
            await self.say(room_id, user_id, f"{lead} {next_step(survey, answered, place)}", survey.id)
            return
        await self.advance(room_id, user_id, survey, question, answered, lead)

    async def advance(
        self, room_id: str, user_id: str, survey: Survey, question: Question, answered: Mapping[str, object], lead: str
    ) -> None:
        """On from `question`: the next unanswered question, or "all answered"."""
        n = len(survey.questions)
        # Changing a submission: the rest is answered, and a skipped optional question stays skipped.
        required = self.drafts.editing(room_id, survey.id)
        following = first_unanswered(survey, answered, question.position + 1, required_only=required)
        if following is None:
            self._places[room_id] = Place(survey.id, question.position)
            text = f"{lead} {next_step(survey, answered, None)}"
            await self._step(Step(survey.id, room_id, n), user_id, text)
            return
        await self._ask(room_id, user_id, survey, following, lead=lead)
