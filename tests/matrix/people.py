# ruff: noqa: ASYNC109  (test helpers take plain timeouts on purpose)
"""Test-side Matrix users: real nio clients that sync on demand and remember what they saw."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteMemberEvent,
    LoginResponse,
    RoomCreateResponse,
    RoomPreset,
    SyncResponse,
)

from tests.matrix.homeserver import Account, Homeserver

POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"
Seen = tuple[str, Event]


def event_type(event: Event) -> str:
    return str(event.source.get("type", ""))


def content(event: Event) -> dict[str, Any]:
    value = event.source.get("content") or {}
    return value if isinstance(value, dict) else {}


def body(event: Event) -> str:
    return str(content(event).get("body", ""))


class Person:
    def __init__(self, hs: Homeserver, account: Account, store: Path | None = None) -> None:
        self.account = account
        self.user_id = account.user_id
        encryption = store is not None
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(
            encryption_enabled=encryption,
            store_sync_tokens=False,
            max_timeouts=None,
            backoff_factor=0.2,
            max_timeout_retry_wait_time=2,
        )
        self.client = AsyncClient(
            hs.url, account.user_id, store_path=str(store) if store else "", config=config
        )
        self.events: list[Seen] = []
        self.auto_join = True
        self.joined: set[str] = set()

    async def login(self) -> Person:
        response = await self.client.login(self.account.password, device_name="test")
        assert isinstance(response, LoginResponse), response
        if self.client.olm is not None and self.client.should_upload_keys:
            await self.client.keys_upload()
        return self

    async def close(self) -> None:
        await self.client.close()

    async def sync(self, timeout_ms: int = 2000) -> None:
        response = await self.client.sync(timeout=timeout_ms)
        if not isinstance(response, SyncResponse):
            await asyncio.sleep(0.2)
            return
        client = self.client
        if client.olm is not None:
            await client.send_to_device_messages()
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
        for room_id, info in response.rooms.invite.items():
            invited = any(
                isinstance(e, InviteMemberEvent) and e.state_key == self.user_id for e in info.invite_state
            )
            if invited and self.auto_join and room_id not in self.joined:
                await client.join(room_id)
                self.joined.add(room_id)
        for room_id, joined in response.rooms.join.items():
            self.joined.add(room_id)
            self.events.extend((room_id, e) for e in joined.timeline.events)

    async def wait_for(
        self, predicate: Callable[[str, Event], bool], timeout: float = 30.0, after: int = 0
    ) -> Seen:
        """The first event (from index `after`) matching, syncing until it arrives."""
        deadline = time.monotonic() + timeout
        while True:
            for room_id, event in self.events[after:]:
                if predicate(room_id, event):
                    return room_id, event
            if time.monotonic() > deadline:
                seen = [(r[-6:], event_type(e), body(e)[:60]) for r, e in self.events[-8:]]
                raise AssertionError(f"{self.user_id} waited {timeout}s in vain; last seen: {seen}")
            await self.sync()

    def mark(self) -> int:
        return len(self.events)

    async def wait_bot_text(
        self, bot: str, needle: str, after: int = 0, room: str | None = None, timeout: float = 30.0
    ) -> Seen:
        return await self.wait_for(
            lambda r, e: e.sender == bot and needle in body(e) and (room is None or r == room), timeout, after
        )

    async def say(self, room_id: str, text: str) -> str:
        response = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": text}, ignore_unverified_devices=True
        )
        return str(response.event_id)

    async def vote(
        self, room_id: str, start_event_id: str, answer_ids: list[str], event_kind: str = POLL_RESPONSE
    ) -> str:
        content = {
            "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
            "org.matrix.msc3381.poll.response": {"answers": answer_ids},
        }
        if event_kind == "m.poll.response":
            content = {"m.relates_to": content["m.relates_to"], "m.poll.response": {"answers": answer_ids}}
        response = await self.client.room_send(room_id, event_kind, content, ignore_unverified_devices=True)
        return str(response.event_id)

    async def create_room(
        self, invite: list[str], encrypted: bool = False, direct: bool = False, trusted: bool = True
    ) -> str:
        state = [
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
        ]
        response = await self.client.room_create(
            invite=invite,
            is_direct=direct,
            initial_state=state if encrypted else [],
            # As Element opens a DM: both members get the same power (so the bot may redact answers).
            preset=RoomPreset.trusted_private_chat if direct and trusted else None,
        )
        assert isinstance(response, RoomCreateResponse), response
        self.joined.add(response.room_id)
        return response.room_id


async def people(hs: Homeserver, prefix: str, count: int, store_root: Path | None = None) -> list[Person]:
    tag = uuid.uuid4().hex[:6]
    accounts = [await hs.register(f"{prefix}{i}-{tag}") for i in range(count)]
    persons = [
        Person(hs, a, store_root / a.user_id[1:].split(":")[0] if store_root else None) for a in accounts
    ]
    await asyncio.gather(*(p.login() for p in persons))
    return persons


async def join_all(persons: list[Person], room_id: str) -> None:
    async def join(p: Person) -> None:
        await p.client.join(room_id)
        p.joined.add(room_id)

    await asyncio.gather(*(join(p) for p in persons))
