from __future__ import annotations

import pytest

from bot import commands as c
from bot.domain import QuestionKind, ResultsMode
from bot.errors import InvalidInput


def test_quick_poll_with_flags() -> None:
    poll = c.parse_command('poll "Lunch?" "Pizza" "Sushi" "Salad" --multi 2 --closes "in 2h" --live --k 4')
    assert poll == c.Poll(
        "Lunch?", ("Pizza", "Sushi", "Salad"), QuestionKind.MULTI, 2, closes="in 2h",
        results_mode=ResultsMode.LIVE, k=4,
    )  # fmt: skip


def test_scale_nps_text_and_ranking_polls() -> None:
    scale = c.parse_command('poll "Agree?" --scale 1-7 --labels "No" "Yes"')
    assert isinstance(scale, c.Poll)
    assert (scale.kind, scale.scale_min, scale.scale_max, scale.min_label) == (QuestionKind.SCALE, 1, 7, "No")
    nps = c.parse_command('poll "Recommend?" --nps')
    assert isinstance(nps, c.Poll) and (nps.scale_min, nps.scale_max) == (0, 10)
    assert isinstance(c.parse_command('poll "Why?" --text'), c.Poll)
    ranking = c.parse_command("poll 'Order' A B C --ranking")
    assert isinstance(ranking, c.Poll) and ranking.kind is QuestionKind.RANKING


def test_smart_quotes_from_phones_are_accepted() -> None:
    poll = c.parse_command("poll “Lunch?” “Pizza” “Sushi”")
    assert isinstance(poll, c.Poll) and poll.options == ("Pizza", "Sushi")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", c.ListSurveys()),
        ("close abc123", c.CloseSurvey("abc123")),
        ("CLOSE ABC123", c.CloseSurvey("abc123")),
        ("approve ABC123", c.ApproveSurvey("abc123")),
        ("results abc123 #general", c.ShowResults("abc123", "#general")),
        ("extend abc123 2026-12-08 15:00", c.Extend("abc123", "2026-12-08 15:00")),
        ("remind abc123", c.RemindList("abc123")),
        ("remind abc123 cancel 2", c.RemindCancel("abc123", 2)),
        ('remind abc123 add 24h before close --daily "Please answer"',
         c.RemindAdd("abc123", None, "24h", True, "non_respondents", "Please answer")),
        ('remind abc123 add "2026-12-07 09:00" --channel',
         c.RemindAdd("abc123", "2026-12-07 09:00", None, False, "channel", "")),
        ("", c.Help()),
        ("help", c.Help()),
        ("new", c.NewSurveyDialog()),
    ],
)  # fmt: skip
def test_commands(text: str, expected: c.Command) -> None:
    assert c.parse_command(text) == expected


def test_survey_takes_toml_from_following_lines() -> None:
    command = c.parse_command('survey\n```toml\ntitle = "T"\n```')
    assert command == c.SurveyFromToml('title = "T"', first_line=3)  # line 1 is `survey`, line 2 the fence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('poll "Only one" "A"', "at least two options"),
        ("poll", "needs a question"),
        ('poll "Q?" "A" "B" --bogus', "Unknown option --bogus"),
        ('poll "Q?" --scale five', "range such as 1-5"),
        ('poll "Q?" "A" "B" --k', "whole number"),
        ('poll "unterminated', "Could not read"),
        ("close", "needs a survey id"),
        ("close drop;table", "not a survey id"),
        ("frobnicate", "Unknown command"),
        ("remind abc zap", "Unknown remind action"),
        ("survey", "needs the survey in TOML"),
    ],
)
def test_malformed_commands_explain_and_show_usage(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        c.parse_command(text)
    assert message in str(error.value)
    assert "Commands:" in str(error.value)
