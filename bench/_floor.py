"""The same-work Slack floor: the least code that does what a Canvass vote must do, with the same
libraries and the leanest way Canvass knows of using each, and nothing to spare:

1. verify the signature (over the raw bytes, stdlib HMAC, on the aiohttp server);
2. parse the body once;
3. commit one row in a group commit (votes that arrive together share one transaction), in one trip
   to a writer thread on a plain sqlite3 connection with Canvass's writer settings
   (storage/write_thread.py);
4. send one chat.postEphemeral to the fake Web API after the ack (at most 4 in flight, like Canvass):
   one JSON POST on a pooled aiohttp session, encoded and its `ok` checked with orjson, as Canvass's;
5. ack (the 200 leaves after the commit).

Until issue 15's fourth pass the floor committed through SQLAlchemy on aiosqlite and confirmed
through slack_sdk's client; Canvass's vote path had overtaken that, so the floor was tightened.

Not a benchmark itself: bench/slack_ingest.py and bench/slack_ack_latency.py measure it beside
Canvass in the same run.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
from aiohttp import ClientSession, web
from sqlalchemy import text

from adapters.slack.signature import is_valid
from storage.engine import create_engine
from storage.write_thread import WriteThread

CONFIRMATIONS_IN_FLIGHT = 4


UPSERT = "INSERT INTO votes (voter, answer) VALUES (?, ?) ON CONFLICT (voter) DO UPDATE SET answer = excluded.answer"


def _write(conn: sqlite3.Connection, rows: list[tuple[str, str]]) -> None:
    conn.executemany(UPSERT, rows)


class GroupCommit:
    """One transaction for every vote waiting when the previous one finished."""

    def __init__(self, thread: WriteThread) -> None:
        self.thread = thread
        self._queue: list[tuple[tuple[str, str], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, row: tuple[str, str]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._queue:
            await asyncio.sleep(0)
            batch, self._queue = self._queue, []
            await self.thread.transaction(_write, [row for row, _ in batch])
            for _, done in batch:
                done.set_result(None)


@asynccontextmanager
async def floor_server(api_url: str, folder: str, secret: str) -> AsyncIterator[tuple[str, set[asyncio.Task[Any]]]]:
    """Yields the events URL and the set of confirmation tasks still running (to wait for them)."""
    url = f"sqlite:///{Path(folder) / 'floor.db'}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE votes (voter TEXT PRIMARY KEY, answer TEXT NOT NULL)"))
    await engine.dispose()
    thread = WriteThread(url, "floor-writer")
    writer = GroupCommit(thread)
    session = ClientSession()
    headers = {"Authorization": "Bearer xoxb-bench", "Content-Type": "application/json;charset=utf-8"}
    slots = asyncio.Semaphore(CONFIRMATIONS_IN_FLIGHT)
    pending: set[asyncio.Task[Any]] = set()

    async def confirm(channel: str, user: str) -> None:
        body = orjson.dumps({"channel": channel, "user": user, "text": "✓ Your answer is recorded."})
        async with slots, session.post(api_url + "chat.postEphemeral", data=body, headers=headers) as response:
            if response.status != 200 or orjson.loads(await response.read()).get("ok") is not True:
                raise RuntimeError(f"chat.postEphemeral failed: {response.status}")

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        headers = request.headers
        if not is_valid(
            secret, raw, headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", ""), time.time()
        ):
            return web.Response(status=401)
        payload = json.loads(parse_qs(raw.decode())["payload"][0])
        user, channel = payload["user"]["id"], payload["channel"]["id"]
        await writer.add((user, payload["actions"][0]["value"]))
        task = asyncio.create_task(confirm(channel, user))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return web.Response(status=200)

    app = web.Application()
    app.add_routes([web.post("/slack/events", events)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/slack/events", pending
    finally:
        await asyncio.gather(*list(pending), return_exceptions=True)
        await runner.cleanup()
        await session.close()
        await thread.dispose()


async def floor_rows(folder: str) -> int:
    engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'floor.db'}")
    try:
        async with engine.connect() as conn:
            return int((await conn.scalar(text("SELECT count(*) FROM votes"))) or 0)
    finally:
        await engine.dispose()
