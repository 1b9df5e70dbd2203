"""Shared by the Slack benchmarks: signed `block_actions` bodies shaped like Slack's, a minimal fake
Web API, and a load generator. Each server and the generator run in their own process (spawned), so
the generator never competes with the bot for one event loop.

Not a benchmark itself (the leading underscore keeps `python -m bench` from running it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "bench-signing-secret-0123456789ab"
CHANNEL = "CBENCH"
TEAM = {"id": "T1", "domain": "canvass-bench"}


def sign(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, secret: str = SIGNING_SECRET, **extra: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp, secret),
        **extra,
    }


@dataclass(frozen=True)
class Vote:
    """One click on a poll button: who, and the button's value "SURVEY|QUESTION|OPTION"."""

    user: str
    value: str
    message_ts: str = "1700000000.000001"


def block_actions_body(vote: Vote, n: int, channel: str = CHANNEL) -> str:
    """The form body Slack POSTs for a button click in a channel message (payload=<JSON>)."""
    option = vote.value.rsplit("|", 1)[-1]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": vote.user, "username": vote.user.lower(), "name": vote.user.lower(), "team_id": TEAM["id"]},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {"type": "message", "message_ts": vote.message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{n}.1.bench",
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "bench"},
        "message": {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": vote.message_ts, "text": "poll"},
        "state": {"values": {}},
        "response_url": f"http://127.0.0.1:9/response/{n}",
        "actions": [
            {
                "action_id": f"canvass_vote:{option}",
                "block_id": f"vote|{vote.value.split('|', 1)[0]}",
                "text": {"type": "plain_text", "text": f"Option {option}", "emoji": True},
                "value": vote.value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


# -- a minimal fake Web API -------------------------------------------------------------------------


def _fake_result(method: str, args: dict[str, Any], counter: Any) -> dict[str, Any]:
    ts = f"1700000000.{next(counter):06d}"
    if method == "auth.test":
        return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "canvass"}
    if method in ("chat.postMessage", "chat.update"):
        return {"ok": True, "channel": args.get("channel", CHANNEL), "ts": args.get("ts") or ts}
    if method == "conversations.open":
        return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": ts}
    return {"ok": True}


async def _serve_fake_api(conn: Connection) -> None:
    from urllib.parse import parse_qsl

    from aiohttp import web

    counts: dict[str, int] = {}
    counter = itertools.count(1)

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        args: dict[str, Any] = (
            json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
        )
        counts[method] = counts.get(method, 0) + 1
        return web.json_response(_fake_result(method, args, counter))

    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.add_routes([web.post("/api/{method}", api)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    conn.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # any message: report the counts and stop
    conn.send(counts)
    await runner.cleanup()


def _fake_api_main(conn: Connection) -> None:
    asyncio.run(_serve_fake_api(conn))


class FakeApiProcess:
    """The fake Web API in its own process; `stop()` returns how many calls of each method it got."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_fake_api_main, args=(child,), daemon=True)
        self._process.start()
        self.url = f"http://127.0.0.1:{self._conn.recv()}/api/"

    def stop(self) -> dict[str, int]:
        self._conn.send("stop")
        counts: dict[str, int] = self._conn.recv()
        self._process.join(10)
        return counts


# -- the load generator ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    sent: int
    ok: int
    statuses: dict[int, int]
    elapsed: float  # from the first request to the last answer
    latencies: list[float]  # seconds, per answered request (open-loop: from its scheduled time)
    ok_users: list[str]


async def _load(
    url: str, votes: Sequence[Vote], concurrency: int, rate: float | None, max_seconds: float
) -> LoadResult:
    import aiohttp

    prepared = [(v.user, block_actions_body(v, n)) for n, v in enumerate(votes)]
    requests = [(user, body.encode(), signed_headers(body)) for user, body in prepared]
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    ok_users: list[str] = []
    connector = aiohttp.TCPConnector(limit=0 if rate else concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(user: str, data: bytes, headers: dict[str, str], since: float) -> None:
            try:
                async with session.post(url, data=data, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            latencies.append(time.perf_counter() - since)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                ok_users.append(user)

        start = time.perf_counter()
        deadline = start + max_seconds
        sent = 0
        if rate is None:  # closed loop: `concurrency` clients, each sends its next request on an answer
            queue = iter(requests)

            async def client() -> None:
                nonlocal sent
                for user, data, headers in queue:
                    if time.perf_counter() > deadline:
                        return
                    sent += 1
                    await one(user, data, headers, time.perf_counter())

            await asyncio.gather(*(client() for _ in range(concurrency)))
        else:  # open loop: request i is due at start + i/rate whether or not earlier ones were answered
            tasks = []
            for i, (user, data, headers) in enumerate(requests):
                due = start + i / rate
                if due > deadline:
                    break
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent += 1
                tasks.append(asyncio.create_task(one(user, data, headers, due)))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return LoadResult(sent, statuses.get(200, 0), statuses, elapsed, latencies, ok_users)


def _load_main(conn: Connection, url: str, votes: list[Vote], concurrency: int, rate: float | None, cap: float) -> None:
    conn.send(asyncio.run(_load(url, votes, concurrency, rate, cap)))


async def generate_load(
    url: str, votes: Sequence[Vote], *, concurrency: int = 20, rate: float | None = None, max_seconds: float = 60.0
) -> LoadResult:
    """Run the generator in a spawned process and wait (without blocking this event loop) for its result."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_load_main, args=(child, url, list(votes), concurrency, rate, max_seconds))
    process.start()
    loop = asyncio.get_running_loop()
    result: LoadResult = await loop.run_in_executor(None, parent.recv)
    await loop.run_in_executor(None, process.join, 10)
    return result
