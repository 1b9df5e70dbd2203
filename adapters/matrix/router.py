"""Routes synced events: DMs to the conversation, `!canvass` in rooms to the commands, and a vote or
reaction on one of Canvass's messages in a shared room to a private note that it was not counted."""

from __future__ import annotations

import logging

from nio import Event, MegolmEvent, RoomGetEventResponse, RoomMemberEvent, RoomMessageText

from adapters.matrix import polls
from adapters.matrix.commands import RoomCommands, strip_prefix
from adapters.matrix.conversation import Conversations
from adapters.matrix.dm import DirectRooms, not_private
from adapters.matrix.formatting import PUBLIC_MARK
from adapters.matrix.rooms import RoomSender
from adapters.matrix.sync import Invite

log = logging.getLogger(__name__)
SHARED_NOTE = (
    "Answers given in a shared room are visible to everyone there and are not counted. "
    "Please answer here, in this private conversation, where only you and I can see it."
)


def allowed(inviter: str, allowed_inviters: list[str]) -> bool:
    server = inviter.partition(":")[2]
    for entry in allowed_inviters:
        if entry == inviter or (entry.startswith(":") and server == entry[1:]):
            return True
    return False


class Router:
    def __init__(
        self,
        me: str,
        dms: DirectRooms,
        sender: RoomSender,
        conversations: Conversations,
        commands: RoomCommands,
        allowed_inviters: list[str],
        require_encryption: bool = False,
    ) -> None:
        self.me = me
        self.dms = dms
        self.sender = sender
        self.conversations = conversations
        self.commands = commands
        self.allowed_inviters = allowed_inviters
        self.require_encryption = require_encryption
        self._noted: set[tuple[str, str]] = set()  # (room, user) already told, to avoid repeating the note

    async def on_invite(self, invite: Invite) -> None:
        if not allowed(invite.inviter, self.allowed_inviters):
            log.info("matrix: ignored an invite from a user who is not allowed to invite the bot")
            return
        client = self.sender.client
        response = await client.join(invite.room_id)
        if getattr(response, "room_id", None) is None:
            log.warning("matrix: joining an invited room failed: %s", getattr(response, "message", response))
            return
        if invite.is_direct:
            await self.dms.record(invite.inviter, invite.room_id)

    async def on_event(self, room_id: str, event: Event) -> None:
        source = event.source
        event_type = source.get("type", "")
        content = source.get("content") or {}
        partner = self.dms.partner(room_id)
        if partner is not None:
            if event.sender != partner:
                return
            await self._direct(room_id, partner, event, event_type, content)
            return
        if isinstance(event, RoomMessageText):
            text = strip_prefix(event.body, self.commands.prefix)
            if text is not None:
                await self.commands.handle(room_id, event.event_id, event.sender, text)
            return
        if event_type in polls.RESPONSE_TYPES or event_type == "m.reaction":
            relates = content.get("m.relates_to")
            target = relates.get("event_id") if isinstance(relates, dict) else None
            if isinstance(target, str):
                await self._note_shared_answer(room_id, event.sender, target)

    async def _direct(self, room_id: str, partner: str, event: Event, event_type: str, content: dict) -> None:  # type: ignore[type-arg]
        if isinstance(event, RoomMemberEvent):
            if event.membership == "join":
                await self.sender.on_member_joined(room_id)
            return
        if isinstance(event, MegolmEvent):
            # Undecryptable now, but a room key may turn up later: it goes like any other reply.
            self.conversations.trail.later("", room_id, event.event_id)
            await self.conversations.say(
                room_id,
                partner,
                "⚠ I could not decrypt your last message, so it was not counted. Please send it again.",
            )
            return
        response = polls.parse_response(event_type, content)
        is_text = isinstance(event, RoomMessageText) and content.get("msgtype") == "m.text"
        if response is None and not is_text:
            return
        if self.require_encryption and (why := not_private(self.sender.client.rooms.get(room_id))):
            # Refused, and taken out of the room: it may hold an answer in the clear.
            self.conversations.trail.later("", room_id, event.event_id)
            await self.conversations.say(room_id, partner, why)
            return
        if response is not None:
            await self.conversations.on_poll_response(room_id, partner, event.event_id, response)
        elif not isinstance(event, RoomMessageText):
            return
        elif strip_prefix(event.body, self.commands.prefix) is not None:
            await self.conversations.say(room_id, partner, "Commands work in the meeting room, not here.")
        else:
            await self.conversations.on_text(room_id, partner, event.event_id, event.body)

    async def _note_shared_answer(self, room_id: str, user_id: str, target: str) -> None:
        """Only for a reaction or vote on Canvass's own announcement or results: a reaction to anything
        else (a command's reply, someone else's message) is none of its business."""
        if user_id == self.me or (room_id, user_id) in self._noted:
            return
        found = await self.sender.client.room_get_event(room_id, target)
        if not isinstance(found, RoomGetEventResponse) or found.event.sender != self.me:
            return
        event = found.event
        if isinstance(event, MegolmEvent):  # an encrypted room: read the mark from the decrypted event
            try:
                event = self.sender.client.decrypt_event(event)
            except Exception:
                return
        if (event.source.get("content") or {}).get(PUBLIC_MARK) is not True:
            return
        self._noted.add((room_id, user_id))
        await self.conversations.say(await self.dms.room_for(user_id), user_id, SHARED_NOTE)
