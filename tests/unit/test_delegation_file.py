"""Delegations written in a survey file: `[[delegations]]` tables beside the questions (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import Participant
from bot.survey_file import SurveyFileError, check_survey

NOW = datetime(2026, 11, 1, tzinfo=UTC)
HEAD = """title = "Lessons"
closes_at = "2026-12-08 15:00"
targets = [{platform = "slack", channel = "C1"}]
"""
QUESTION = """
[[questions]]
kind = "single"
text = "Q?"
options = ["A", "B"]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(SurveyFileError) as raised:
        check_survey(text, "Europe/Brussels", 3, NOW)
    return [str(p) for p in raised.value.problems]


def test_delegations_are_read_with_members_on_both_platforms() -> None:
    text = (
        HEAD
        + """
[[delegations]]
name = "Belgium"
members = ["slack:U123", "matrix:@a:hs.example"]

[[delegations]]
name = "Estonia"
members = ["matrix:@b:hs.example"]
"""
        + QUESTION
    )
    checked = check_survey(text, "Europe/Brussels", 3, NOW)
    spec = checked.spec
    # Two delegations can never reach k = 3: said at validate, not discovered at close.
    assert [str(w) for w in checked.warnings] == [
        "min_respondents: only 2 delegations, but results need at least 3 (k counts delegations): "
        "nothing will ever be shown"
    ]
    assert spec.roster is None and spec.delegations is not None
    assert [(d.name, d.members) for d in spec.delegations] == [
        ("Belgium", (Participant("slack", "U123"), Participant("matrix", "@a:hs.example"))),
        ("Estonia", (Participant("matrix", "@b:hs.example"),)),
    ]


def test_a_member_in_two_delegations_and_an_empty_one_are_refused_with_their_lines() -> None:
    text = (
        HEAD
        + """
[[delegations]]
name = "Belgium"
members = ["slack:U123", "matrix:@a:hs.example"]

[[delegations]]
name = "France"
members = [
  "slack:U9",
  "matrix:@a:hs.example",
]

[[delegations]]
name = "Empty"
members = []
"""
        + QUESTION
    )
    assert problems(text) == [
        "line 13, delegations[1], members[1]: matrix:@a:hs.example is already a member of delegation "
        "'Belgium'; a member may be in one delegation of a survey only",
        "line 18, delegations[2], members: delegation 'Empty' has no members",
    ]


def test_a_roster_beside_delegations_a_bad_member_and_a_missing_name_are_refused() -> None:
    text = (
        HEAD
        + """roster = ["slack:U1"]

[[delegations]]
members = ["U123"]
"""
        + QUESTION
    )
    found = problems(text)
    assert any("either a roster or delegations" in p for p in found)
    assert any(p.startswith("line 7, delegations[0], members[0]: must look like") for p in found)
    assert any("delegations[0], name: a delegation needs a name" in p for p in found)
