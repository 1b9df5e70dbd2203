"""The console demo's break: someone who joined after the poll opened answered ("6 of 1 invited")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.messenger import ConsoleMessenger
from adapters.console.session import ConsoleSession
from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig
from tests.console.terminal import Terminal, survey_id_from


@pytest.fixture
async def terminal(tmp_path: Path) -> AsyncIterator[Terminal]:
    config = Config(canvass=CoreConfig(data_dir=str(tmp_path), organisers=["console:organiser"], default_k=3))
    core: Core = await build_core(config, with_charts=False)
    lines: list[str] = []
    messenger = ConsoleMessenger(write=lines.append)
    core.messengers.add(messenger)
    yield Terminal(ConsoleSession(core.service, core.commands, messenger, lines.append), lines)
    await core.close()


async def test_a_late_joiner_is_refused_until_the_organiser_adds_them(terminal: Terminal) -> None:
    await terminal.type("/as ana")
    await terminal.type("/as organiser")
    poll = survey_id_from(await terminal.type('/canvass poll "Lunch?" "Pizza" "Sushi" --k 3'))
    for late in ("ben", "cy", "dee"):
        await terminal.type(f"/as {late}")  # joins the channel after the poll opened
        refused = await terminal.type(f"/vote {poll} 1")
        assert "not on the list of people invited to answer “Lunch?”" in refused and "recorded" not in refused
    await terminal.type("/as organiser")
    added = await terminal.type(f"/canvass roster {poll} add ben cy")
    assert "Added 2" in added and "3 invited" in added
    for name in ("ana", "ben", "cy"):
        await terminal.type(f"/as {name}")
        assert "recorded" in await terminal.type(f"/vote {poll} 1")
    await terminal.type("/as organiser")
    closed = await terminal.type(f"/canvass close {poll}")
    assert "respondents: 3 of 3 invited" in closed, closed
