"""The presenter page's aiohttp listener: `/present/<token>`, its event stream, and two static files.

- A wrong, expired or revoked token gets the very 404 an unknown path gets (one response, built
  in one place), and each miss counts against the caller's address (guard.py).
- Every response carries a strict CSP (no inline script or style: JS and CSS are files),
  `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer` (the token is in the URL).
- No access log: the path holds the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

from adapters.present.guard import FailedAttempts
from adapters.present.hub import Hub
from adapters.present.qr import qr_svg
from adapters.present.render import join_link, page, slides
from bot.errors import ConfigError
from bot.presenting import Presenter, PresentView

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC = {"present.css": "text/css", "present.js": "text/javascript"}
NOT_FOUND_BODY = "404: Not Found"
KEEPALIVE_SECONDS = 15.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def not_found() -> web.Response:
    return web.Response(status=404, text=NOT_FOUND_BODY, content_type="text/plain")


def _static(name: str) -> bytes:
    return resources.files("adapters.present").joinpath("static", name).read_bytes()


class PresentServer:
    def __init__(self, presenter: Presenter, host: str = "127.0.0.1", port: int = 0, tick_seconds: float = 5.0,
                 attempts: FailedAttempts | None = None) -> None:  # fmt: skip
        self.presenter = presenter
        self.host = host
        self.port = port
        self.attempts = attempts or FailedAttempts()
        self.hub = Hub(presenter, self._render, tick_seconds)
        self.keepalive_seconds = KEEPALIVE_SECONDS
        self._qr: dict[str, str | None] = {}
        self._files = {name: _static(name) for name in STATIC}
        self.web = web.Application(middlewares=[self._uniform_errors])
        self.web.on_response_prepare.append(self._headers)
        self.web.add_routes(
            [
                web.get("/present/static/{name}", self.static),
                web.get("/present/{token}", self.page),
                web.get("/present/{token}/events", self.events),
            ]
        )
        self._runner: web.AppRunner | None = None
        presenter.service.events.subscribe(self.hub.on_event)

    async def start(self) -> int:
        """Listen; returns the bound port (port 0 asks for a free one)."""
        self._runner = web.AppRunner(self.web, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            reason = os.strerror(error.errno) if error.errno else str(error)
            where = f"{self.host}:{self.port}"
            raise ConfigError(f"config: [present] host/port {where} cannot be listened on ({reason})") from None
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self.hub.start()
        log.info("presenter page listening on %s:%s", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        await self.hub.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- plumbing --------------------------------------------------------------------------------

    @staticmethod
    async def _headers(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(SECURITY_HEADERS)

    @web.middleware
    async def _uniform_errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return not_found()
        except web.HTTPMethodNotAllowed:
            return not_found()

    def _qr_of(self, view: PresentView) -> str | None:
        if view.survey.id not in self._qr:
            link = join_link(view.survey.targets)
            self._qr[view.survey.id] = qr_svg(link) if link else None
        return self._qr[view.survey.id]

    def _render(self, view: PresentView) -> str:
        return json.dumps({"html": slides(view, self._qr_of(view)), "closed": view.closed})

    async def _survey_of(self, request: web.Request) -> str:
        """The survey the token opens; otherwise the uniform 404 (or 429 once an address misses too often)."""
        address = request.remote or "unknown"
        if self.attempts.blocked(address):
            raise web.HTTPTooManyRequests(text="Too many attempts; try again in a minute.")
        survey_id = await self.presenter.verify(request.match_info["token"])
        if survey_id is None:
            self.attempts.record(address)
            raise web.HTTPNotFound()
        return survey_id

    # -- routes ----------------------------------------------------------------------------------

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(body=self._files[name], content_type=STATIC[name])

    async def page(self, request: web.Request) -> web.Response:
        survey_id = await self._survey_of(request)
        view = await self.presenter.view(survey_id)
        return web.Response(text=page(view, self._qr_of(view)), content_type="text/html")

    async def events(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        survey_id = await self._survey_of(request)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"})
        await response.prepare(request)
        queue = self.hub.subscribe(survey_id)
        try:
            sent = await self.hub.current(survey_id)
            await response.write(f"retry: 2000\ndata: {sent}\n\n".encode())
            while True:
                try:
                    payload = await asyncio.wait_for(queue.get(), self.keepalive_seconds)
                except TimeoutError:
                    if await self.presenter.verify(token) is None:
                        await response.write(b"event: gone\ndata: {}\n\n")  # revoked or expired meanwhile
                        break
                    await response.write(b": keepalive\n\n")
                    continue
                if payload != sent:  # the first refresh both fills `current` and queues the same slides
                    sent = payload
                    await response.write(f"data: {payload}\n\n".encode())
        except (ConnectionResetError, ConnectionError):
            pass  # the page went away
        finally:
            self.hub.unsubscribe(survey_id, queue)
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response
