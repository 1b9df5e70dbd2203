"""The DMs the bot sent for a survey (invitations, reminders), deleted once it closes (issue 10, break 10).

A DM stays in the workspace's history: after close it would still tell an admin, or whoever holds
the bot token, who was invited and who was reminded (that is, who had not answered). Each DM's
(channel, ts) is kept in `bot_state` under `cleanup:<id>:`, which the close leaves in place (unlike
`survey:<id>:`) so that these refs outlive it; on SurveyClosed the bot deletes those messages with
chat.delete (a bot may delete its own), one at a time under Slack's rate limit, then deletes the keys.

The same refs are also kept in memory, so that a DM sent in the same process needs no read back.
A sweep (at start and every SWEEP_SECONDS) finishes what this process did not see or could not
finish: a close made by the CLI or another replica, a restart mid-deletion, deletions that failed
(their refs are kept and retried, never forgotten).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import Background
from bot.events import Event, SurveyClosed
from bot.ports import StateStore

log = logging.getLogger(__name__)

# chat.delete is a Tier 3 method (about 50 calls a minute); 429s are retried by the client as well.
DELETE_INTERVAL_SECONDS = 1.2
Ref = tuple[str, str]  # (DM channel id, message ts)


CHUNK = 100  # refs per state row: recording a DM rewrites one small row, not the whole list
SWEEP_SECONDS = 60.0
ROOT = "cleanup:"
SUFFIX = ":slack.dms"
IsClosed = Callable[[str], Awaitable[bool]]


class PrefixState(StateStore, Protocol):
    async def state_with_prefix(self, prefix: str) -> dict[str, str]: ...
    async def delete_state_prefix(self, prefix: str) -> None: ...


def state_key(survey_id: str) -> str:
    """How many DMs were recorded for the survey; the refs themselves are in chunk rows."""
    return f"cleanup:{survey_id}:slack.dms"


def chunk_key(survey_id: str, chunk: int) -> str:
    return f"{state_key(survey_id)}.{chunk}"


class DmTrail:
    def __init__(
        self,
        client: AsyncWebClient,
        state: PrefixState,
        background: Background,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        interval: float = DELETE_INTERVAL_SECONDS,
    ) -> None:
        self.client = client
        self.state = state
        self.background = background
        self._sleep = sleep
        self._interval = interval
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._memory: defaultdict[str, list[Ref]] = defaultdict(list)
        self._closed: set[str] = set()
        self.deleted = 0  # how many DMs were deleted, for tests

    async def record(self, survey_id: str, channel: str, ts: str) -> None:
        """Remember one DM sent for `survey_id`. One sent after the survey closed is deleted at once."""
        if not channel or not ts:
            return
        async with self._locks[survey_id]:
            if survey_id not in self._closed:
                self._memory[survey_id].append((channel, ts))
                count = await self._count(survey_id)
                key = chunk_key(survey_id, count // CHUNK)
                refs = self._decode(await self.state.get_state(key)) if count % CHUNK else []
                await self.state.set_state(key, json.dumps([*refs, (channel, ts)]))
                await self.state.set_state(state_key(survey_id), str(count + 1))
                return
        await self._delete(survey_id, [(channel, ts)])

    async def on_event(self, event: Event) -> None:
        if isinstance(event, SurveyClosed):
            self._closed.add(event.survey_id)
            self.background.spawn(self.clear(event.survey_id), "delete-dms")

    async def clear(self, survey_id: str) -> None:
        """Delete every DM recorded for the survey, then the record itself."""
        async with self._locks[survey_id]:
            chunks = -(-await self._count(survey_id) // CHUNK)
            stored: list[Ref] = []
            for chunk in range(chunks):
                stored += self._decode(await self.state.get_state(chunk_key(survey_id, chunk)))
            refs = list(dict.fromkeys([*stored, *self._memory.pop(survey_id, [])]))
            failed = await self._delete(survey_id, refs)
            # Deleting the prefix also scrubs the table's file: these refs name who was invited.
            await self.state.delete_state_prefix(state_key(survey_id))
            if failed:  # kept for the next sweep: Slack may answer then
                for start in range(0, len(failed), CHUNK):
                    await self.state.set_state(
                        chunk_key(survey_id, start // CHUNK), json.dumps(failed[start : start + CHUNK])
                    )
                await self.state.set_state(state_key(survey_id), str(len(failed)))
        self._locks.pop(survey_id, None)

    async def sweep(self, is_closed: IsClosed) -> None:
        """Clear every closed survey whose DMs are still recorded."""
        keys = await self.state.state_with_prefix(ROOT)
        for key in keys:
            if not key.endswith(SUFFIX):
                continue
            survey_id = key[len(ROOT) : -len(SUFFIX)]
            if await is_closed(survey_id):
                self._closed.add(survey_id)
                await self.clear(survey_id)

    async def sweep_forever(self, is_closed: IsClosed, every: float = SWEEP_SECONDS) -> None:
        while True:
            try:
                await self.sweep(is_closed)
            except Exception:
                log.exception("slack: the sweep of closed surveys' DMs failed; retrying later")
            await asyncio.sleep(every)

    async def _delete(self, survey_id: str, refs: list[Ref]) -> list[Ref]:
        """Delete each DM; returns those that could not be deleted (to retry)."""
        failed: list[Ref] = []
        for i, (channel, ts) in enumerate(refs):
            if i:
                await self._sleep(self._interval)
            try:
                await self.client.chat_delete(channel=channel, ts=ts)
                self.deleted += 1
            except SlackApiError as error:
                data = error.response.data if error.response is not None else None
                reason = data.get("error") if isinstance(data, dict) else None
                if reason not in ("message_not_found", "channel_not_found"):  # already gone: nothing to do
                    failed.append((channel, ts))
            except Exception:
                failed.append((channel, ts))
                log.exception("slack: deleting a DM of survey %s failed", survey_id)
        if failed:
            # Never which DM, nor how many: its channel names the person.
            log.warning("slack: some DMs of survey %s could not be deleted yet; retrying later", survey_id)
        return failed

    async def _count(self, survey_id: str) -> int:
        value = await self.state.get_state(state_key(survey_id))
        return int(value) if value and value.isdigit() else 0

    @staticmethod
    def _decode(value: str | None) -> list[Ref]:
        try:
            items = json.loads(value) if value else []
        except ValueError:
            return []
        if not isinstance(items, list):
            return []
        return [(str(i[0]), str(i[1])) for i in items if isinstance(i, list) and len(i) == 2]
