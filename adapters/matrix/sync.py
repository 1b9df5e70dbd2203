"""The sync loop. The token is persisted only after a batch's events are handled, events are
deduplicated by event_id, and a limited (gappy) timeline is backfilled through /messages, so that
neither a restart nor a burst loses an answer or replays a command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nio import (
    AsyncClient,
    Event,
    InviteMemberEvent,
    RoomMessagesError,
    RoomMessagesResponse,
    SyncResponse,
)

from adapters.matrix.pipeline import EventPipeline
from bot.ports import StateStore

log = logging.getLogger(__name__)
TOKEN_KEY = "matrix.sync_token"
BACKFILL_PAGE = 100
BACKFILL_MAX_PAGES = 50


NOTHING = {"not_types": ["*"]}


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    """What the bot asks of each sync: no presence, no account data (m.direct is read and written
    through its own endpoint, adapters/matrix/dm.py) and no receipts or typing, none of which it
    reads; leaving them out is less for the homeserver to gather on every sync of a bot in hundreds
    of DMs, during a plenary's burst of answers too."""
    room: dict[str, Any] = {"ephemeral": NOTHING, "account_data": NOTHING}
    if timeline_limit > 0:
        room["timeline"] = {"limit": timeline_limit}
    return {"presence": NOTHING, "account_data": NOTHING, "room": room}


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str
    is_direct: bool


@dataclass
class Batch:
    token: str
    events: list[tuple[str, Event]] = field(default_factory=list)  # (room_id, event), oldest first
    invites: list[Invite] = field(default_factory=list)


class SyncLoop:
    def __init__(
        self,
        client: AsyncClient,
        state: StateStore,
        on_event: Callable[[str, Event], Awaitable[None]],
        on_invite: Callable[[Invite], Awaitable[None]],
        timeline_limit: int = 0,
        poll_timeout_ms: int = 30000,
        replay_safe: Callable[[Event], bool] = lambda event: False,
    ) -> None:
        self.client = client
        self.state = state
        self.on_invite = on_invite
        self.pipeline = EventPipeline(state, client.user_id, on_event, replay_safe, TOKEN_KEY)
        self.poll_timeout_ms = poll_timeout_ms
        self.sync_filter = sync_filter(timeline_limit)
        self.synced = asyncio.Condition()  # notified after every sync: rooms may have appeared
        self._queue: asyncio.Queue[Batch] = asyncio.Queue()
        self._poller: asyncio.Task[None] | None = None
        self._draining = False

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self._work(), name="matrix-sync-worker"),
            asyncio.create_task(self.pipeline.commit_tokens(), name="matrix-sync-tokens"),
        ]
        self._poller = asyncio.create_task(self._sync_forever(), name="matrix-sync-poll")
        try:
            try:
                await self._poller
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not self._draining or (task is not None and task.cancelling()):
                    raise
            # Stopped by `drain`: no new sync; wait (cancelled by the caller's deadline) until what was
            # already synced is handled and its token saved.
            await self._queue.join()
            await self.pipeline.settle()
        finally:
            self._poller.cancel()
            # Lets events in flight finish (bounded) before tearing down; a drain has had its grace.
            await self.pipeline.cancel(grace=0.0 if self._draining else 5.0)
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _sync_forever(self) -> None:
        since = await self.state.get_state(TOKEN_KEY)
        first = True
        failures = 0
        while True:
            # The first sync after a restart asks for full state: nio keeps rooms only in memory.
            response = await self.client.sync(
                timeout=0 if first else self.poll_timeout_ms,
                sync_filter=self.sync_filter,
                since=since,
                full_state=True if first and since else None,
            )
            if not isinstance(response, SyncResponse):
                failures += 1
                log.warning("matrix: sync failed (%s); retrying", getattr(response, "message", "error"))
                await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            await self._crypto_housekeeping()
            if first and since is None:
                # A brand-new bot: history before it existed is not for it (no replayed commands),
                # but pending invites still are.
                batch = Batch(response.next_batch, invites=_invites(response, self.client.user_id))
            else:
                batch = await self._batch(response, since)
            await self._queue.put(batch)
            since = response.next_batch
            first = False
            async with self.synced:
                self.synced.notify_all()

    async def _crypto_housekeeping(self) -> None:
        client = self.client
        if client.olm is None:
            return
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def _batch(self, response: SyncResponse, since: str | None) -> Batch:
        batch = Batch(response.next_batch, invites=_invites(response, self.client.user_id))
        for room_id, info in response.rooms.join.items():
            if info.timeline.limited and info.timeline.prev_batch and since:
                batch.events.extend(
                    (room_id, e) for e in await self._backfill(room_id, info.timeline.prev_batch, since)
                )
            batch.events.extend((room_id, e) for e in info.timeline.events)
        return batch

    async def _backfill(self, room_id: str, start: str, stop: str) -> list[Event]:
        """Events between the previous sync token and the start of a limited timeline, oldest first."""
        found: list[Event] = []
        token = start
        for _ in range(BACKFILL_MAX_PAGES):
            page = await self.client.room_messages(room_id, start=token, end=stop, limit=BACKFILL_PAGE)
            if isinstance(page, RoomMessagesError) or not isinstance(page, RoomMessagesResponse):
                log.warning("matrix: backfill of a room failed: %s", getattr(page, "message", page))
                break
            found.extend(page.chunk)
            if not page.chunk or not page.end or page.end == token:
                break
            token = page.end
        log.info("matrix: backfilled %d events after a limited sync", len(found))
        return list(reversed(found))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until `predicate()` holds after some sync (e.g. a room we joined shows up)."""
        async with self.synced:
            try:
                await asyncio.wait_for(self.synced.wait_for(predicate), timeout)
            except TimeoutError:
                return predicate()
        return True

    async def _work(self) -> None:
        while True:
            batch = await self._queue.get()
            for invite in batch.invites:
                try:
                    await self.on_invite(invite)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("matrix: handling an invite failed")
            # Rooms are handled in parallel lanes; the token is saved once the whole batch is done.
            self.pipeline.submit(batch.token, batch.events)
            self._queue.task_done()

    def stop_syncing(self) -> None:
        """A clean stop: no new sync (the long poll in flight is dropped); `run` then returns once the
        events already synced are handled and their sync token is saved."""
        self._draining = True
        if self._poller is not None:
            self._poller.cancel()


def _invites(response: SyncResponse, me: str) -> list[Invite]:
    invites = []
    for room_id, info in response.rooms.invite.items():
        for event in info.invite_state:
            if isinstance(event, InviteMemberEvent) and event.state_key == me and event.membership == "invite":
                invites.append(Invite(room_id, event.sender, bool(event.content.get("is_direct"))))
    return invites
