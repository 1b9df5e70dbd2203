"""`canvass run` without a chat platform: the console adapter on standard input and output."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
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
        self.session = ConsoleSession(core.service, core.commands, self.messenger, write, renderer=core.renderer)
        self._stopped = asyncio.Event()
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._done = asyncio.Event()  # clear while `run` may be executing a line
        self._done.set()
        core.service.events.subscribe(self._on_core_event)

    async def run(self) -> None:
        self._done.clear()
        print("Canvass console. You are 'organiser'; /as NAME acts as someone else; /help lists the rest.")
        # A daemon thread, not the loop's executor: a blocked readline would keep a stopping process
        # alive (asyncio.run waits for its executor) until someone pressed Enter.
        loop = asyncio.get_running_loop()
        threading.Thread(target=_read_lines, args=(loop, self._lines), name="console-stdin", daemon=True).start()
        try:
            while not self._stopped.is_set():
                line = await self._lines.get()
                if self._stopped.is_set() or not line or line.strip() == "/quit":
                    return
                await self.session.exec(line)
        finally:
            self._done.set()

    async def stop(self) -> None:
        """No new line is read; the one being executed finishes (within the shutdown grace)."""
        self._stopped.set()
        self._lines.put_nowait("")
        grace = self.core.config.canvass.shutdown_grace_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), grace)

    async def _on_core_event(self, event: Event) -> None:
        # A live survey's new snapshot (published after k new ballots) goes to its console channels, as Slack
        # and Matrix post theirs. The event bus logs a failure here; it never reaches the voter.
        if isinstance(event, LiveResultsChanged):
            survey = await self.core.service.get(event.survey_id)
            targets = [t for t in survey.targets if t.platform == PLATFORM]
            if targets:
                await self.core.delivery.post_results(None, survey.id, targets)


def _read_lines(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str]) -> None:
    while True:
        line = sys.stdin.readline()
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the loop is closed: the bot has stopped
            return
        if not line:
            return


def create(core: Any) -> ConsoleAdapter:
    return ConsoleAdapter(core)
