from __future__ import annotations

import re

import pytest

from bot.domain import Question, QuestionKind, QuestionSpec, SurveySpec
from bot.errors import InvalidInput
from bot.validation import validate_answer, validate_survey

SINGLE = Question("s.1", 0, QuestionKind.SINGLE, "Q", ("A", "B", "C"))
MULTI = Question("s.2", 1, QuestionKind.MULTI, "Q", ("A", "B", "C", "D"), max_selections=2)
SCALE = Question("s.3", 2, QuestionKind.SCALE, "Q", scale_min=1, scale_max=5)
RANKING = Question("s.4", 3, QuestionKind.RANKING, "Q", ("A", "B", "C"))
TEXT = Question("s.5", 4, QuestionKind.TEXT, "Q")


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (SINGLE, 3, "there is no option 4"),
        (SINGLE, -1, "there is no option 0"),
        (SINGLE, "x", "whole number"),
        (SINGLE, True, "whole number"),
        (MULTI, [0, 1, 2], "at most 2"),
        (MULTI, [], "at least one"),
        (MULTI, [9], "there is no option 10"),
        (SCALE, 6, "from 1 to 5"),
        (SCALE, 0, "from 1 to 5"),
        (RANKING, [0, 1], "rank every option"),
        (RANKING, [0, 0, 1], "rank every option"),
        (TEXT, "x" * 2001, "at most 2000 characters (got 2001)"),
        (TEXT, "   ", "empty"),
        (TEXT, 5, "must be text"),
    ],
)
def test_bad_answers_are_rejected_with_a_reason(question: Question, raw: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        validate_answer(question, raw)


def test_good_answers_are_canonical() -> None:
    assert validate_answer(SINGLE, "2") == 2
    assert validate_answer(MULTI, [2, 0, 2]) == (0, 2)
    assert validate_answer(RANKING, [2, 0, 1]) == (2, 0, 1)
    assert validate_answer(TEXT, "  hi  ") == "hi"
    assert validate_answer(TEXT, "x" * 2000) == "x" * 2000


def spec(*questions: QuestionSpec, k: int = 5) -> SurveySpec:
    return SurveySpec(title="T", questions=questions, k=k)


@pytest.mark.parametrize(
    ("question", "field", "reason"),
    [
        (QuestionSpec(QuestionKind.SINGLE, "Q", tuple(f"o{i}" for i in range(21))), "questions[0].options", "most 20"),
        (QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "x" * 76)), "questions[0].options[1]", "at most 75"),
        (QuestionSpec(QuestionKind.SINGLE, "x" * 301, ("A", "B")), "questions[0].text", "at most 300"),
        (QuestionSpec(QuestionKind.SINGLE, "Q", ("A",)), "questions[0].options", "at least 2"),
        (QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "a")), "questions[0].options[1]", "appears twice"),
        (QuestionSpec(QuestionKind.MULTI, "Q", ("A", "B"), max_selections=3), "questions[0].max_selections", "between"),
        (QuestionSpec(QuestionKind.SCALE, "Q", scale_min=5, scale_max=1), "questions[0].max", "below"),
        (QuestionSpec(QuestionKind.SCALE, "Q", scale_min=0, scale_max=20), "questions[0].max", "at most 11"),
    ],
)
def test_limits_are_rejected_not_truncated(question: QuestionSpec, field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as error:
        validate_survey(spec(question))
    assert error.value.field == field
    assert reason in str(error.value)


def test_k_never_below_three() -> None:
    with pytest.raises(InvalidInput, match="at least 3"):
        validate_survey(spec(QuestionSpec(QuestionKind.TEXT, "Q"), k=2))
    validate_survey(spec(QuestionSpec(QuestionKind.TEXT, "Q"), k=3))


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u200b", "\ufeff", "\x1b"])
def test_invisible_direction_and_control_characters_are_refused_in_a_definition(hidden: str) -> None:
    """An option ending in U+202E would reverse the count and percentage printed after it."""
    spec = SurveySpec(title="Budget", questions=(QuestionSpec(QuestionKind.SINGLE, "Q?", ("Keep", f"Cut{hidden}")),))
    with pytest.raises(InvalidInput, match="invisible") as raised:
        validate_survey(spec)
    assert raised.value.field == "questions[0].options[1]"
    with pytest.raises(InvalidInput, match="invisible"):
        validate_survey(
            SurveySpec(
                title=f"Bud{hidden}get",
                questions=(QuestionSpec(QuestionKind.SINGLE, "Q?", ("Keep", "Cut")),),
            )
        )


def test_invisible_characters_are_dropped_from_a_text_answer_but_emoji_and_rtl_marks_stay() -> None:
    assert validate_answer(TEXT, "fine\u202e 42%\u2066") == "fine 42%"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by U+200D
    assert validate_answer(TEXT, f"שלום\u200f {family}") == f"שלום\u200f {family}"
