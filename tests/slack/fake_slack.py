"""A fake Slack Web API on 127.0.0.1 for the tests: records every call, refuses calls missing
required arguments the way Slack does ({"ok": false, "error": ...}), checks a few Block Kit limits,
implements the two-step file upload and response_url posts, and can be told to answer 429."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

JSON_FIELDS = ("blocks", "view", "files", "attachments")

# method -> required arguments; a tuple means "at least one of these".
REQUIRED: dict[str, list[str | tuple[str, ...]]] = {
    "auth.test": [],
    "chat.postMessage": ["channel", ("text", "blocks")],
    "chat.postEphemeral": ["channel", "user", ("text", "blocks")],
    "chat.update": ["channel", "ts"],
    "chat.delete": ["channel", "ts"],
    "conversations.open": [("users", "channel")],
    "conversations.members": ["channel"],
    "users.info": ["user"],
    "views.open": ["trigger_id", "view"],
    "views.push": ["trigger_id", "view"],
    "views.update": [("view_id", "external_id"), "view"],
    "views.publish": ["user_id", "view"],
    "files.getUploadURLExternal": ["filename", "length"],
    "files.completeUploadExternal": ["files"],
    "apps.connections.open": [],
}
ERROR_FOR = {
    "channel": "channel_not_found",
    "text": "no_text",
    "user": "user_not_found",
    "ts": "message_not_found",
    "trigger_id": "invalid_trigger_id",
    "view": "invalid_arguments",
    "user_id": "invalid_arguments",
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class UploadedFile:
    file_id: str
    filename: str
    alt_txt: str
    data: bytes = b""
    title: str = ""
    channel: str = ""
    initial_comment: str = ""
    completed: bool = False


def _text_limit_problems(node: Any, path: str = "") -> list[str]:
    """Plain-text option and button labels are limited to 75 characters in Slack."""
    problems: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "button" and len(node.get("text", {}).get("text", "")) > 75:
            problems.append(f"{path}: button text too long")
        for key, value in node.items():
            if key == "options" and isinstance(value, list):
                for option in value:
                    if len(option.get("text", {}).get("text", "")) > 75:
                        problems.append(f"{path}.options: option text too long")
            problems.extend(_text_limit_problems(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            problems.extend(_text_limit_problems(item, f"{path}[{i}]"))
    return problems


def _block_problems(blocks: list[Any], limit: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems = [f"more than {limit} blocks"] if len(blocks) > limit else []
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for block in blocks:
        if block.get("type") == "section" and len(block.get("text", {}).get("text", "")) > 3000:
            problems.append("section text over 3000 characters")
        if block.get("type") == "actions" and len(block.get("elements", [])) > 25:
            problems.append("more than 25 elements in an actions block")
    return problems + _text_limit_problems(blocks)


def _view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["view needs a type"]
    problems = _block_problems(view.get("blocks", []), 100)
    for key in ("title", "submit", "close"):
        if key in view and len(view[key].get("text", "")) > 24:
            problems.append(f"{key} over 24 characters")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata over 3000 characters")
    return problems


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_url
        self.files: dict[str, UploadedFile] = {}
        self.members: dict[str, list[str]] = {}
        self.bots: set[str] = {"UBOT"}
        self.zones: dict[str, str] = {}  # users.info `tz`, per user
        self.views: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # what the channels hold now, by (channel, ts)
        self.rate_limited_calls = 0
        self._limit_left = 0
        self._retry_after = "1"
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""
        self.socket: web.WebSocketResponse | None = None
        self.socket_acks: list[dict[str, Any]] = []
        self.socket_connected = asyncio.Event()
        self.fault_rate = 0.0
        self.fault_counts: dict[str, int] = {"429": 0, "500": 0, "timeout": 0}
        self._fault_rng = random.Random(0)
        self._hang_seconds = 0.0

    # -- control ----------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"{self.root}/api/"

    def rate_limit(self, calls: int, retry_after: str = "1") -> None:
        """Answer the next `calls` Web API calls with 429 and this Retry-After."""
        self._limit_left = calls
        self._retry_after = retry_after

    def inject_faults(self, rate: float, seed: int, hang_seconds: float) -> None:
        """Answer `rate` of the Web API calls (chosen with a seeded generator) with a 429 (Retry-After 1),
        a 500, or no answer for `hang_seconds` (longer than the client's timeout). The fault is decided
        BEFORE the call is carried out, so a faulted call delivers nothing and its retry is not a
        duplicate. (Real Slack can time out AFTER posting; see adapters/slack/retry.py.)"""
        self.fault_rate = rate
        self._fault_rng = random.Random(seed)
        self._hang_seconds = hang_seconds

    def ok_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200 and c.response.get("ok")]

    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/upload/{file_id}", self._upload),
                web.post("/response/{token}", self._response_url),
                web.get("/socket", self._socket),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.root = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- handlers ---------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if request.content_type == "application/json":
            args.update(json.loads(raw or "{}"))
        elif raw:
            args.update(dict(parse_qsl(raw, keep_blank_values=True)))
        for name in JSON_FIELDS:
            if isinstance(args.get(name), str):
                try:
                    args[name] = json.loads(args[name])
                except ValueError:
                    pass
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        if self.fault_rate and self._fault_rng.random() < self.fault_rate:
            fault = self._fault_rng.choice(["429", "500", "timeout"])
            self.fault_counts[fault] += 1
            if fault == "timeout":
                self.calls.append(Call(method, args, 0))
                await asyncio.sleep(self._hang_seconds)
                return web.json_response({"ok": False, "error": "too_late"}, status=504)
            self.calls.append(Call(method, args, int(fault)))
            if fault == "429":
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
                )
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        if self._limit_left > 0:
            self._limit_left -= 1
            self.rate_limited_calls += 1
            self.calls.append(Call(method, args, 429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": self._retry_after}
            )
        if not request.headers.get("Authorization", "").startswith("Bearer x"):
            return self._answer(method, args, {"ok": False, "error": "not_authed"})
        if method not in REQUIRED:
            return self._answer(method, args, {"ok": False, "error": "unknown_method"})
        for need in REQUIRED[method]:
            names = need if isinstance(need, tuple) else (need,)
            if not any(args.get(name) not in (None, "") for name in names):
                return self._answer(method, args, {"ok": False, "error": ERROR_FOR.get(names[0], "invalid_arguments")})
        problems: list[str] = []
        if "blocks" in args:
            problems += _block_problems(args["blocks"], 50)
        if "view" in args:
            problems += _view_problems(args["view"])
        if problems:
            return self._answer(method, args, {"ok": False, "error": "invalid_blocks", "problems": problems})
        return self._answer(method, args, self._result(method, args))

    def _answer(self, method: str, args: dict[str, Any], response: dict[str, Any]) -> web.Response:
        self.calls.append(Call(method, args, 200, response))
        return web.json_response(response)

    def _result(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": self.root.replace("http://", "ws://") + "/socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T1",
                "team": "Test",
                "user": "canvass",
            }
        if method == "chat.delete":
            # Like Slack: a bot deletes only a message that is there (its own, with a bot token).
            if self.messages.pop((args["channel"], args["ts"]), None) is None:
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or f"1700000000.{next(self._ts):06d}"
            if method == "chat.update" and (args["channel"], ts) not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[(args["channel"], ts)] = args
            return {
                "ok": True,
                "channel": args["channel"],
                "ts": ts,
                "message": {"text": args.get("text", "")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "conversations.open":
            user = str(args.get("users") or "").split(",")[0]
            return {"ok": True, "channel": {"id": f"D{user}"}}
        if method == "conversations.members":
            members = self.members.get(args["channel"])
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
            page = members[start : start + limit]
            following = str(start + limit) if start + limit < len(members) else ""
            return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}
        if method == "users.info":
            return {
                "ok": True,
                "user": {
                    "id": args["user"],
                    "is_bot": args["user"] in self.bots,
                    "deleted": False,
                    **({"tz": self.zones[args["user"]]} if args["user"] in self.zones else {}),
                },
            }
        if method in ("views.open", "views.push", "views.publish", "views.update"):
            if method == "views.update" and args.get("view_id") and args["view_id"] not in self.views:
                return {"ok": False, "error": "not_found"}
            view_id = args.get("view_id") or f"V{next(self._ids):05d}"
            view = dict(args["view"], id=view_id, hash=f"h{next(self._ids)}")
            self.views[view_id] = view
            return {"ok": True, "view": view}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):05d}"
            self.files[file_id] = UploadedFile(file_id, args["filename"], str(args.get("alt_txt") or ""))
            self.files[file_id].title = str(args["length"])  # kept to check the upload length
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            described = args["files"]
            for item in described:
                upload = self.files.get(item.get("id"))
                if upload is None or not upload.data:
                    return {"ok": False, "error": "file_not_found"}
            for item in described:
                upload = self.files[item["id"]]
                upload.title = str(item.get("title") or upload.filename)
                upload.channel = str(args.get("channel_id") or "")
                upload.initial_comment = str(args.get("initial_comment") or "")
                upload.completed = True
            return {"ok": True, "files": [{"id": i["id"], "title": i.get("title")} for i in described]}
        raise AssertionError(method)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.files.get(request.match_info["file_id"])
        data = await request.read()
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        if str(len(data)) != upload.title:
            return web.Response(status=400, text="length mismatch")
        upload.data = data
        self.calls.append(Call("upload", {"file_id": upload.file_id, "bytes": len(data)}))
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.responses.append(dict(payload, token=request.match_info["token"]))
        return web.Response(text="ok")

    # -- Socket Mode ------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        self.socket_connected.set()
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return socket

    async def send_envelope(self, envelope_type: str, payload: dict[str, Any], envelope_id: str) -> None:
        assert self.socket is not None
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
