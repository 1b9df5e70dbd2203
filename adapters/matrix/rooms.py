"""Sending into rooms: DMs paced by the rate limiter, encrypted sends that tolerate a room nio has not
synced yet ("No such room"), and an outbox that holds encrypted DMs until the partner has joined, so
that they receive the room key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, LocalProtocolError, RoomSendResponse

from adapters.matrix.ratelimit import RateLimiter

log = logging.getLogger(__name__)
OnSent = Callable[[str], Awaitable[None]]
WaitFor = Callable[[Callable[[], bool], float], Awaitable[bool]]
ROOM_WAIT_SECONDS = 15.0


@dataclass
class _Pending:
    event_type: str
    content: dict[str, Any]
    on_sent: OnSent | None


class SendFailed(Exception):
    pass


class RoomSender:
    def __init__(self, client: AsyncClient, limiter: RateLimiter, wait_for: WaitFor) -> None:
        self.client = client
        self.limiter = limiter
        self.wait_for = wait_for
        self._outbox: dict[str, list[_Pending]] = {}
        self.encrypted_rooms: set[str] = set()  # rooms we created encrypted, before nio has synced them

    def _encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room_id in self.encrypted_rooms or bool(room and room.encrypted)

    def _partner_joined(self, room_id: str, partner: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and partner in room.users and partner not in room.invited_users

    async def send(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message", paced: bool = False
    ) -> str:
        if paced:
            await self.limiter.wait()
        if self._encrypted(room_id) and self.client.olm is not None:
            await self.wait_for(lambda: room_id in self.client.rooms, ROOM_WAIT_SECONDS)
        for attempt in range(5):
            try:
                response = await self.client.room_send(
                    room_id, event_type, content, ignore_unverified_devices=True
                )
            except LocalProtocolError as error:
                # Just joined or created: nio learns of the room at the next sync.
                if "No such room" not in str(error) or attempt == 4:
                    raise SendFailed(str(error)) from None
                await self.wait_for(lambda: room_id in self.client.rooms, ROOM_WAIT_SECONDS)
                continue
            if isinstance(response, RoomSendResponse):
                return str(response.event_id)
            message = getattr(response, "message", "")
            if "No such room" not in str(message) and getattr(response, "status_code", "") != "M_FORBIDDEN":
                raise SendFailed(str(message))
            await asyncio.sleep(0.5 * (attempt + 1))
        raise SendFailed("the room was not ready")

    async def send_dm(
        self,
        room_id: str,
        partner: str,
        content: dict[str, Any],
        event_type: str = "m.room.message",
        on_sent: OnSent | None = None,
    ) -> None:
        """Send to a DM, or hold it until the partner joins if the room is encrypted and they have not."""
        if (
            self._encrypted(room_id)
            and self.client.olm is not None
            and not self._partner_joined(room_id, partner)
        ):
            self._outbox.setdefault(room_id, []).append(_Pending(event_type, content, on_sent))
            return
        await self._flush(room_id)
        event_id = await self.send(room_id, content, event_type, paced=True)
        if on_sent is not None:
            await on_sent(event_id)

    async def on_member_joined(self, room_id: str) -> None:
        await self._flush(room_id)

    async def _flush(self, room_id: str) -> None:
        for pending in self._outbox.pop(room_id, []):
            event_id = await self.send(room_id, pending.content, pending.event_type, paced=True)
            if pending.on_sent is not None:
                await pending.on_sent(event_id)
