"""Lessons in the Matrix DM: after the question's prompt (which gives the grammar once, with an
example), the participant sends one lesson per message ("process + Early warning worked | …", an
"add " in front is allowed), `undo` removes the last one, `done` moves on.

The lessons written so far live only in the core's draft, keyed by the HMAC draft slot like every
other answer in progress. The durable conversation state (progress.py) keeps just the position of
the question being asked, so after a restart the next message is still read as a lesson of that
question, and bot_state never holds a lesson next to a room. Confirmations say which lesson was
saved, never what (the participant's own message is redacted once handled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.matrix import kinds_prompts
from bot.domain import Lesson, Participant, Question, Survey
from bot.errors import InvalidInput
from bot.kinds_text import parse_lesson_reply

if TYPE_CHECKING:
    from adapters.matrix.conversation import Conversations

PLATFORM = "matrix"


class LessonsFlow:
    def __init__(self, conversations: Conversations) -> None:
        self.conv = conversations

    async def on_text(self, room_id: str, user_id: str, survey: Survey, question: Question, text: str) -> None:
        participant = Participant(PLATFORM, user_id)
        # Through the conversation's drafts: while a submission is being changed the edit stays in memory.
        draft: dict[str, object] = dict(await self.conv.drafts.load(room_id, participant, survey))
        saved = draft.get(question.id)
        lessons = [e for e in saved if isinstance(e, Lesson)] if isinstance(saved, tuple) else []
        word = text.strip().lower()
        where = "" if survey.is_poll else f" for question {question.position + 1}"
        if word == "add":
            await self.conv.say(
                room_id,
                user_id,
                f"Send the lesson as one message, for example: {kinds_prompts.lesson_example(question)}",
                survey.id,
            )
            return
        if word == "undo":
            if not lessons:
                raise InvalidInput("There is no lesson to remove.")
            lessons.pop()
            await self._save(room_id, participant, survey, question, draft, lessons)
            await self.conv.say(
                room_id, user_id, f"↩ Removed lesson {len(lessons) + 1}; {_count(lessons)} saved{where}.", survey.id
            )
            return
        if word == "done" or (survey.is_poll and word == "submit"):  # a poll has no other submit
            await self._done(room_id, user_id, survey, question, draft, lessons)
            return
        if len(lessons) >= question.max_entries:
            raise InvalidInput(
                f"This question takes at most {question.max_entries} lessons and you have {len(lessons)}:"
                " reply undo to remove the last one, or done to move on."
            )
        body = text.strip()
        if body[:4].lower() == "add ":
            body = body[4:]
        lessons.append(parse_lesson_reply(question, body))
        await self._save(room_id, participant, survey, question, draft, lessons)
        left = question.max_entries - len(lessons)
        more = "Send the next one" if left else "That is the most this question takes"
        await self.conv.say(
            room_id,
            user_id,
            f"✓ Lesson {len(lessons)} saved{where} ({left} more possible). {more}, undo to remove it, or done.",
            survey.id,
        )

    async def _save(
        self,
        room_id: str,
        participant: Participant,
        survey: Survey,
        question: Question,
        draft: dict[str, object],
        lessons: list[Lesson],
    ) -> None:
        if lessons:
            draft[question.id] = tuple(lessons)
        else:
            draft.pop(question.id, None)  # no lessons is "not answered", which a required question allows in a draft
        await self.conv.drafts.save(room_id, participant, survey, draft)

    async def _done(
        self,
        room_id: str,
        user_id: str,
        survey: Survey,
        question: Question,
        draft: dict[str, object],
        lessons: list[Lesson],
    ) -> None:
        if question.required and not lessons:
            raise InvalidInput(
                f"Add at least one lesson before done, for example: {kinds_prompts.lesson_example(question)}"
            )
        participant = Participant(PLATFORM, user_id)
        if survey.is_poll:
            receipt = await self.conv.service.submit(participant, survey.id, {question.id: tuple(lessons)})
            # A poll's submission leaves its draft alone: empty it, so no lesson waits there until close.
            await self.conv.service.save_draft(participant, survey.id, {})
            await self.conv.confirm(room_id, user_id, survey, receipt.changed, receipt)
            return
        answered = await self.conv.drafts.load(room_id, participant, survey)
        lead = f"{_count(lessons).capitalize()} saved for question {question.position + 1} of {len(survey.questions)}."
        await self.conv.advance(room_id, user_id, survey, question, answered, lead)


def _count(lessons: list[Lesson]) -> str:
    return f"{len(lessons)} lesson{'' if len(lessons) == 1 else 's'}" if lessons else "no lessons"
