"""The console adapter, driven like a person at a terminal (errbot-style readable tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.messenger import ConsoleMessenger
from adapters.console.session import ConsoleSession
from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig


class Terminal:
    def __init__(self, session: ConsoleSession, lines: list[str]) -> None:
        self.session = session
        self.lines = lines

    async def type(self, line: str) -> str:
        start = len(self.lines)
        await self.session.exec(line)
        return "\n".join(self.lines[start:])


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    config = Config(canvass=CoreConfig(data_dir=str(tmp_path), organisers=["console:organiser"], default_k=3))
    core = await build_core(config, with_charts=False)
    yield core
    await core.close()


@pytest.fixture
def terminal(core: Core) -> Terminal:
    lines: list[str] = []
    messenger = ConsoleMessenger(write=lines.append)
    core.messengers.add(messenger)
    return Terminal(ConsoleSession(core.service, core.commands, messenger, lines.append), lines)


def survey_id_from(text: str) -> str:
    match = re.search(r"\[([a-z0-9]{7})\]", text)
    assert match, text
    return match.group(1)


async def test_a_quick_poll_from_creation_to_results(terminal: Terminal) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await terminal.type(f"/as {name}")
    await terminal.type("/as organiser")
    created = await terminal.type('/canvass poll "Lunch?" "Pizza" "Sushi"')
    assert "Opened “Lunch?”" in created and "[#general]" in created and "Anonymous" in created
    poll = survey_id_from(created)
    for name, choice in (("ana", 1), ("ben", 2), ("cy", 1), ("dee", 1)):
        await terminal.type(f"/as {name}")
        confirmation = await terminal.type(f"/vote {poll} {choice}")
        assert "(only you see this)" in confirmation and "recorded" in confirmation
    changed = await terminal.type(f"/vote {poll} 2")
    assert "changed" in changed
    await terminal.type("/as organiser")
    closed = await terminal.type(f"/canvass close {poll}")
    assert "with 4 respondents" in closed
    table = closed[closed.index("1. Lunch?"):]
    assert re.search(r"Pizza\s+2\s+50%", table) and re.search(r"Sushi\s+2\s+50%", table)


async def test_survey_with_draft_and_submit(terminal: Terminal, tmp_path: Path) -> None:
    survey_file = tmp_path / "s.toml"
    survey_file.write_text(
        'title = "Prep"\nroster = ["console:ana", "console:ben", "console:cy"]\n'
        '[[questions]]\nkind = "scale"\ntext = "Ready?"\n'
        '[[questions]]\nkind = "text"\ntext = "Why?"\n',
        encoding="utf-8",
    )
    created = await terminal.type(f"/survey {survey_file}")
    survey = survey_id_from(created)
    assert "[DM ana] You are invited" in created
    await terminal.type("/as ana")
    assert "1 of 2 answered" in await terminal.type(f"/answer {survey} 1 4")
    assert "Q1: 4" in await terminal.type(f"/draft {survey}")
    refused = await terminal.type(f"/submit {survey}")
    assert "Please answer question 2" in refused
    await terminal.type(f"/answer {survey} 2 Because we prepared")
    assert "recorded" in await terminal.type(f"/submit {survey}")


async def test_mistakes_get_short_messages_not_tracebacks(terminal: Terminal) -> None:
    created = await terminal.type('/canvass poll "Q?" "A" "B"')
    poll = survey_id_from(created)
    await terminal.type("/as ana")
    cases = {
        f"/vote {poll} 9": "there is no option 9",
        f"/vote {poll} many": "answer with numbers",
        "/vote nosuch 1": "There is no survey with id 'nosuch'",
        f"/canvass close {poll}": "Only organisers",
        "/as": "/as needs one name",
        "/dance": "Unknown input",
        "/survey /no/such/file.toml": "cannot read",
    }
    for line, message in cases.items():
        output = await terminal.type(line)
        assert message in output, line
        assert "Traceback" not in output
