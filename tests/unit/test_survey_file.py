from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.demo import EXAMPLE, LESSONS_EXAMPLE
from bot.domain import Actor, QuestionKind, ResultsMode, Target
from bot.errors import InvalidInput
from bot.survey_file import SurveyFileError, check_survey, parse_survey

NOW = datetime(2026, 11, 1, tzinfo=UTC)
NOW0 = datetime(2026, 10, 1, tzinfo=UTC)
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
    lessons = parse(LESSONS_EXAMPLE.read_text(encoding="utf-8"))
    # The two shipped questionnaires between them show every kind; the lessons-learnt one the two newest.
    assert {q.kind for q in spec.questions} | {q.kind for q in lessons.questions} == set(QuestionKind)
    assert [q.kind for q in lessons.questions][:2] == [QuestionKind.GRID, QuestionKind.LESSONS]
    assert spec.closes_at == datetime(2027, 12, 6, 14, 0, tzinfo=UTC)  # 15:00 Brussels
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


BROKEN = """\
title = "T"
timezone = "Europe/Brusels"
opens_at = "2026-12-01 09:00"
colour = "red"

[[questions]]
kind = "single"
text = "Q1?"
options = ["A", "B"]

[[questions]]
kind = "single"
text = "Q2?"
options = [
  "A",
  "B",
  "x",
  "y",
  "%s",
]

[[questions]]
kind = "essay"
text = "Q3?"
""" % ("z" * 76)


def problems(text: str, **kw: object) -> list[tuple[int | None, str | None]]:
    with pytest.raises(SurveyFileError) as error:
        parse_survey(text, "Europe/Brussels", 5, NOW, **kw)  # type: ignore[arg-type]
    return [(p.line, p.field) for p in error.value.problems]


def test_every_problem_is_reported_at_once_with_its_line_and_field() -> None:
    assert problems(BROKEN) == [
        (2, "timezone"),
        (4, "colour"),
        (19, "questions[1].options[4]"),
        (23, "questions[2].kind"),
    ]
    with pytest.raises(SurveyFileError) as error:
        parse(BROKEN)
    text = str(error.value)
    assert text.startswith("4 problems:\n")
    # questions and options are counted from 1, as the organiser counts them
    assert "  line 19, question 2, option 5: an option may have at most 75 characters (got 76)" in text
    assert "  line 2, timezone: unknown time zone 'Europe/Brusels'" in text


def test_an_unknown_time_zone_is_blamed_on_timezone_not_on_the_times() -> None:
    text = VALID.replace('title = "T"', 'title = "T"\ntimezone = "Mars/Olympus"\nopens_at = "2026-12-01 09:00"')
    assert problems(text) == [(3, "timezone")]


def test_a_bad_time_is_still_reported_next_to_an_unknown_zone() -> None:
    text = VALID.replace('title = "T"', 'title = "T"\ntimezone = "Mars/Olympus"').replace("2026-12-08 15:00", "soon")
    assert problems(text) == [(3, "timezone"), (4, "closes_at")]  # VALID starts with an empty line


async def test_in_chat_lines_count_from_the_line_with_survey(delivery: Delivery, clock: ManualClock) -> None:
    handler = CommandHandler(delivery, clock, "Europe/Brussels", 5)
    message = 'survey\ntitle = "T"\n[[questions]]\nkind = "single"\ntext = "Q?"\noptions = ["only one"]'

    async def run(text: str) -> str:
        with pytest.raises(InvalidInput) as error:
            await handler.handle_text(Actor("console", "organiser"), Target("console", "general"), text)
        return str(error.value)

    # `options` is on the 6th line of the message the organiser typed
    assert (await run(message)) == "line 6, question 1, options: a single question needs at least 2 options"
    fenced = message.replace("survey\n", "survey\n```toml\n") + "\n```"
    assert (await run(fenced)).startswith("line 7, question 1, options:")
    syntax = 'survey\ntitle = "T"\nkind = = "x"'
    assert (await run(syntax)).startswith("line 3: not valid TOML")


def test_no_targets_is_a_warning_not_an_error() -> None:
    checked = check_survey(VALID, "Europe/Brussels", 5, NOW)
    assert [(w.field, "would send to nobody" in w.reason) for w in checked.warnings] == [("targets", True)]
    with_roster = check_survey(VALID.replace('title = "T"', 'title = "T"\nroster = ["slack:U1"]'), "UTC", 5, NOW)
    assert ["no channel" in w.reason for w in with_roster.warnings] == [True]
    targeted = VALID.replace('title = "T"', 'title = "T"\ntargets = [{platform = "slack", channel = "C1"}]')
    assert check_survey(targeted, "UTC", 5, NOW).warnings == ()


def test_a_reminder_before_close_needs_closes_at() -> None:
    text = VALID.replace('closes_at = "2026-12-08 15:00"\n', "") + '[[reminders]]\nbefore_close = "24h"\n'
    assert problems(text) == [(8, "reminders[0].before_close")]


def test_a_closing_time_in_the_past_is_refused_at_validate() -> None:
    with pytest.raises(SurveyFileError, match="closing time is in the past"):
        parse_survey(VALID, "Europe/Brussels", 5, datetime(2026, 12, 9, tzinfo=UTC))
    # the demo replaces the times, so it may skip this check
    assert parse_survey(VALID, "Europe/Brussels", 5, datetime(2026, 12, 9, tzinfo=UTC), check_times=False)


@pytest.mark.parametrize("value", ['"2026-12-20"', "2026-12-20", '"2026-12-20 Europe/Brussels"'])
def test_a_date_without_a_time_is_refused(value: str) -> None:
    with pytest.raises(SurveyFileError, match="has no time of day") as error:
        parse(VALID.replace('"2026-12-08 15:00"', value))
    assert error.value.field == "closes_at"


def test_a_time_in_the_repeated_hour_needs_an_explicit_offset() -> None:
    # 25 Oct 2026: Brussels goes from 03:00 CEST back to 02:00 CET, so 02:30 happens twice
    with pytest.raises(SurveyFileError, match=r"happens twice .* 2026-10-25 02:30\+02:00 for the first"):
        parse_survey(VALID.replace("2026-12-08 15:00", "2026-10-25 02:30"), "Europe/Brussels", 5, NOW0)
    second = parse_survey(VALID.replace("2026-12-08 15:00", "2026-10-25 02:30+01:00"), "Europe/Brussels", 5, NOW0)
    assert second.closes_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    gap = VALID.replace("2026-12-08 15:00", "2026-03-29 02:30")
    with pytest.raises(SurveyFileError, match="does not exist"):
        parse_survey(gap, "Europe/Brussels", 5, datetime(2026, 3, 1, tzinfo=UTC))
