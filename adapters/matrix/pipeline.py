"""Handling synced events: rooms in parallel, each room's events in order, and the sync token saved
only once every event before it is handled.

Why lanes: a plenary answers in hundreds of DMs at once. Handled one after another, each answer would
wait for the previous person's confirmation DM (paced by the rate limiter), so the tally would crawl
at the DM pace. Each room gets its own ordered lane instead: a conversation still sees its events in
order, while one person's reply never holds up another person's answer.

When an event counts as handled (deduplication by event_id):
- poll responses are replay-safe: a response names its poll and its answer, and recording it twice
  for the same person changes nothing. They are marked seen *after* handling, so one in flight when
  the process dies is handled again after the restart instead of being lost;
- everything else (commands, text replies whose meaning depends on where the conversation stood) is
  marked seen *before* handling, so a crash can never replay it; one in flight at a crash is lost,
  and the person is asked nothing new until they write again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nio import Event, MegolmEvent

from bot.ports import StateStore

log = logging.getLogger(__name__)
OnEvent = Callable[[str, Event], Awaitable[None]]
DEFAULT_CONCURRENCY = 64


@dataclass
class _Pending:
    token: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class EventPipeline:
    def __init__(
        self,
        state: StateStore,
        me: str,
        on_event: OnEvent,
        replay_safe: Callable[[Event], bool],
        token_key: str,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.state = state
        self.me = me
        self.on_event = on_event
        self.replay_safe = replay_safe
        self.token_key = token_key
        self._gate = asyncio.Semaphore(concurrency)  # bounds database and homeserver load
        self._tails: dict[str, asyncio.Task[None]] = {}  # room -> the last event queued in its lane
        self._pending: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._in_flight: set[str] = set()  # ids of events queued and not yet handled

    def submit(self, token: str, events: list[tuple[str, Event]]) -> None:
        """Queue a sync's events (oldest first); `token` is saved once they and all before are handled."""
        pending = _Pending(token)
        fresh: list[tuple[str, Event, str]] = []
        for room_id, event in events:
            event_id = getattr(event, "event_id", None)
            # An event still in flight here (redelivered by an overlapping sync or backfill) is handled once.
            if not event_id or event.sender == self.me or event_id in self._in_flight:
                continue
            self._in_flight.add(event_id)
            fresh.append((room_id, event, event_id))
        # One read for the batch's replay-safe events: one per event queued hundreds of reads behind each
        # other on the database during a plenary's burst (issue 15). Their lane awaits it.
        safe = [event_id for _, event, event_id in fresh if self.replay_safe(event)]
        lookup = asyncio.create_task(self.state.seen_among(safe)) if safe else None
        if lookup is not None:
            self._tasks.add(lookup)
            lookup.add_done_callback(self._tasks.discard)
        for room_id, event, event_id in fresh:
            before = self._tails.get(room_id)
            task = asyncio.create_task(self._lane_step(before, room_id, event, event_id, lookup))
            self._tails[room_id] = task
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._finished, room_id, event_id))
            pending.tasks.append(task)
        self._pending.put_nowait(pending)

    def _finished(self, room_id: str, event_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._in_flight.discard(event_id)  # handled, and marked seen in the database
        if self._tails.get(room_id) is task:
            del self._tails[room_id]

    async def commit_tokens(self) -> None:
        """Runs for the adapter's lifetime: saves each sync token once its batch (and every earlier
        one, since batches are queued in order) is fully handled."""
        while True:
            pending = await self._pending.get()
            if pending.tasks:
                await asyncio.wait(pending.tasks)
            # Shielded: cancelled mid-write, the connection would be torn down rather than returned.
            await asyncio.shield(self.state.set_state(self.token_key, pending.token))
            self._pending.task_done()

    async def settle(self) -> None:
        """Until every batch submitted so far is handled and its token saved (a clean stop)."""
        await self._pending.join()

    async def cancel(self, grace: float = 5.0) -> None:
        # Let events in flight finish first: a task cancelled inside a database call leaves its
        # connection to be torn down behind our back.
        if self._tasks and grace > 0:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _lane_step(
        self,
        before: asyncio.Task[None] | None,
        room_id: str,
        event: Event,
        event_id: str,
        lookup: asyncio.Task[set[str]] | None,
    ) -> None:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)  # the room's earlier events first
        async with self._gate:
            if self.replay_safe(event):
                if await self._seen(lookup, event_id):
                    return
                await self._guard(room_id, event)
                await self.state.first_sighting(event_id)
            else:
                if not await self.state.first_sighting(event_id):
                    return
                await self._guard(room_id, event)

    async def _seen(self, lookup: asyncio.Task[set[str]] | None, event_id: str) -> bool:
        if lookup is not None:
            try:
                # Shielded: a lane cancelled while waiting must not cancel the batch's read for the others.
                return event_id in await asyncio.shield(lookup)
            except asyncio.CancelledError:
                raise
            except Exception:  # the batch's read failed: this event's own read decides
                log.warning("matrix: the batch's seen-event read failed; reading one by one")
        return await self.state.has_seen(event_id)

    async def _guard(self, room_id: str, event: Event) -> None:
        # One bad event must not stop the loop; the log names the kind of failure only.
        if isinstance(event, MegolmEvent):
            log.warning("matrix: could not decrypt an event (session %s)", event.session_id)
        try:
            await self.on_event(room_id, event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("matrix: handling an event failed")
