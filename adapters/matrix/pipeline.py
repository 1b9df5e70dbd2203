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

Which of a batch's replay-safe events were handled before is read once, when the batch is queued (one
read per event queued hundreds of reads behind each other during a plenary's burst). An event still
in flight from an earlier batch is skipped in memory, since that read cannot see it yet.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from nio import Event, MegolmEvent

from bot.ports import StateStore

log = logging.getLogger(__name__)
OnEvent = Callable[[str, Event], Awaitable[None]]
DEFAULT_CONCURRENCY = 64
# A failed read or write of the seen events or the sync token (a locked or briefly unreachable database)
# is tried again after a pause that doubles up to RETRY_MAX_SECONDS. A replay-safe answer, and the token,
# are retried until they succeed: the answer holds its room's later events and the token meanwhile, so
# nothing is lost. Anything else is given up after COMMAND_ATTEMPTS, and logged.
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 30.0
COMMAND_ATTEMPTS = 4


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
        self._tasks: set[asyncio.Task[None]] = set()
        self._lookups: set[asyncio.Task[set[str]]] = set()
        self._in_flight: set[str] = set()  # ids of events queued and not yet finished
        self._closing = False  # cancel() was called: a cancelled lane is the teardown, not a failure

    def submit(self, token: str, events: list[tuple[str, Event]]) -> None:
        """Queue a sync's events (oldest first); `token` is saved once they and all before are handled."""
        if self._closing:  # too late: its token is never saved, so the next start gets these again
            return
        pending = _Pending(token)
        fresh: list[tuple[str, Event, str, bool]] = []
        for room_id, event in events:
            event_id = getattr(event, "event_id", None)
            # An event still in flight here (redelivered by an overlapping sync or backfill) is handled once.
            if not event_id or event.sender == self.me or event_id in self._in_flight:
                continue
            self._in_flight.add(event_id)
            fresh.append((room_id, event, event_id, self._is_replay_safe(event)))
        safe = [event_id for _, _, event_id, replay_safe in fresh if replay_safe]
        lookup = self._look_up(safe) if safe else None
        for room_id, event, event_id, replay_safe in fresh:
            before = self._tails.get(room_id)
            task = asyncio.create_task(self._lane_step(before, room_id, event, event_id, replay_safe, lookup))
            self._tails[room_id] = task
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._finished, room_id, event_id))
            pending.tasks.append(task)
        self._pending.put_nowait(pending)

    def _is_replay_safe(self, event: Event) -> bool:
        try:
            return self.replay_safe(event)
        except Exception:  # unsure: marked seen before handling, so it can never be replayed
            return False

    def _look_up(self, event_ids: list[str]) -> asyncio.Task[set[str]]:
        """One read of which of the batch's replay-safe events were handled before; their lanes await it."""
        lookup = asyncio.create_task(self.state.seen_among(event_ids))
        self._lookups.add(lookup)
        lookup.add_done_callback(self._looked_up)
        return lookup

    def _looked_up(self, lookup: asyncio.Task[set[str]]) -> None:
        self._lookups.discard(lookup)
        if not lookup.cancelled() and lookup.exception() is not None:  # said once, not by every lane
            log.warning(
                "matrix: reading which events were handled failed (%s); reading them one by one",
                type(lookup.exception()).__name__,
            )

    def _finished(self, room_id: str, event_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._in_flight.discard(event_id)  # finished: marked seen, or never to be (cancelled, failed)
        if self._tails.get(room_id) is task:
            del self._tails[room_id]

    async def commit_tokens(self) -> None:
        """Runs for the adapter's lifetime: saves each sync token once its batch (and every earlier
        one, since batches are queued in order) is fully handled."""
        while True:
            pending = await self._pending.get()
            if pending.tasks:
                await asyncio.wait(pending.tasks)
            if self._closing and any(task.cancelled() for task in pending.tasks):
                # Torn down with some of the batch unhandled: saving its token would mean the homeserver
                # never delivers those events again. The next start syncs from the last saved token.
                self._pending.task_done()
                return
            for task in pending.tasks:  # the handler's own errors are caught in _guard
                if task.cancelled():
                    log.error("matrix: an event was given up (cancelled)")
                elif (error := task.exception()) is not None:
                    log.error("matrix: an event was given up (%s)", type(error).__name__)
            await self._save_token(pending.token)
            self._pending.task_done()

    async def _save_token(self, token: str) -> None:
        pauses = _pauses()
        while True:
            try:
                # Shielded: cancelled mid-write, the connection would be torn down rather than returned.
                await asyncio.shield(self.state.set_state(self.token_key, token))
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a writer that died here would never save a token again
                log.warning("matrix: saving the sync token failed (%s); retrying", type(error).__name__)
            await asyncio.sleep(next(pauses))

    async def settle(self) -> None:
        """Until every batch submitted so far is handled and its token saved (a clean stop)."""
        await self._pending.join()

    async def cancel(self, grace: float = 5.0) -> None:
        # Let events in flight finish first: a task cancelled inside a database call leaves its
        # connection to be torn down behind our back.
        self._closing = True
        if self._tasks and grace > 0:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for task in [*self._tasks, *self._lookups]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._lookups, return_exceptions=True)

    async def _lane_step(
        self,
        before: asyncio.Task[None] | None,
        room_id: str,
        event: Event,
        event_id: str,
        replay_safe: bool,
        lookup: asyncio.Task[set[str]] | None,
    ) -> None:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)  # the room's earlier events first
        seen = await self._seen_in(lookup, event_id) if replay_safe else None  # outside the gate: a wait
        handled = False
        attempts = 0
        pauses = _pauses()
        while True:
            try:
                async with self._gate:
                    if not replay_safe:
                        if await self.state.first_sighting(event_id):
                            await self._guard(room_id, event)
                        return
                    if not handled:
                        if seen is None:  # no answer from the batch's read: this event's own read decides
                            seen = await self.state.has_seen(event_id)
                        if seen:
                            return
                        await self._guard(room_id, event)
                        handled = True  # a retry only marks it: no second confirmation
                    await self.state.first_sighting(event_id)
                    return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database's, not the handler's (_guard keeps those)
                attempts += 1
                if not replay_safe and attempts >= COMMAND_ATTEMPTS:
                    raise
                log.warning("matrix: checking or marking an event failed (%s); retrying", type(error).__name__)
                seen = None
            await asyncio.sleep(next(pauses))

    @staticmethod
    async def _seen_in(lookup: asyncio.Task[set[str]] | None, event_id: str) -> bool | None:
        """Whether the batch's read found the event handled; None if there is no such read or it failed."""
        if lookup is None:
            return None
        try:
            # Shielded: a lane cancelled while waiting must not cancel the batch's read for the others.
            return event_id in await asyncio.shield(lookup)
        except asyncio.CancelledError:
            raise
        except Exception:
            return None

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


def _pauses() -> Iterator[float]:
    """The pauses between retries: doubling up to RETRY_MAX_SECONDS, each jittered so that the events
    of one failed group commit do not all retry at the same moment."""
    delay = RETRY_FIRST_SECONDS
    while True:
        yield delay * random.uniform(0.5, 1.5)
        delay = min(delay * 2, RETRY_MAX_SECONDS)
