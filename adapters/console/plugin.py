"""`canvass run` without a chat platform: the console adapter on standard input and output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

from adapters.console.messenger import PLATFORM, ConsoleMessenger
from adapters.console.session import ConsoleSession
from bot.events import Event, LiveResultsChanged


class ConsoleAdapter:
    platform = PLATFORM

    def __init__(self, core: Any, write: Callable[[str], None] = print) -> None:
        self.core = core
        self.messenger = ConsoleMessenger(write=write, chart_dir=core.config.data_path / "charts")
        self.session = ConsoleSession(core.service, core.commands, self.messenger, write)
        self._stopped = asyncio.Event()
        core.service.events.subscribe(self._on_core_event)

    async def run(self) -> None:
        print("Canvass console. You are 'organiser'; /as NAME acts as someone else; /help lists the rest.")
        loop = asyncio.get_running_loop()
        while not self._stopped.is_set():
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "/quit":
                return
            await self.session.exec(line)

    async def stop(self) -> None:
        self._stopped.set()

    async def _on_core_event(self, event: Event) -> None:
        # A live survey's new snapshot (published after k new ballots) goes to its console channels, as Slack
        # and Matrix post theirs. The event bus logs a failure here; it never reaches the voter.
        if isinstance(event, LiveResultsChanged):
            survey = await self.core.service.get(event.survey_id)
            targets = [t for t in survey.targets if t.platform == PLATFORM]
            if targets:
                await self.core.delivery.post_results(None, survey.id, targets)


def create(core: Any) -> ConsoleAdapter:
    return ConsoleAdapter(core)
