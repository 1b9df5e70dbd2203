"""Direct-message rooms with participants: found in (and recorded to) the bot's `m.direct` account
data, created with `is_direct` when missing. The homeserver keeps this map, so the bot's database
never links a person to a room, let alone to an answer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nio import AsyncClient, MatrixRoom, RoomCreateResponse, RoomPreset

from adapters.matrix.client import get_account_data, put_account_data

log = logging.getLogger(__name__)
ENCRYPTION_STATE = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}

NOT_ENCRYPTED = (
    "⚠ This room is not end-to-end encrypted, so I did not count that. Answer in the encrypted DM I "
    "opened with you, or enable encryption in room settings."
)
NOT_ONE_TO_ONE = (
    "⚠ This room has more members than you and me, so I did not count that. Answer in the encrypted "
    "DM I opened with you, where only the two of us are."
)


def not_private(room: MatrixRoom | None) -> str | None:
    """Why a DM room is not private enough to answer in (with encryption on), or None if it is."""
    if room is None:
        return None  # not synced yet: the homeserver just told us of it, and we created it encrypted
    if not room.encrypted:
        return NOT_ENCRYPTED
    if room.joined_count > 2:
        return NOT_ONE_TO_ONE
    return None


class DirectRooms:
    def __init__(self, client: AsyncClient, encrypt: bool) -> None:
        self.client = client
        self.encrypt = encrypt
        self._room_by_user: dict[str, str] = {}
        self._user_by_room: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._creating: dict[str, asyncio.Lock] = {}

    async def load(self) -> None:
        direct = await get_account_data(self.client, "m.direct")
        for user_id, rooms in direct.items():
            if isinstance(rooms, list) and rooms:
                # The newest room wins: a participant may have started a fresh DM.
                for room_id in rooms:
                    self._user_by_room[room_id] = user_id
                self._room_by_user[user_id] = rooms[-1]

    def partner(self, room_id: str) -> str | None:
        return self._user_by_room.get(room_id)

    def is_direct(self, room_id: str) -> bool:
        return room_id in self._user_by_room

    def _usable(self, room_id: str, user_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        if room is None:
            return True  # not synced yet (e.g. just after a restart): assume it still stands
        if self.encrypt and not_private(room) is not None:
            return False  # answers there would be refused: open an encrypted 1:1 room instead
        return user_id in room.users or user_id in room.invited_users

    async def record(self, user_id: str, room_id: str) -> None:
        """Note a DM room in memory and in `m.direct` (read-modify-write under a lock)."""
        async with self._lock:
            self._room_by_user[user_id] = room_id
            self._user_by_room[room_id] = user_id
            direct: dict[str, Any] = await get_account_data(self.client, "m.direct")
            rooms = [r for r in direct.get(user_id, []) if r != room_id] + [room_id]
            direct[user_id] = rooms
            await put_account_data(self.client, "m.direct", direct)

    async def room_for(self, user_id: str) -> str:
        """The DM room with this user, created (and the user invited) if there is none."""
        lock = self._creating.setdefault(user_id, asyncio.Lock())
        async with lock:
            existing = self._room_by_user.get(user_id)
            if existing and self._usable(existing, user_id):
                return existing
            response = await self.client.room_create(
                is_direct=True,
                preset=RoomPreset.trusted_private_chat,
                invite=[user_id],
                initial_state=[ENCRYPTION_STATE] if self.encrypt else [],
            )
            if not isinstance(response, RoomCreateResponse):
                raise RuntimeError(f"could not create a DM room: {getattr(response, 'message', response)}")
            await self.record(user_id, response.room_id)
            return str(response.room_id)
