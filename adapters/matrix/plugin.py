"""The Matrix adapter as the composition root loads it: `create(core) -> MatrixAdapter`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from functools import partial
from typing import Any

from nio import AsyncClient, LocalProtocolError, RoomRedactResponse

from adapters.matrix import polls
from adapters.matrix.client import connect
from adapters.matrix.closing import closed_note
from adapters.matrix.commands import RoomCommands
from adapters.matrix.conversation import Conversations
from adapters.matrix.copies import Copies
from adapters.matrix.dm import DirectRooms
from adapters.matrix.logs import quiet_third_party_loggers
from adapters.matrix.messenger import PLATFORM, MatrixMessenger
from adapters.matrix.ratelimit import RateLimiter
from adapters.matrix.rooms import RoomSender
from adapters.matrix.router import Router
from adapters.matrix.sync import SyncLoop
from adapters.matrix.trail import Trail
from bot.domain import Status
from bot.errors import NotFound
from bot.events import Event, LiveResultsChanged, SurveyClosed
from bot.ports import ReplicaLock

log = logging.getLogger(__name__)
# A redaction that fails for one of these reasons will never succeed: it is dropped, not retried.
FINAL_REDACTION_ERRORS = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_BAD_JSON", "M_INVALID_PARAM"})
NO_POWER_NOTE = (
    "⚠ I cannot delete messages in this room, so your answers stay in its history. Delete them "
    "yourself, or make me a moderator of this room (room settings, roles) so that I can."
)


class StandbyError(RuntimeError):
    """This replica does not hold the Matrix sync lock, so it cannot send to Matrix."""


class MatrixAdapter:
    platform = PLATFORM

    def __init__(self, core: Any) -> None:
        self.core = core
        self.config = core.config.matrix
        self.messenger = MatrixMessenger(self, core.state)
        self.client: AsyncClient | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: SyncLoop | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._live_lock = asyncio.Lock()  # one live chart at a time: each one redacts the one before
        self._stopping = asyncio.Event()
        self.standby = False  # True while another replica holds the sync lock
        self.trail = Trail(core.state, self._redact, self._is_closed)
        self._trail_task: asyncio.Task[None] | None = None
        self._told_no_power: set[str] = set()  # DM rooms already told that the bot cannot redact there
        core.service.events.subscribe(self._on_core_event)

    async def ready(self) -> RoomSender:
        """Wait until connected: the core may ask for a message while the adapter is starting."""
        if self.standby:
            raise StandbyError("Matrix is served by another replica of the bot")
        await asyncio.wait_for(self._ready.wait(), timeout=120)
        return self.sender

    async def _start(self) -> SyncLoop:
        quiet_third_party_loggers()
        client = await connect(self.core.config)
        self.client = client
        self.dms = DirectRooms(client, encrypt=self.config.encryption)
        await self.dms.load()
        router_ref: list[Router] = []

        async def on_event(room_id: str, event: Any) -> None:
            await router_ref[0].on_event(room_id, event)

        async def on_invite(invite: Any) -> None:
            await router_ref[0].on_invite(invite)

        loop = SyncLoop(
            client,
            self.core.state,
            on_event,
            on_invite,
            self.config.sync_timeline_limit,
            replay_safe=lambda event: event.source.get("type") in polls.RESPONSE_TYPES,
        )
        self.sender = RoomSender(client, RateLimiter(self.config.messages_per_second), loop.wait_for)
        self.trail = Trail(self.core.state, self._redact, self._is_closed)  # fresh after a lost lock
        await self.trail.load()
        copies = Copies(client, self.sender, self.trail, self.core.renderer, self.config.copy_seconds)
        self.conversations = Conversations(
            self.core.service, self.trail, self.dms, self.sender, self.config.redact_after_seconds, copies
        )
        commands = RoomCommands(client, self.core.commands, self.sender, self.config.command_prefix)
        router_ref.append(
            Router(
                client.user_id,
                self.dms,
                self.sender,
                self.conversations,
                commands,
                list(self.config.allowed_inviters),
                require_encryption=self.config.encryption,
            )
        )
        self._trail_task = asyncio.create_task(self.trail.run(), name="matrix-redactions")
        self._ready.set()
        # Conversations a stop or a crash interrupted: their lost prompts go out again.
        self._spawn(self.conversations.restore(), "matrix-resume")
        return loop

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def run(self) -> None:
        """Sync while this replica holds the Matrix lock (always, on SQLite); stand by otherwise."""
        factory = getattr(self.core, "replica_lock", None)
        lock: ReplicaLock | None = factory(f"canvass matrix sync {self.config.user_id}") if factory else None
        try:
            while True:
                if lock is not None and not await self._wait_for_lock(lock):
                    return  # stopped while standing by
                loop = await self._start()
                self._loop = loop
                self._task = asyncio.create_task(loop.run(), name="matrix-sync")
                watch = asyncio.create_task(self._watch(lock), name="matrix-lock-watch") if lock else None
                try:
                    await asyncio.wait([t for t in (self._task, watch) if t], return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if watch is not None:
                        watch.cancel()
                if self._task.done() or self._stopping.is_set():
                    if not self._task.cancelled():
                        self._task.result()  # raises what stopped the sync
                    return  # stopped
                # Our database session died, and the lock with it: another replica may sync now.
                log.warning("matrix: lost the sync lock; stopping the sync here")
                await self._disconnect(grace=0.0)
        finally:
            if lock is not None:
                await lock.release()

    async def _wait_for_lock(self, lock: ReplicaLock) -> bool:
        while not await lock.acquire():
            if not self.standby:
                log.info("matrix: another replica runs the Matrix sync; standing by")
            self.standby = True
            try:
                await asyncio.wait_for(self._stopping.wait(), self.config.standby_retry_seconds)
                return False
            except TimeoutError:
                pass
        if self.standby:
            log.info("matrix: took over the Matrix sync")
        self.standby = False
        return not self._stopping.is_set()

    async def _watch(self, lock: ReplicaLock) -> None:
        while await lock.held():  # a round trip per period: a dropped session shows up within one
            try:
                await asyncio.wait_for(self._stopping.wait(), self.config.standby_retry_seconds)
                return
            except TimeoutError:
                pass

    async def stop(self) -> None:
        """A clean stop, within `[canvass] shutdown_grace_seconds`: no new sync; the events already
        synced are handled and the sync token saved; queued DMs, live charts and redactions go out.
        What is still unsent then is dropped, and its conversation's prompt is sent at the next start."""
        self._stopping.set()
        await self._disconnect(grace=self.core.config.canvass.shutdown_grace_seconds)

    async def _disconnect(self, grace: float) -> None:
        deadline = time.monotonic() + grace

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        if grace and self._loop is not None and self._task is not None and not self._task.done():
            self._loop.stop_syncing()
            await asyncio.wait([self._task], timeout=left())
        if self._ready.is_set():
            # Give queued DMs and live charts the rest of the grace to go out; what is left is dropped.
            pending = [t for t in self._background if not t.done()]
            if pending and left():
                await asyncio.wait(pending, timeout=left())
            if left():
                await self.sender.drain(left())
            for task in self._background:
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await self._stop_trail(left())
            await self.sender.close()
        self._ready.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._loop = None
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def _stop_trail(self, grace: float) -> None:
        closing = self.trail.closing()
        if closing and grace:
            await asyncio.wait(closing, timeout=grace)
        tasks = [t for t in (self._trail_task, *closing) if t is not None]
        for task in tasks:
            task.cancel()  # what is not redacted yet stays in bot_state, for the next start
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self.trail.flush()
        except Exception:
            log.exception("matrix: could not save the pending redactions")
        self._trail_task = None

    async def _redact(self, room_id: str, event_id: str) -> bool:
        """Redact one event; False if it should be tried again later."""
        client = self.client
        if client is None or not self._ready.is_set():
            return False
        await self.sender.limiter.wait()  # redactions count against the homeserver's message rate
        try:
            response = await client.room_redact(room_id, event_id)
        except LocalProtocolError:
            return True  # logged out: nothing this process can do about it
        except Exception as error:  # the network: try again
            log.warning("matrix: a redaction failed (%s); retrying later", type(error).__name__)
            return False
        if isinstance(response, RoomRedactResponse):
            return True
        code = getattr(response, "status_code", None)
        log.warning("matrix: a DM event could not be redacted (%s)", code)
        partner = self.dms.partner(room_id)
        if code == "M_FORBIDDEN" and partner is not None and room_id not in self._told_no_power:
            # A DM the participant opened without giving the bot moderator power (Element gives it):
            # their answers stay in its history unless they act. Say so, once per room.
            self._told_no_power.add(room_id)
            await self.conversations.say(room_id, partner, NO_POWER_NOTE)
        return code in FINAL_REDACTION_ERRORS

    async def _is_closed(self, survey_id: str) -> bool:
        try:
            return bool((await self.core.service.get(survey_id)).status is Status.CLOSED)
        except NotFound:
            return True

    async def _on_core_event(self, event: Event) -> None:
        if isinstance(event, SurveyClosed):
            if self._ready.is_set():
                self.conversations.closed(event.survey_id)
                rooms = self.trail.rooms(event.survey_id)  # before the close's redactions forget them
                self._spawn(self._closed_notes(event.survey_id, rooms), "matrix-closed-notes")
            # In the background, after the results: redacting a whole survey's DMs takes a while.
            # Not connected (standby, starting): the trail's sweep finishes it on the syncing replica.
            if self._ready.is_set():
                self.trail.close(event.survey_id)
            return
        if isinstance(event, LiveResultsChanged) and self._ready.is_set():
            # Off the answering path: rendering, uploading and redacting must not delay the tally.
            self._spawn(self._post_live(event.survey_id), "matrix-live-chart")

    async def _closed_notes(self, survey_id: str, rooms: set[str]) -> None:
        """One "closed" note per DM of the survey (the close redacts the invitation itself)."""
        try:
            survey = await self.core.service.get(survey_id)
        except NotFound:
            return
        assert self.client is not None
        text = closed_note(survey, self.client, PLATFORM)
        seconds = self.config.copy_seconds
        for room in sorted(rooms):
            partner = self.dms.partner(room)
            if partner is None:
                continue
            sent = await self.conversations.say(room, partner, text)
            sent.add_done_callback(partial(self._redact_note, room, seconds))

    def _redact_note(self, room: str, seconds: float, sent: asyncio.Future[str]) -> None:
        if not sent.cancelled() and sent.exception() is None:
            self.trail.later("", room, sent.result(), seconds)

    async def _post_live(self, survey_id: str) -> None:
        async with self._live_lock:
            try:
                survey = await self.core.service.get(survey_id)
                targets = [t for t in survey.targets if t.platform == PLATFORM]
                if targets:
                    await self.core.delivery.post_results(None, survey.id, targets)
            except Exception:
                log.exception("matrix: posting live results of survey %s failed", survey_id)


def create(core: Any) -> MatrixAdapter:
    return MatrixAdapter(core)
