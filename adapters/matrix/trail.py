"""What a survey leaves behind in DMs, and taking it away again (DESIGN.md rule 5, "nothing stays
behind"). A DM is stored by the homeserver and readable with the bot's token, so:
- each answer event (a text reply or a poll response) is redacted soon after it is handled;
- the bot's own answer-bearing messages (review) are redacted after a short delay;
- at close, everything else of the survey in DMs goes too: invitations, prompts, poll starts,
  confirmations, reminders, and any reply still there.

The list is durable (bot_state), so a restart forgets nothing, and it is written in batches by a
background worker, so that neither a write nor a redaction round trip stands between one answer and
the next. What is needed only while the survey is open lives under "survey:<id>:", which the seal
deletes at close; what is needed to clean up after the close lives under "cleanup:<id>:", which the
seal keeps and the trail deletes once the DMs are clear (storage.state). Keys:
- survey:<id>:matrix.poll.<start event>  -> [question id, room]  (votes on that poll count)
- cleanup:<id>:matrix.keep.<batch>       -> [[room, event], ...]  redacted at close
- cleanup:<id>:matrix.due.<batch>        -> [[room, event, when], ...]  redacted when due
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.ports import StateStore

log = logging.getLogger(__name__)
ROOT = "survey:"
CLEANUP = "cleanup:"
MATRIX = "matrix."
LEGACY_POLL = "matrix.poll."  # before the trail: "<survey> <question>", kept after close (issue 10)
FLUSH_SECONDS = 0.5
SWEEP_SECONDS = 60.0
RETRY_SECONDS = 5.0
# While answers keep arriving (a plenary voting at once), due redactions wait until the stream pauses
# for QUIET_SECONDS, but never more than HOLD_SECONDS: each redaction is an event the homeserver must
# persist on the same cores that accept the next answers. They stay durable (bot_state) meanwhile.
QUIET_SECONDS = 1.0
HOLD_SECONDS = 15.0
CLOSE_ATTEMPTS = 3

Redact = Callable[[str, str], Awaitable[bool]]  # (room, event) -> False to try again later
IsClosed = Callable[[str], Awaitable[bool]]


class PrefixState(StateStore, Protocol):
    async def state_with_prefix(self, prefix: str) -> dict[str, str]: ...
    async def delete_state_prefix(self, prefix: str) -> None: ...


def survey_prefix(survey_id: str) -> str:
    return f"{ROOT}{survey_id}:{MATRIX}"


def cleanup_prefix(survey_id: str) -> str:
    return f"{CLEANUP}{survey_id}:{MATRIX}"


@dataclass
class _Due:
    when: float
    survey_id: str
    room: str
    event: str
    key: str | None = None  # the batch key, once written


class Trail:
    def __init__(
        self, state: PrefixState, redact: Redact, is_closed: IsClosed, clock: Callable[[], float] = time.time
    ) -> None:
        self.state = state
        self.redact = redact
        self.is_closed = is_closed
        self.clock = clock
        self._polls: dict[str, tuple[str, str, str]] = {}  # start event -> (survey, question, room)
        self._keep: dict[str, set[tuple[str, str]]] = defaultdict(set)  # survey -> (room, event)
        self._due: list[_Due] = []
        self._outstanding: dict[str, int] = {}  # batch key -> its due events not yet redacted
        self._unwritten: list[tuple[str, str, str, float | None]] = []  # (survey, room, event, when)
        self._wake = asyncio.Event()
        self._closing: dict[str, asyncio.Task[None]] = {}
        self._last_arrival = float("-inf")  # when `later` last recorded an event (the answer stream)

    # -- recording -------------------------------------------------------------------------------

    def poll(self, start_event: str) -> tuple[str, str] | None:
        """(survey, question) of a poll start the bot sent; memory only, so a vote reads nothing."""
        found = self._polls.get(start_event)
        return (found[0], found[1]) if found else None

    async def remember_poll(self, survey_id: str, question_id: str, room: str, start_event: str) -> None:
        self._polls[start_event] = (survey_id, question_id, room)
        await self.state.set_state(survey_prefix(survey_id) + f"poll.{start_event}", json.dumps([question_id, room]))
        if room:
            self.keep(survey_id, room, start_event)  # the poll start itself goes at close

    def keep(self, survey_id: str, room: str, event: str) -> None:
        """Redact this event of the survey at close."""
        self._keep[survey_id].add((room, event))
        self._unwritten.append((survey_id, room, event, None))

    def later(self, survey_id: str, room: str, event: str, delay: float = 0.0) -> None:
        """Redact this event after `delay` seconds (and at close, should that come first). Without a
        survey (""), the redaction is tried but not written down: there is nothing to close."""
        self._last_arrival = self.clock()
        due = _Due(self._last_arrival + delay, survey_id, room, event, None if survey_id else "")
        self._due.append(due)
        if survey_id:
            self._unwritten.append((survey_id, room, event, due.when))
        self._wake.set()

    def rooms(self, survey_id: str) -> set[str]:
        """The DM rooms this survey has events in (for the note sent after its close)."""
        rooms = {room for room, _ in self._keep.get(survey_id, set())}
        rooms |= {room for sid, _, room in self._polls.values() if sid == survey_id}
        rooms |= {d.room for d in self._due if d.survey_id == survey_id}
        return {room for room in rooms if room}

    # -- the worker ------------------------------------------------------------------------------

    async def load(self) -> None:
        """Everything still pending from before a restart."""
        await self._adopt_legacy_polls()
        stored = {**await self.state.state_with_prefix(ROOT), **await self.state.state_with_prefix(CLEANUP)}
        for key, value in stored.items():
            root = ROOT if key.startswith(ROOT) else CLEANUP
            survey_id, _, rest = key[len(root) :].partition(":")
            if not rest.startswith(MATRIX):
                continue
            kind, _, name = rest[len(MATRIX) :].partition(".")
            try:
                data = json.loads(value)
                if kind == "poll":
                    self._polls[name] = (survey_id, str(data[0]), str(data[1]))
                elif kind == "keep":
                    self._keep[survey_id].update((str(r), str(e)) for r, e in data)
                elif kind == "due":
                    self._outstanding[key] = len(data)
                    self._due.extend(_Due(float(w), survey_id, str(r), str(e), key) for r, e, w in data)
            except (ValueError, TypeError, IndexError):
                log.warning("matrix: ignored an unreadable redaction entry in bot_state")

    async def _adopt_legacy_polls(self) -> None:
        """Poll starts recorded by an older version: moved under their survey (room unknown), so that
        their votes still count and close deletes them."""
        legacy = await self.state.state_with_prefix(LEGACY_POLL)
        for key, value in legacy.items():
            survey_id, _, question_id = value.partition(" ")
            if survey_id and question_id:
                await self.remember_poll(survey_id, question_id, "", key[len(LEGACY_POLL) :])
        if legacy:
            for key in legacy:
                await self.state.delete_state(key)

    async def run(self) -> None:
        """Runs for the adapter's lifetime: writes new entries, redacts what is due, and now and then
        finishes the close of surveys closed elsewhere (the CLI, another replica) or interrupted."""
        next_sweep = 0.0
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
                await self._redact_due()
                if self.clock() >= next_sweep:
                    next_sweep = self.clock() + SWEEP_SECONDS
                    await self._sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("matrix: the redaction worker failed; retrying")

    async def flush(self) -> None:
        entries, self._unwritten = self._unwritten, []
        groups: dict[tuple[str, str], list[tuple[str, str, float | None]]] = defaultdict(list)
        for survey_id, room, event, when in entries:
            groups[(survey_id, "keep" if when is None else "due")].append((room, event, when))
        for (survey_id, kind), items in groups.items():
            key = cleanup_prefix(survey_id) + f"{kind}.{uuid.uuid4().hex[:16]}"
            if kind == "keep":
                await self.state.set_state(key, json.dumps([[r, e] for r, e, _ in items]))
                continue
            await self.state.set_state(key, json.dumps([[r, e, w] for r, e, w in items]))
            pending = {(r, e) for r, e, _ in items}
            count = 0
            for due in self._due:
                if due.key is None and due.survey_id == survey_id and (due.room, due.event) in pending:
                    due.key = key
                    count += 1
            self._outstanding[key] = count
            if count == 0:
                await self.state.delete_state(key)  # closed meanwhile

    async def _redact_due(self) -> None:
        now = self.clock()
        ready = [d for d in self._due if d.key is not None and d.when <= now]
        if ready and now - self._last_arrival < QUIET_SECONDS and now - min(d.when for d in ready) < HOLD_SECONDS:
            return  # a burst of answers is still coming in: redact in the pause after it
        for due in ready:
            if not await self.redact(due.room, due.event):
                due.when = self.clock() + RETRY_SECONDS
                continue
            if due in self._due:
                self._due.remove(due)
            await self._settle(due.key)

    async def _settle(self, key: str | None) -> None:
        if key is None or key not in self._outstanding:
            return
        self._outstanding[key] -= 1
        if self._outstanding[key] <= 0:
            del self._outstanding[key]
            await self.state.delete_state(key)

    async def _sweep(self) -> None:
        surveys = {s for s, _, _ in self._polls.values()} | set(self._keep) | {d.survey_id for d in self._due}
        for survey_id in surveys - {""}:
            if survey_id not in self._closing and await self.is_closed(survey_id):
                self.close(survey_id)

    # -- close -----------------------------------------------------------------------------------

    def closing(self) -> list[asyncio.Task[None]]:
        return list(self._closing.values())

    def close(self, survey_id: str) -> asyncio.Task[None]:
        """Redact whatever of this survey remains in DMs, then forget it (in the background)."""
        task = self._closing.get(survey_id)
        if task is None or task.done():
            task = asyncio.create_task(self._close(survey_id), name="matrix-close-redactions")
            self._closing[survey_id] = task
            task.add_done_callback(lambda _: self._closing.pop(survey_id, None))
        return task

    async def _close(self, survey_id: str) -> None:
        await self.flush()
        events = self._take(survey_id)
        # Entries written by an earlier run of the bot (or another replica) that memory lacks.
        stored = {
            **await self.state.state_with_prefix(survey_prefix(survey_id)),
            **await self.state.state_with_prefix(cleanup_prefix(survey_id)),
        }
        for key, value in stored.items():
            try:
                data = json.loads(value)
                if ".poll." in key:
                    events.add((str(data[1]), key.rsplit(".poll.", 1)[1]))
                else:
                    events.update((str(item[0]), str(item[1])) for item in data)
            except (ValueError, TypeError, IndexError):
                continue
        left = sorted((room, event) for room, event in events if room)  # no room: an older version's poll
        for _ in range(CLOSE_ATTEMPTS):
            left = [(room, event) for room, event in left if not await self.redact(room, event)]
            if not left:
                break
            await asyncio.sleep(RETRY_SECONDS)
        await self.state.delete_state_prefix(survey_prefix(survey_id))  # the seal did, unless it is older
        await self.state.delete_state_prefix(cleanup_prefix(survey_id))
        if left:
            # Kept for the next sweep: the homeserver may be back by then.
            self._keep[survey_id].update(left)
            self._unwritten.extend((survey_id, r, e, None) for r, e in left)
            log.warning("matrix: some DM events of survey %s could not be redacted yet; retrying later", survey_id)
        log.info("matrix: the DMs of survey %s are cleared", survey_id)

    def _take(self, survey_id: str) -> set[tuple[str, str]]:
        events = self._keep.pop(survey_id, set())
        for start, (sid, _, room) in list(self._polls.items()):
            if sid == survey_id:
                events.add((room, start))
                del self._polls[start]
        for due in [d for d in self._due if d.survey_id == survey_id]:
            events.add((due.room, due.event))
            self._due.remove(due)
            if due.key is not None:
                self._outstanding.pop(due.key, None)
        self._unwritten = [u for u in self._unwritten if u[0] != survey_id]
        return events
