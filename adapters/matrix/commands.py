"""`!canvass ...` in rooms: parsed with the shared grammar, run by the core's command handler. The
actor is an organiser if listed in config ("matrix:@user:server") or if they hold power level >= 50
in the room where they typed the command."""

from __future__ import annotations

import logging
from typing import Any

from nio import AsyncClient, RoomGetStateEventResponse

from adapters.matrix.formatting import notice_content
from adapters.matrix.rooms import RoomSender
from bot.command_handler import CommandHandler
from bot.commands import parse_command
from bot.domain import Actor, Target
from bot.errors import CanvassError

log = logging.getLogger(__name__)
PLATFORM = "matrix"
ORGANISER_POWER = 50


def strip_prefix(body: str, prefix: str) -> str | None:
    """The command text after the prefix, or None if the message is not a command."""
    text = body.lstrip()
    if not text.lower().startswith(prefix.lower()):
        return None
    rest = text[len(prefix) :]
    if rest and not rest[0].isspace():
        return None  # "!canvassing" is not ours
    return rest.strip()


def creators(create_content: dict[str, Any], create_sender: str) -> set[str]:
    """Room creators, who from room version 12 on hold unlimited power and are absent from the levels."""
    version = str(create_content.get("room_version", "1"))
    if not version.isdigit() or int(version) < 12:
        return set()
    extra = create_content.get("additional_creators") or []
    return {create_sender, *[u for u in extra if isinstance(u, str)]}


def power_level(content: dict[str, Any], user_id: str) -> int:
    users = content.get("users") or {}
    level = users.get(user_id, content.get("users_default", 0))
    return level if isinstance(level, int) else 0


class RoomCommands:
    def __init__(self, client: AsyncClient, handler: CommandHandler, sender: RoomSender, prefix: str) -> None:
        self.client = client
        self.handler = handler
        self.sender = sender
        self.prefix = prefix

    async def _is_room_organiser(self, room_id: str, user_id: str) -> bool:
        # Asked of the homeserver each time: commands are rare and a stale cache could grant power.
        response = await self.client.room_get_state_event(room_id, "m.room.power_levels")
        if (
            isinstance(response, RoomGetStateEventResponse)
            and power_level(response.content, user_id) >= ORGANISER_POWER
        ):
            return True
        state = await self.client.room_get_state(room_id)
        for event in getattr(state, "events", []):
            if event.get("type") == "m.room.create":
                return user_id in creators(event.get("content") or {}, str(event.get("sender", "")))
        return False

    async def handle(self, room_id: str, event_id: str, user_id: str, text: str) -> None:
        room = Target(PLATFORM, room_id)
        # The power was verified in this room only: it lets them create surveys aimed here (rule 10).
        actor = Actor(PLATFORM, user_id, organiser_in=room if await self._is_room_organiser(room_id, user_id) else None)
        try:
            reply = await self.handler.handle(actor, room, parse_command(text))
            message = reply.text
        except CanvassError as error:
            message = f"⚠ {error}"
        except Exception:
            log.exception("matrix: a command failed")
            message = "⚠ Something went wrong while running that command; nothing was changed by it."
        content = notice_content(message)
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": event_id}}
        await self.sender.send(room_id, content)
