"""The words a participant may type in a DM conversation (help, resume, skip, back, review, save,
change, copy, submit) and `survey N`: split out of adapters/matrix/conversation.py, whose state it uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.matrix.flow import Place, first_unanswered
from adapters.matrix.formatting import CONTROLS
from adapters.matrix.own_record import review_text, submitted_note
from bot.anonymity import survey_notice
from bot.domain import Participant, Survey
from bot.errors import InvalidInput

if TYPE_CHECKING:
    from adapters.matrix.conversation import Conversations

PLATFORM = "matrix"


class Keywords:
    def __init__(self, conversations: Conversations) -> None:
        self.conv = conversations

    async def on_word(self, room_id: str, user_id: str, survey: Survey, place: Place, word: str) -> None:
        participant = Participant(PLATFORM, user_id)
        n = len(survey.questions)
        if word == "help":
            await self.conv.say(room_id, user_id, f"Answer the question I asked last. Any time: {CONTROLS}.", survey.id)
        elif word in ("resume", "continue"):
            draft = (
                await self.conv.drafts.load(room_id, participant, survey, opening=True) if not survey.is_poll else {}
            )
            await self.conv._ask(
                room_id, user_id, survey, first_unanswered(survey, draft, 0) or survey.questions[place.index]
            )
        elif word == "skip":
            await self.conv._ask(room_id, user_id, survey, survey.questions[min(place.index + 1, n - 1)])
        elif word == "back":
            await self.conv._ask(room_id, user_id, survey, survey.questions[max(place.index - 1, 0)])
        elif word == "review":
            draft = await self.conv.drafts.load(room_id, participant, survey, opening=True)
            if survey.by_delegation and await self.conv.service.has_responded(participant, survey.id):
                # Submitted already: what is shown is the submission, or a colleague's edit of it.
                head = (
                    f"Your delegation's current answers to “{survey.title}” (your delegation's members see them; "
                    "a new submission by any of you replaces the last)"
                )
            elif survey.by_delegation:
                head = (
                    f"Your delegation's draft for “{survey.title}” (your delegation's members see it; "
                    "not submitted yet)"
                )
            else:
                head = f"Your answers so far to “{survey.title}”, not submitted yet"
            text = review_text(survey, draft, self.conv.review_seconds, head)
            text += f"\nReply submit to send them, or back / skip to move around.\n{survey_notice(survey)}"
            await self.conv.say(room_id, user_id, text, survey.id, redact_after=self.conv.review_seconds)
        elif word == "save":
            if self.conv.drafts.editing(room_id, survey.id):
                await self.conv.say(
                    room_id, user_id, "Your submitted answers stand; changes wait until submit.", survey.id
                )
                return
            draft = await self.conv.drafts.load(room_id, participant, survey)
            await self.conv.drafts.save(room_id, participant, survey, draft)
            self.conv._places.pop(room_id, None)
            await self.conv.say(
                room_id,
                user_id,
                f"💾 Saved {len(draft)} of {n} answers (not submitted). Reply resume "
                "any time before the deadline to continue where you left off.",
                survey.id,
            )
        elif word == "change":
            await self.change(room_id, user_id, survey, place)
        elif word in ("copy", "copy yes"):
            if self.conv.copies is None or not (place.submitted or survey.is_poll):
                await self.conv.say(
                    room_id, user_id, "A copy is made right after you submit: reply submit first.", survey.id
                )
                return
            await self.conv.copies.deliver(room_id, user_id, survey, confirmed=word == "copy yes")
        elif word == "submit":
            draft = await self.conv.drafts.load(room_id, participant, survey)
            receipt = await self.conv.service.submit(participant, survey.id, draft)
            self.conv.drafts.drop(room_id)
            self.conv._places[room_id] = Place(survey.id, 0, submitted=True)
            await self.conv.confirm(room_id, user_id, survey, receipt.changed, receipt)

    async def change(self, room_id: str, user_id: str, survey: Survey, place: Place) -> None:
        """Reopen a submission before close: their own ballot (read through their slots, in this request
        from them) becomes the draft, so they change one answer and submit again; skipped stays skipped."""
        participant = Participant(PLATFORM, user_id)
        if place.submitted and not survey.by_delegation:  # a delegation goes on in its draft (edits.py load)
            # In memory, not a draft row: a row would hold their answers side by side (edits.py).
            self.conv.drafts.start_edit(room_id, survey.id, await self.conv.service.own_answers(participant, survey.id))
        draft = await self.conv.drafts.load(room_id, participant, survey)
        self.conv._places[room_id] = Place(survey.id, 0)
        head = f"Your current answers to “{survey.title}”"
        text = review_text(survey, draft, self.conv.review_seconds, head)
        await self.conv.say(room_id, user_id, text, survey.id, redact_after=self.conv.review_seconds)
        lead = "Reply skip to keep an answer, or give a new one; submit when done."
        await self.conv._ask(room_id, user_id, survey, survey.questions[0], lead=lead)

    async def switch(self, room_id: str, user_id: str, number: int) -> None:
        """`survey 2`: go to another of this person's open surveys, where it stood."""
        await self.conv.open.refresh(user_id)
        survey_id = self.conv.open.nth(user_id, number)
        if survey_id is None:
            count = self.conv.open.count(user_id)
            raise InvalidInput(f"You have {count} open survey{'s' if count != 1 else ''} to answer.")
        survey = await self.conv.service.get(survey_id)
        participant = Participant(PLATFORM, user_id)
        draft = {} if survey.is_poll else await self.conv.drafts.load(room_id, participant, survey)
        if not survey.is_poll and not draft and await self.conv.service.has_responded(participant, survey.id):
            self.conv._places[room_id] = Place(survey.id, 0, submitted=True)
            await self.conv.say(room_id, user_id, submitted_note(survey), survey.id)
            return
        await self.conv.invite(user_id, survey)
