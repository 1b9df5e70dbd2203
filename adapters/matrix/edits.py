"""Where a DM's answers wait before a submit: the core's draft before a first submission, and this
process's memory while a submitted survey is being changed (`change`).

After a submission there are no draft rows (as in Slack and the console, adapters/slack/edits.py): a
draft row would hold all of one person's answers side by side, which the ballots never do, so a
database file alone would tell which answers came together. An edit waits here until it is submitted,
the survey closes or EDIT_SECONDS pass; a restart drops it, and the submitted answers stand."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from bot.domain import Participant, Survey
from bot.service import Canvass
from bot.validation import validate_answer

EDIT_SECONDS = 1800.0


class Drafts:
    def __init__(self, service: Canvass, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self._now = monotonic
        self._edits: dict[str, tuple[str, float, dict[str, object]]] = {}  # DM room -> (survey, until, answers)

    def start_edit(self, room_id: str, survey_id: str, answers: Mapping[str, object]) -> None:
        self._edits[room_id] = (survey_id, self._now() + EDIT_SECONDS, dict(answers))

    def editing(self, room_id: str, survey_id: str) -> bool:
        held = self._edits.get(room_id)
        if held is None or held[0] != survey_id:
            return False
        if held[1] < self._now():
            del self._edits[room_id]
            return False
        return True

    async def load(
        self, room_id: str, participant: Participant, survey: Survey, opening: bool = False, own: bool = True
    ) -> dict[str, object]:
        """`opening`: the participant is looking at the draft now (a delegation's colleague-saved note
        counts from here). `own`: this is that participant's own DM message, so a delegation's submitted
        answers may be read back for them; False on the bot's own initiative (an invitation, a reminder)."""
        if self.editing(room_id, survey.id):
            return dict(self._edits[room_id][2])
        draft: dict[str, object] = dict(await self.service.load_draft(participant, survey.id, opening=opening))
        if not draft and own and survey.by_delegation and await self.service.has_responded(participant, survey.id):
            # A delegation's submission keeps no draft row (bot/answering.py): its members go on from its
            # answers, read through the delegation's slots (bot/own_ballot.py); a save makes a draft again.
            draft = dict(await self.service.own_answers(participant, survey.id))
        return draft

    async def save(
        self, room_id: str, participant: Participant, survey: Survey, answers: Mapping[str, object]
    ) -> str | None:
        """Saves; returns the delegation's "a colleague saved meanwhile" note, if any."""
        if self.editing(room_id, survey.id):
            # Checked now, as the core checks a draft, so a bad reply is refused at once, not at submit.
            valid = {q.id: validate_answer(q, answers[q.id]) for q in survey.questions if q.id in answers}
            self._edits[room_id] = (survey.id, self._now() + EDIT_SECONDS, dict(valid))
            return None
        return (await self.service.save_draft(participant, survey.id, answers)).note

    def drop(self, room_id: str) -> None:
        self._edits.pop(room_id, None)

    def closed(self, survey_id: str) -> None:
        for room in [r for r, held in self._edits.items() if held[0] == survey_id]:
            del self._edits[room]
