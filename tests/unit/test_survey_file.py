from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.demo import EXAMPLE
from bot.domain import QuestionKind, ResultsMode
from bot.errors import InvalidInput
from bot.survey_file import parse_survey

NOW = datetime(2026, 11, 1, tzinfo=UTC)
VALID = """
title = "T"
closes_at = "2026-12-08 15:00"
[[questions]]
kind = "single"
text = "Q?"
options = ["A", "B"]
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_survey(text, "Europe/Brussels", 5, NOW)


def test_the_shipped_example_is_valid_and_complete() -> None:
    spec = parse(EXAMPLE.read_text(encoding="utf-8"))
    assert {q.kind for q in spec.questions} == set(QuestionKind)
    assert spec.closes_at == datetime(2026, 12, 8, 14, 0, tzinfo=UTC)  # 15:00 Brussels
    assert spec.results_mode is ResultsMode.AFTER_CLOSE
    assert [r.before_close_seconds for r in spec.reminders] == [86400, 3600]
    nps = spec.questions[3]
    assert (nps.scale_min, nps.scale_max, nps.min_label) == (0, 10, "Not at all likely")


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (('options = ["A", "B"]', 'options = ["A"]'), "questions[0].options", "at least 2"),
        (('kind = "single"', 'kind = "essay"'), "questions[0].kind", "unknown kind 'essay'"),
        (('text = "Q?"', "text = 5"), "questions[0].text", "must be str"),
        (('title = "T"', 'title = "T"\nresults = "sometimes"'), "results", "live, after_close or organisers"),
        (('title = "T"', 'title = "T"\nmin_respondents = 1'), "min_respondents", "at least 3"),
        (('closes_at = "2026-12-08 15:00"', 'closes_at = "next week"'), "closes_at", "cannot read"),
        (('title = "T"', 'title = "T"\ncolour = "red"'), "colour", "unknown key"),
        (('options = ["A", "B"]', 'options = ["A", "B"]\nweight = 2'), "questions[0].weight", "unknown key"),
        (('title = "T"', 'title = "T"\ntargets = [{platform = "irc", channel = "x"}]'), "targets[0].platform", "slack"),
        (('title = "T"', 'title = "T"\nroster = ["alice"]'), "roster[0]", "slack:U0123"),
        (('options = ["A", "B"]', 'options = ["A", "B"]\n[[reminders]]\nmessage = "hi"'), "reminders[0]", "one of"),
    ],
)
def test_invalid_files_name_the_field_and_the_reason(edit: tuple[str, str], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse(VALID.replace(*edit))
    assert error.value.field == field
    assert reason in str(error.value)


def test_broken_toml_is_reported() -> None:
    with pytest.raises(InvalidInput, match="not valid TOML"):
        parse('title = "unterminated')
