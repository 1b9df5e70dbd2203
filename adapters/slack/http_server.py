"""HTTP mode: one aiohttp server for /slack/events and /healthz (metrics are on the operator's own
listener, `bot/metrics_server.py`, never on this public one).

Like bolt-python's framework adapters, the Slack part only converts the request and calls
`app.async_dispatch`; the signature is checked first so that a forged request is refused (401)
before anything is parsed, let alone stored.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body

from adapters.slack.copies import COPY_PATH, CopyDesk
from adapters.slack.metrics import SlackMetrics
from adapters.slack.payload_check import problem
from adapters.slack.signature import is_valid
from bot.errors import ConfigError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024

# action_id prefix -> handler of a block_actions payload with that one action (the hot vote click).
DirectRoutes = Mapping[str, Callable[[dict[str, Any]], Awaitable[None]]]


def _kind(body: str) -> str:
    if body.startswith("payload="):
        return "interactive"
    if body.lstrip().startswith("{"):
        return "event"
    return "command"


def _bolt_request(raw: str, parsed: dict[str, Any], query: str, headers: dict[str, Any]) -> AsyncBoltRequest:
    """Bolt's request for a body already parsed here: built from an empty body, then given the raw
    text (its signature check reads it) and the parse, so the body is not parsed a second time."""
    request = AsyncBoltRequest(body="", query=query, headers=headers)
    request.raw_body = raw
    request.body = parsed
    request.context = build_async_context(AsyncBoltContext({}), parsed)
    return request


class SlackHttpServer:
    def __init__(
        self,
        app: AsyncApp,
        signing_secret: str,
        metrics: SlackMetrics,
        host: str,
        port: int,
        shutdown_timeout: float = 10.0,
        copies: CopyDesk | None = None,
        direct: DirectRoutes | None = None,
    ) -> None:
        self.app = app
        self.copies = copies
        self.direct = dict(direct or {})
        self.signing_secret = signing_secret
        self.metrics = metrics
        self.host = host
        self.port = port
        self.web = web.Application(client_max_size=MAX_BODY_BYTES)
        self.web.add_routes(
            [
                web.post(EVENTS_PATH, self.events),
                web.get("/healthz", self.healthz),
                # No HEAD: a probe must not use up the one download.
                web.get(COPY_PATH + "{token}", self.copy, allow_head=False),
            ]
        )
        self.shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; returns the bound port (useful when port 0 asked for a free one)."""
        self._runner = web.AppRunner(self.web, access_log=None, shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ConfigError(
                f"config: [slack] http_host/http_port {self.host}:{self.port} cannot be listened on ({reason})"
            ) from None
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("slack HTTP mode listening on %s:%s%s", self.host, self.port, EVENTS_PATH)
        return self.port

    async def stop(self) -> None:
        """Stop accepting (the listening socket closes first), then let requests in flight finish for
        up to `shutdown_timeout` seconds before their handlers are cancelled."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _refuse(self, status: int, reason: str) -> web.Response:
        self.metrics.refused.labels(reason).inc()
        return web.json_response({"ok": False, "error": reason}, status=status)

    async def events(self, request: web.Request) -> web.Response:
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not is_valid(self.signing_secret, raw, timestamp, signature, time.time()):
            return self._refuse(401, "invalid_signature")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._refuse(400, "invalid_encoding")
        kind = _kind(body)
        started = time.monotonic()
        headers = dict(request.headers)
        try:
            # Bolt's own parser; the result is checked once and handed on, never parsed again.
            parsed = parse_body(body, headers.get("Content-Type"))
        except (ValueError, AttributeError, TypeError, KeyError):
            # An unparseable or oddly shaped body (a list where an object belongs).
            return self._refuse(400, "invalid_payload")
        reason = problem(parsed)
        if reason is not None:
            log.info("refused a malformed Slack request: %s", reason)  # the reason, never the body
            return self._refuse(400, "invalid_payload")
        handler = self._direct_route(parsed)
        if handler is not None:
            await handler(parsed)  # the vote is committed when this returns; the 200 is the ack
            return web.Response(status=200)
        response = await self.app.async_dispatch(_bolt_request(body, parsed, request.query_string, headers))
        if time.monotonic() - started > 2.5:
            log.warning("a Slack %s request took %.1fs to ack", kind, time.monotonic() - started)
        return await to_aiohttp_response(response)

    def _direct_route(self, parsed: dict[str, Any]) -> Callable[[dict[str, Any]], Awaitable[None]] | None:
        if parsed.get("type") != "block_actions" or not self.direct:
            return None
        actions = parsed["actions"]  # checked by problem(): a non-empty list of dicts with action ids
        if len(actions) != 1:
            return None
        prefix = actions[0]["action_id"].split(":", 1)[0]
        return self.direct.get(prefix)

    async def copy(self, request: web.Request) -> web.Response:
        """A participant's one-time PDF (adapters/slack/copies.py): the random token is the only key, it
        works once, and the response tells browsers and proxies to keep nothing."""
        pdf = self.copies.download(request.match_info["token"]) if self.copies is not None else None
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
        if pdf is None:
            return web.Response(status=404, text="This link has been used or has expired.", headers=headers)
        headers["Content-Disposition"] = 'attachment; filename="canvass-contribution.pdf"'
        return web.Response(body=pdf, content_type="application/pdf", headers=headers)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})
