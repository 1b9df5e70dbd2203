"""`canvass run` without a chat platform: the console adapter on standard input and output."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from adapters.console.messenger import ConsoleMessenger
from adapters.console.session import ConsoleSession


class ConsoleAdapter:
    platform = "console"

    def __init__(self, core: Any) -> None:
        self.messenger = ConsoleMessenger(write=print, chart_dir=core.config.data_path / "charts")
        self.session = ConsoleSession(core.service, core.commands, self.messenger, print)
        self._stopped = asyncio.Event()

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


def create(core: Any) -> ConsoleAdapter:
    return ConsoleAdapter(core)
