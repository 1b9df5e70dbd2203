"""A participant's own ballot, read back for a prefill, and their answers in words (issue 11)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.answer_words import answer_in_words, answers_in_words
from bot.contribution import NOT_STORED, contribution_text
from bot.domain import Participant
from bot.errors import SurveyNotOpen
from bot.service import Canvass
from tests.factories import ORGANISER, survey_spec

ROOT = Path(__file__).resolve().parents[2]
ANA, BEN = Participant("console", "ana"), Participant("console", "ben")


async def test_own_answers_returns_only_ones_own_and_refuses_after_close(service: Canvass) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec())
    await service.open_survey(ORGANISER, survey.id, [ANA, BEN])
    single, multi, agree, nps, rank, say = (q.id for q in survey.questions)
    mine = {single: 2, multi: [0, 3], agree: 4, nps: 9, rank: [2, 0, 1]}  # the optional text skipped
    await service.submit(ANA, survey.id, mine)
    await service.submit(BEN, survey.id, {single: 0, multi: [1], agree: 1, nps: 0, rank: [0, 1, 2], say: "ben's"})
    own = await service.own_answers(ANA, survey.id)
    assert own == {single: 2, multi: (0, 3), agree: 4, nps: 9, rank: (2, 0, 1)}
    assert say not in own  # skipped stays skipped
    assert await service.own_answers(Participant("console", "nobody"), survey.id) == {}
    await service.close_survey(ORGANISER, survey.id)
    with pytest.raises(SurveyNotOpen):
        await service.own_answers(ANA, survey.id)


async def test_answers_in_words_and_the_copy(service: Canvass) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec())
    single, multi, agree, nps, rank, say = survey.questions
    assert answer_in_words(single, 2) == "Blue"
    assert answer_in_words(multi, (0, 3)) == "A, D"
    assert answer_in_words(agree, 4) == "4 (of 1 = No … 5 = Yes)"
    assert answer_in_words(nps, 9) == "9 (of 0 to 10)"
    assert answer_in_words(rank, (2, 0, 1)) == "1. Z  2. X  3. Y"
    assert answer_in_words(say, "as is") == "as is"
    # A shape this module does not know (a future kind's answer) still reads as words, never a repr.
    assert answer_in_words(single, (0, 1)) == "Red, Green"
    assert answer_in_words(say, {"row 1": 4, "row 2": 2}) == "row 1: 4; row 2: 2"  # type: ignore[arg-type]
    words = answers_in_words(survey, {single.id: 0, say.id: "hi"})
    assert [w for _, w in words] == ["Red", None, None, None, None, "hi"]
    receipt = await _submitted(service, survey.id)
    assert receipt.submitted_at is not None
    text = contribution_text(await service.get(survey.id), receipt.answers, receipt.submitted_at)
    assert "Test survey" in text and "1. Pick one\n   Blue" in text and "(skipped)" in text
    assert "Tue 01 Dec 2026 09:00 Europe/Brussels" in text  # START, 08:00 UTC, in the survey's zone
    assert NOT_STORED in text and "(0, 3)" not in text and "(2, 0, 1)" not in text


async def _submitted(service: Canvass, survey_id: str):  # type: ignore[no-untyped-def]
    survey = await service.open_survey(ORGANISER, survey_id, [ANA])
    single, multi, agree, nps, rank, _say = (q.id for q in survey.questions)
    return await service.submit(ANA, survey.id, {single: 2, multi: [0, 3], agree: 4, nps: 9, rank: [2, 0, 1]})


def test_only_answer_opening_handlers_read_an_own_ballot() -> None:
    """own_answers puts one person's answers side by side: only that person's own answer-opening request
    may call it. A new caller has to be added here, on purpose, after thinking about who runs it."""
    found = subprocess.run(
        ["grep", "-rn", "--include=*.py", r"own_answers(\|own_ballots(", "bot", "adapters", "storage", "charts"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    callers = sorted({line.split(":", 1)[0] for line in found.splitlines() if not re.search(r"def own_", line)})
    allowed = {
        "bot/service.py",  # the entry point, delegating
        "bot/own_ballot.py",  # computes the slots and calls the port
        "adapters/console/session.py",  # /answer, /draft, /submit of the console's current user
        "adapters/slack/handlers/answering.py",  # the answer modal, opened by a signed interaction
        "adapters/matrix/conversation.py",  # the DM conversation with that sender
        "adapters/matrix/keywords.py",  # its `change`, typed by that sender in their DM
        "adapters/matrix/edits.py",  # a delegation's answers after it submitted, for that sender's DM message
    }
    assert set(callers) <= allowed, callers
    assert "adapters/slack/handlers/answering.py" in callers and "adapters/console/session.py" in callers
