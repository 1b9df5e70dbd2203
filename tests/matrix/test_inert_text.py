"""Hostile titles, options and answers reach a real client as inert text (issue 10, break 11): no live
markup, no link, no @room, no mention, in the room and in the DMs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, content, event_type, join_all, people

TITLE = "<a href='https://evil.example/x'>Vote</a> @room"
OPTIONS = ["<img src=mxc://evil.example/pic>", "</table><b>bold</b>", "https://matrix.to/#/@boss:localhost"]
ANSWERS = [
    "@room look: https://evil.example/steal",
    '<a href="https://matrix.to/#/@boss:localhost">@boss:localhost</a> </table>',
    "<img src=mxc://evil.example/pic> www.evil.example",
]


def texts(value: Any) -> list[str]:
    """Every string a client may render from an event's content."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in ([v] if k in RENDERED and isinstance(v, str) else texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


RENDERED = {"body", "formatted_body", "org.matrix.msc1767.text"}


def problems(event_content: dict[str, Any]) -> list[str]:
    found = []
    if event_content.get("m.mentions") != {}:
        found.append("no empty m.mentions")
    html = str(event_content.get("formatted_body", ""))
    if "<a" in html or "<img" in html or "<b>" in html or html.count("<table") != html.count("</table"):
        found.append(f"live markup: {html[:200]}")
    for text in texts(event_content):
        for needle in ("@room", "https://", "matrix.to", "@boss:localhost", "www.evil"):
            if needle in text:
                found.append(f"{needle!r} in {text[:120]!r}")
    return found


async def test_hostile_strings_arrive_inert(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("inertbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, *voters = await people(homeserver, "inert", 4)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        room = await organiser.create_room([me, *(p.user_id for p in voters)])
        await join_all(voters, room)
        await wait_bot_joined(organiser, room, me)
        options = " ".join(f'"{o}"' for o in OPTIONS)
        hostile = survey_id_in(await command(organiser, room, me, f'!canvass poll "{TITLE}" {options} --k 3', "Opened"))
        for person in voters:
            await person.wait_for(lambda r, e: r != room and event_type(e) == POLL_START and "Vote" in body(e))
        await command(organiser, room, me, f"!canvass close {hostile}", "Closed")

        text_poll = survey_id_in(await command(organiser, room, me, '!canvass poll "Comments?" --text --k 3', "Opened"))

        async def answer(person: Person, text: str) -> None:
            dm, _ = await person.wait_for(lambda r, e: r != room and e.sender == me and "Comments?" in body(e))
            mark = person.mark()
            await person.say(dm, text)
            await person.wait_bot_text(me, "is recorded", after=mark, room=dm)

        await asyncio.gather(*(answer(p, a) for p, a in zip(voters, ANSWERS, strict=True)))
        await command(organiser, room, me, f"!canvass close {text_poll}", "Closed")
        _, results = await organiser.wait_for(lambda r, e: r == room and e.sender == me and "respondents: 3" in body(e))
        assert "evil" in content(results)["formatted_body"]  # the answers are shown, as text

        seen = [
            (r, e)
            for p in (organiser, *voters)
            for r, e in p.events
            if e.sender == me and content(e) and event_type(e) in ("m.room.message", POLL_START)
        ]
        assert len({r for r, _ in seen}) >= 4  # the room and the DMs
        bad = {e.event_id: problems(content(e)) for _, e in seen if problems(content(e))}
        assert not bad, json.dumps(bad, ensure_ascii=False)[:2000]
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, *voters)))
