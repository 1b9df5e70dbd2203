"""Small builders for surveys used across tests."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import Actor, QuestionKind, QuestionSpec, ResultsMode, SurveySpec, Target
from tests.conftest import START

ORGANISER = Actor("console", "organiser")
CHANNEL = Target("console", "plenary")


def every_kind() -> tuple[QuestionSpec, ...]:
    return (
        QuestionSpec(QuestionKind.SINGLE, "Pick one", ("Red", "Green", "Blue")),
        QuestionSpec(QuestionKind.MULTI, "Pick some", ("A", "B", "C", "D"), max_selections=3),
        QuestionSpec(QuestionKind.SCALE, "Agree?", scale_min=1, scale_max=5, min_label="No", max_label="Yes"),
        QuestionSpec(QuestionKind.SCALE, "Recommend?", scale_min=0, scale_max=10),
        QuestionSpec(QuestionKind.RANKING, "Rank", ("X", "Y", "Z")),
        QuestionSpec(QuestionKind.TEXT, "Say", required=False),
    )


def survey_spec(
    questions: tuple[QuestionSpec, ...] | None = None,
    k: int = 5,
    mode: ResultsMode = ResultsMode.AFTER_CLOSE,
    days: int = 7,
) -> SurveySpec:
    return SurveySpec(
        title="Test survey",
        questions=questions or every_kind(),
        targets=(CHANNEL,),
        results_mode=mode,
        k=k,
        closes_at=START + timedelta(days=days),
        timezone="Europe/Brussels",
    )
