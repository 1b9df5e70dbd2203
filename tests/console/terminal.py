"""The console adapter as a terminal the tests type into (errbot-style readable tests), shared by the
console, core and presenter tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

from adapters.console.plugin import ConsoleAdapter
from adapters.console.session import ConsoleSession
from bot.bootstrap import Core


class Terminal:
    def __init__(self, session: ConsoleSession, lines: list[str]) -> None:
        self.session = session
        self.lines = lines

    async def type(self, line: str) -> str:
        start = len(self.lines)
        await self.session.exec(line)
        return "\n".join(self.lines[start:])


def console_terminal(core: Core, members: Sequence[str] = ()) -> Terminal:
    """The console adapter as `canvass run` wires it (bot.bootstrap.load_adapter), writing into a list;
    `members` are the people in its one channel."""
    lines: list[str] = []
    adapter = ConsoleAdapter(core, write=lines.append)
    adapter.messenger.members.extend(members)
    core.messengers.add(adapter.messenger)
    return Terminal(adapter.session, lines)


def survey_id_from(text: str) -> str:
    match = re.search(r"\[([a-z0-9]{7})\]", text)
    assert match, text
    return match.group(1)
