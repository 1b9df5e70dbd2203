# ruff: noqa: ASYNC109  (test helpers take plain timeouts on purpose)
"""Shared steps of the Matrix tests."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from nio import RoomMessagesResponse

from tests.matrix.people import Person, body


async def wait_bot_joined(organiser: Person, room: str, bot: str, timeout: float = 30.0) -> None:
    """Asked of the server: a busy room's sync timeline can skip the join event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = getattr(await organiser.client.joined_members(room), "members", [])
        if any(m.user_id == bot for m in members):
            return
        await organiser.sync(timeout_ms=500)
    raise AssertionError("the bot did not join the room")


async def command(organiser: Person, room: str, bot: str, text: str, expect: str, timeout: float = 30.0) -> str:
    mark = organiser.mark()
    await organiser.say(room, text)
    _, reply = await organiser.wait_bot_text(bot, expect, after=mark, room=room, timeout=timeout)
    return body(reply)


def survey_id_in(text: str) -> str:
    match = re.search(r"\[([a-z0-9]+)\]", text)
    assert match, text
    return match.group(1)


async def room_history(person: Person, room: str) -> list[dict[str, Any]]:
    """Every event of a room, oldest first, through /messages (sync timelines may have gaps)."""
    events: list[dict[str, Any]] = []
    token = person.client.next_batch
    while True:
        page = await person.client.room_messages(room, start=token, limit=100)
        assert isinstance(page, RoomMessagesResponse), page
        events.extend(e.source for e in page.chunk)
        if not page.chunk or not page.end:
            break
        token = page.end
    return list(reversed(events))


def html_sections(formatted: str) -> dict[int, str]:
    """Question number -> its part of the results HTML."""
    parts = re.split(r"<h4>Q(\d+)\. ", formatted)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def table_counts(section: str) -> dict[str, int]:
    """First column -> second column (n, or Borda) of the HTML table in a section."""
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td>", section)
    return {label: int(n) for label, n in rows}


async def redacted(person: Person, room: str, event_id: str, timeout: float = 30.0) -> bool:
    """Whether the event shows up redacted (empty content) in the room's history within the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = {e["event_id"]: e for e in await room_history(person, room)}
        if event_id in history and not history[event_id]["content"]:
            return True
        await asyncio.sleep(0.3)
    return False
