"""A resubmission in progress across the pages of a long answer modal, held in memory only.

Someone who has submitted and reopens the survey sees their current answers (bot/own_ballot.py). Saving
those as a draft would write one row holding all their answers side by side, which the ballots never
do (one row per question, slots that cannot be joined without the key): a database file alone would
then tell which answers came together. So after a submission there are no drafts: the pages already
passed wait here, per person and survey, until the last page is submitted, the survey closes
(forget_survey, adapters/slack/forget.py) or EDIT_SECONDS pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from bot.domain import Answer

EDIT_SECONDS = 1800.0
MAX_HELD = 2000


class PendingEdits:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._held: dict[tuple[str, str], tuple[float, dict[str, object]]] = {}

    def _expire(self) -> None:
        now = self._now()
        self._held = {k: v for k, v in self._held.items() if v[0] > now}
        while len(self._held) > MAX_HELD:
            self._held.pop(next(iter(self._held)))

    def put(self, user: str, survey_id: str, answers: Mapping[str, object]) -> None:
        self._expire()
        self._held[(user, survey_id)] = (self._now() + EDIT_SECONDS, dict(answers))

    def get(self, user: str, survey_id: str) -> dict[str, object] | None:
        self._expire()
        held = self._held.get((user, survey_id))
        return dict(held[1]) if held is not None else None

    def drop(self, user: str, survey_id: str) -> None:
        self._held.pop((user, survey_id), None)

    def forget_survey(self, survey_id: str) -> None:
        self._held = {k: v for k, v in self._held.items() if k[1] != survey_id}

    def held_for(self, survey_id: str) -> int:
        self._expire()
        return sum(1 for k in self._held if k[1] == survey_id)


def shown(base: Mapping[str, Answer], pending: Mapping[str, object] | None) -> dict[str, Answer]:
    """What a page shows: the pending edit where it has the question, else the current answer."""
    merged: dict[str, Answer] = dict(base)
    for qid, value in (pending or {}).items():
        if isinstance(value, int | str | tuple):
            merged[qid] = value
    return merged
