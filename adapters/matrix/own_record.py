"""The participant's own record in their DM (issue 11): answers in words (never indexes), and which
surveys are open for them, so that two at once read "survey 1 of 2", never an internal id.

Every message built here that shows answers is redacted after `redact_after_seconds` by the caller."""

from __future__ import annotations

import time
from collections.abc import Mapping

from bot.answer_words import answer_in_words, answers_in_words
from bot.domain import Answer, Participant, Status, Survey
from bot.service import Canvass

CACHE_SECONDS = 5.0


def as_answer(value: object) -> Answer:
    """A draft's JSON lists as the tuples a ballot holds, so rankings read as ordered labels."""
    return tuple(value) if isinstance(value, list) else value  # type: ignore[return-value]


def words(survey: Survey, answers: Mapping[str, object], missing: str) -> list[str]:
    shaped = {qid: as_answer(v) for qid, v in answers.items()}
    return [
        f"{q.position + 1}. {q.text}: {text if text is not None else missing}"
        for q, text in answers_in_words(survey, shaped)
    ]


def review_text(survey: Survey, draft: Mapping[str, object], seconds: float, head: str) -> str:
    lines = [
        f"{head} (only you see this). I delete this message in {seconds:g} seconds, so that your answers do "
        "not stay in this chat:",
        *words(survey, draft, "— not answered"),
    ]
    return "\n".join(lines)


def submitted_text(
    survey: Survey, answers: Mapping[str, object], changed: bool, seconds: float, poll: bool = False
) -> str:
    """The confirmation of a submit, in words (redacted after `seconds` by the caller)."""
    wait = f"I delete this message in {seconds:g} seconds"
    if poll:
        what = "changed" if changed else "recorded"
        q = survey.questions[0]
        mine = answer_in_words(q, as_answer(answers[q.id])) if q.id in answers else "—"
        return (
            f"✅ Your answer is {what}, anonymously: {mine}. {wait}. Answer again to change it "
            "before the poll closes, or reply copy for your own copy."
        )
    what = "replaced your earlier submission" if changed else "are submitted"
    lines = [
        f"✅ Thank you: your answers {what}, anonymously. {wait}:",
        *words(survey, answers, "— skipped"),
        "Reply change to change an answer before the close (a new submission replaces this one), "
        "or copy for your own copy of this contribution.",
    ]
    return "\n".join(lines)


def submitted_note(survey: Survey) -> str:
    return (
        f"Your answers to “{survey.title}” are submitted. Reply change to answer again (a new submission "
        "replaces the old one), or copy for your own copy right after a submission."
    )


class OpenSurveys:
    """Which open surveys each person is asked to answer, in opening order, for the ordinal. Read at an
    invitation, a reminder or a restart, then held in memory: a prompt needs no database read. The
    open surveys and their rosters are cached for a few seconds, so that inviting a room of hundreds
    reads each roster once, not once per person."""

    def __init__(self, service: Canvass, ttl: float = CACHE_SECONDS) -> None:
        self.service = service
        self.ttl = ttl
        self._open: dict[str, list[str]] = {}  # user -> survey ids
        self._surveys: tuple[float, list[Survey]] | None = None
        self._rosters: dict[str, tuple[float, frozenset[Participant]]] = {}

    async def _open_surveys(self) -> list[Survey]:
        now = time.monotonic()
        if self._surveys is None or self._surveys[0] < now:
            surveys = sorted(
                await self.service.list_surveys([Status.OPEN]),
                key=lambda s: (s.opens_at.timestamp() if s.opens_at else 0.0, s.id),
            )
            self._surveys = (now + self.ttl, surveys)
        return self._surveys[1]

    async def _roster(self, survey_id: str) -> frozenset[Participant]:
        now = time.monotonic()
        cached = self._rosters.get(survey_id)
        if cached is None or cached[0] < now:
            cached = (now + self.ttl, frozenset(await self.service.roster(survey_id)))
            self._rosters[survey_id] = cached
        return cached[1]

    async def refresh(self, user_id: str, opened: str | None = None) -> list[str]:
        """`opened`: a survey just opened, which the cache may not hold yet."""
        if opened is not None and opened not in {s.id for s in await self._open_surveys()}:
            self._surveys = None
        participant = Participant("matrix", user_id)
        if opened is not None and participant not in await self._roster(opened):
            self._rosters.pop(opened, None)  # added to the roster since it was cached
        mine = [s.id for s in await self._open_surveys() if participant in await self._roster(s.id)]
        self._open[user_id] = mine
        return mine

    def closed(self, survey_id: str) -> None:
        self._surveys = None
        self._rosters.pop(survey_id, None)
        for ids in self._open.values():
            if survey_id in ids:
                ids.remove(survey_id)

    def ordinal(self, user_id: str, survey_id: str) -> str:
        """ "Survey 2 of 2" while this person has more than one survey open, else ""."""
        ids = self._open.get(user_id, [])
        if len(ids) < 2 or survey_id not in ids:
            return ""
        return f"Survey {ids.index(survey_id) + 1} of {len(ids)}"

    def nth(self, user_id: str, number: int) -> str | None:
        ids = self._open.get(user_id, [])
        return ids[number - 1] if 1 <= number <= len(ids) else None

    def count(self, user_id: str) -> int:
        return len(self._open.get(user_id, []))
