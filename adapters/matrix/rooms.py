"""Sending into rooms: DMs queued per room and sent in order by a worker, paced by the rate limiter;
encrypted sends that tolerate a room nio has not synced yet ("No such room"); and encrypted DMs held
until the partner has joined, so that they receive the room key."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, LocalProtocolError, RoomSendResponse

from adapters.matrix.ratelimit import RateLimiter
from adapters.matrix.safety import inert

log = logging.getLogger(__name__)
OnSent = Callable[[str], Awaitable[None]]
WaitFor = Callable[[Callable[[], bool], float], Awaitable[bool]]
ROOM_WAIT_SECONDS = 15.0


@dataclass
class _Pending:
    partner: str
    event_type: str
    content: dict[str, Any]
    on_sent: OnSent | None
    future: asyncio.Future[str]


class SendFailed(Exception):
    pass


class RoomSender:
    def __init__(self, client: AsyncClient, limiter: RateLimiter, wait_for: WaitFor) -> None:
        self.client = client
        self.limiter = limiter
        self.wait_for = wait_for
        self._queues: dict[str, deque[_Pending]] = {}  # room -> DMs not sent yet, in order
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._joined: dict[str, asyncio.Event] = {}  # encrypted rooms waiting for their partner
        self.encrypted_rooms: set[str] = set()  # rooms we created encrypted, before nio has synced them

    def is_encrypted(self, room_id: str) -> bool:
        return self._encrypted(room_id)

    def _encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room_id in self.encrypted_rooms or bool(room and room.encrypted)

    def _partner_joined(self, room_id: str, partner: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and partner in room.users and partner not in room.invited_users

    async def send(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message", paced: bool = False
    ) -> str:
        content = inert(content)  # the one way out: nothing the bot sends can ping, link or mention
        if paced:
            await self.limiter.wait()
        if self._encrypted(room_id) and self.client.olm is not None:
            await self.wait_for(lambda: room_id in self.client.rooms, ROOM_WAIT_SECONDS)
        for attempt in range(5):
            try:
                response = await self.client.room_send(room_id, event_type, content, ignore_unverified_devices=True)
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

    def send_dm(
        self,
        room_id: str,
        partner: str,
        content: dict[str, Any],
        event_type: str = "m.room.message",
        on_sent: OnSent | None = None,
    ) -> asyncio.Future[str]:
        """Queue a DM; its room's worker sends it in order, at the limiter's pace. Returns at once, so
        that a confirmation never holds up the handling of the next answer; the future resolves to the
        event id (or to the send's error, which the worker has already logged). In an encrypted room
        the worker waits until the partner has joined, so that their devices receive the room key."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume)
        self._queues.setdefault(room_id, deque()).append(_Pending(partner, event_type, content, on_sent, future))
        worker = self._workers.get(room_id)
        if worker is None or worker.done():
            self._workers[room_id] = asyncio.create_task(self._drain(room_id), name="matrix-dm-outbox")
        return future

    def held_for_join(self, room_id: str, partner: str) -> bool:
        return self._encrypted(room_id) and self.client.olm is not None and not self._partner_joined(room_id, partner)

    async def on_member_joined(self, room_id: str) -> None:
        joined = self._joined.pop(room_id, None)
        if joined is not None:
            joined.set()

    async def _drain(self, room_id: str) -> None:
        queue = self._queues[room_id]
        while queue:
            pending = queue[0]
            if self.held_for_join(room_id, pending.partner):
                await self._joined.setdefault(room_id, asyncio.Event()).wait()
                continue
            queue.popleft()
            try:
                event_id = await self.send(room_id, pending.content, pending.event_type, paced=True)
                if pending.on_sent is not None:
                    await pending.on_sent(event_id)
            except asyncio.CancelledError:
                pending.future.cancel()
                raise
            except Exception as error:
                log.warning("matrix: a DM could not be sent (%s)", type(error).__name__)
                pending.future.set_exception(error)
            else:
                pending.future.set_result(event_id)
        self._queues.pop(room_id, None)
        self._workers.pop(room_id, None)

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait (bounded) until every queued DM is sent; True if none is left."""
        workers = [w for w in self._workers.values() if not w.done()]
        if workers:
            await asyncio.wait(workers, timeout=timeout)
        return not any(not w.done() for w in self._workers.values())

    async def close(self) -> None:
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


def _consume(future: asyncio.Future[str]) -> None:
    # Failures are logged by the worker; fire-and-forget callers need not retrieve them.
    if not future.cancelled():
        future.exception()
