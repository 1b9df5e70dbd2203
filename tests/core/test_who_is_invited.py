"""Who is invited when the roster is taken from a channel: people who can answer, not those running it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig
from bot.domain import Participant, ResultsMode, Status, Survey
from bot.invited import answering_members
from tests.console.terminal import Terminal, console_terminal, survey_id_from


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    organisers = ["console:organiser", "console:chair"]
    config = Config(canvass=CoreConfig(data_dir=str(tmp_path), organisers=organisers, default_k=3))
    core = await build_core(config, with_charts=False)
    yield core
    await core.close()


@pytest.fixture
def terminal(core: Core) -> Terminal:
    return console_terminal(core, members=["organiser", "chair", "ana", "ben", "cy"])


SURVEY = 'title = "Retro"\n{extra}[[questions]]\nkind = "scale"\ntext = "How was it?"\n'


async def _invited(terminal: Terminal, core: Core, tmp_path: Path, extra: str = "") -> list[str]:
    path = tmp_path / f"s{len(extra)}.toml"
    path.write_text(SURVEY.format(extra=extra), encoding="utf-8")
    created = await terminal.type(f"/survey {path}")
    survey = survey_id_from(created)
    await terminal.type(f"/canvass open {survey}")
    return sorted(p.user_id for p in await core.service.roster(survey))


async def test_organisers_are_not_counted_as_invited_by_default(terminal: Terminal, core: Core, tmp_path: Path) -> None:
    assert await _invited(terminal, core, tmp_path) == ["ana", "ben", "cy"]


async def test_an_organiser_can_include_them(terminal: Terminal, core: Core, tmp_path: Path) -> None:
    invited = await _invited(terminal, core, tmp_path, "include_organisers = true\n")
    assert invited == ["ana", "ben", "chair", "cy", "organiser"]


def test_the_rule_leaves_out_the_creator_too() -> None:
    survey = replace(survey_spec_survey(), created_by="slack:UCREATOR")
    members = [Participant("slack", u) for u in ("UCREATOR", "UORG", "U1")]
    assert [p.user_id for p in answering_members(members, survey, frozenset({"slack:UORG"}))] == ["U1"]
    assert len(answering_members(members, survey, frozenset({"slack:UORG"}), include_organisers=True)) == 3


def survey_spec_survey() -> Survey:
    return Survey("s", "T", Status.OPEN, (), (), ResultsMode.AFTER_CLOSE, 3, None, None, "UTC", "console:x")
