"""Fuzzing the text parsers every adapter shares: never an unhandled exception, always a clear error."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import Command, parse_command
from bot.domain import Question, QuestionKind
from bot.errors import InvalidInput
from bot.kinds_text import parse_grid_reply, parse_lesson_reply
from bot.survey_file import parse_survey
from bot.timeparse import parse_time
from bot.validation import validate_answer

NOW = datetime(2026, 11, 22, tzinfo=UTC)
WORDS = st.sampled_from(
    ["poll", "survey", "close", "results", "remind", "add", "cancel", "list", "extend", "before", "close",
     "--multi", "--scale", "--nps", "--text", "--ranking", "--closes", "--live", "--k", "--labels", "1-5",
     "0-10", "in 2h", '"', "'", "“", "”", "\n", "```", "abc1234", "#general", "24h", "--daily", "--channel"]
)  # fmt: skip
COMMAND_TEXT = st.one_of(
    st.text(max_size=300), st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=14).map(" ".join)
)

TOML_PIECES = st.sampled_from(
    ['title = "T"', 'title = 5', "[[questions]]", 'kind = "single"', 'kind = "scale"', 'kind = "ranking"',
     'kind = "multi"', 'kind = "text"', 'kind = "bogus"', 'text = "Q?"', 'options = ["A", "B"]', "options = [1, 2]",
     "options = []", "min = 0", "max = 10", "max = 99", "max_selections = 7", 'closes_at = "2026-12-08 15:00"',
     'closes_at = "soon"', "closes_at = 2026-12-08T15:00:00", 'results = "live"', "min_respondents = 2",
     'timezone = "Nowhere/Land"', "[[reminders]]", 'before_close = "24h"', 'at = "2026-12-01 09:00"',
     'audience = "channel"', "daily = true", 'roster = ["slack:U1"]', "roster = [3]", "targets = [1]",
     'targets = [{platform = "matrix", channel = "!r:x"}]', "= broken", "[questions]", 'required = "yes"',
     'kind = "grid"', 'kind = "lessons"', 'rows = ["Sanctions", "Mediation"]', "rows = []", "rows = [1]",
     'categories = ["process", "effect"]', "categories = [2]", "max_entries = 0", "max_entries = 3",
     'max_entries = "ten"']
)  # fmt: skip


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMAND_TEXT)
def test_command_parser_returns_a_command_or_a_clear_error(text: str) -> None:
    try:
        command: Command = parse_command(text)
    except InvalidInput as error:
        assert str(error).strip()
        assert "Traceback" not in str(error)
    else:
        assert command is not None


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOML_PIECES, max_size=25).map("\n".join))
def test_survey_loader_returns_a_survey_or_names_the_problem(text: str) -> None:
    try:
        spec = parse_survey(text, "Europe/Brussels", 5, NOW)
    except InvalidInput as error:
        assert str(error).strip()
    else:
        assert spec.title and spec.questions and spec.k >= 3


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_time_parser_never_crashes(text: str) -> None:
    try:
        moment = parse_time(text, "Europe/Brussels", NOW)
    except InvalidInput:
        return
    assert moment.tzinfo is not None


GRID = Question("g", 0, QuestionKind.GRID, "Rate", rows=("A", "B", "C"), required=False)
LESSONS = Question("l", 1, QuestionKind.LESSONS, "L", categories=("process", "follow - up"), max_entries=3)
REPLY_PIECES = st.sampled_from(["1", "5", "9", "-", "+", "|", "process", "follow - up", "2", ",", " ", "−", "x"])
RAW = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(REPLY_PIECES, max_size=10).map(" ".join)))
def test_grid_and_lesson_replies_parse_or_say_why(text: str) -> None:
    for parse, question in ((parse_grid_reply, GRID), (parse_lesson_reply, LESSONS)):
        try:
            parse(question, text)  # type: ignore[operator]
        except InvalidInput as error:
            assert error.reason.strip()


@settings(max_examples=1500, deadline=None)
@given(RAW)
def test_grid_and_lessons_answers_validate_or_say_why(raw: object) -> None:
    for question in (GRID, LESSONS):
        try:
            validate_answer(question, raw)
        except InvalidInput as error:
            assert error.reason.strip()
