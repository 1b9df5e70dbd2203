"""`create(core)`: the Slack adapter, in Socket Mode or HTTP mode as config [slack] mode says."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids
from adapters.slack.app import build_app
from adapters.slack.background import Background
from adapters.slack.context import ClickGuard, SlackContext
from adapters.slack.dm_trail import DmTrail
from adapters.slack.forget import forget_at_close
from adapters.slack.handlers.voting import fast_vote
from adapters.slack.http_server import SlackHttpServer
from adapters.slack.live import LiveUpdater
from adapters.slack.messenger import PLATFORM, SlackMessenger
from adapters.slack.metrics import SlackMetrics
from adapters.slack.modals import BLOCK_LIMIT
from adapters.slack.retry import Sleep, retry_handlers
from bot.domain import Status
from bot.errors import NotFound

log = logging.getLogger(__name__)


# The SDK logs request and response bodies at DEBUG; those can carry answers (DESIGN.md rule 7).
_client_log = logging.getLogger("canvass.slack.client")
_client_log.setLevel(logging.INFO)


class SlackAdapter:
    platform = PLATFORM

    def __init__(
        self,
        core: Any,
        *,
        sleep: Sleep = asyncio.sleep,
        live_sleep: Sleep = asyncio.sleep,
        cleanup_sleep: Sleep = asyncio.sleep,
        modal_block_limit: int = BLOCK_LIMIT,
    ) -> None:
        settings = core.config.slack
        self.core = core
        self.settings = settings
        self.metrics = SlackMetrics()
        handlers = retry_handlers(sleep=sleep, on_wait=lambda _seconds: self.metrics.rate_limit_waits.inc())
        client_args: dict[str, Any] = {
            "token": settings.bot_token or None,
            "retry_handlers": handlers,
            "logger": _client_log,
        }
        if settings.api_url:
            client_args["base_url"] = settings.api_url.rstrip("/") + "/"
        self.client = AsyncWebClient(**client_args)
        self.background = Background()
        self.trail = DmTrail(self.client, core.state, self.background, sleep=cleanup_sleep)
        core.service.events.subscribe(self.trail.on_event)
        self.messenger = SlackMessenger(self.client, core.service, core.repository, self.trail)
        self.live = LiveUpdater(
            self.client,
            core.service,
            core.repository,
            self.background,
            settings.update_interval_seconds,
            sleep=live_sleep,
        )
        core.service.events.subscribe(self.live.on_event)
        self.context = SlackContext(
            service=core.service,
            delivery=core.delivery,
            commands=core.commands,
            state=core.state,
            client=self.client,
            messenger=self.messenger,
            live=self.live,
            background=self.background,
            metrics=self.metrics,
            guard=ClickGuard(),
            retry_handlers=handlers,
            clock=core.clock,
            timezone=core.config.canvass.timezone,
            default_k=core.config.canvass.default_k,
            modal_block_limit=modal_block_limit,
            renderer=core.renderer,
            mode=settings.mode,
            public_url=settings.public_url if settings.mode == "http" else "",
        )
        forget_at_close(core.service.events, self.context.copies, self.context.edits)
        self.app = build_app(self.context, settings.signing_secret)
        self.http: SlackHttpServer | None = None
        self._socket: Any = None
        self._stopped = asyncio.Event()
        self.grace = core.config.canvass.shutdown_grace_seconds
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect (Socket Mode) or listen (HTTP mode), then return; `run` also waits until stopped."""
        if self.client.session is None:
            # One pooled session for every Web API call: without it the SDK opens (and closes) a new
            # connection per call, which under a burst of votes cost more than storing the votes.
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.api_timeout_seconds)
            )
        if self.settings.mode == "http":
            self.http = SlackHttpServer(
                self.app,
                self.settings.signing_secret,
                self.metrics,
                self.settings.http_host,
                self.settings.http_port,
                shutdown_timeout=self.grace,
                copies=self.context.copies,
                direct={ids.VOTE: fast_vote(self.context)},
            )
            await self.http.start()
        else:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.settings.app_token, web_client=self.client)
            await self._socket.connect_async()
            log.info("slack connected in Socket Mode")

        # DMs of surveys closed elsewhere (the CLI, a replica) or before a restart are deleted too.
        self._sweeper = asyncio.create_task(self.trail.sweep_forever(self._is_closed), name="slack-dm-sweep")

    async def _is_closed(self, survey_id: str) -> bool:
        try:
            return (await self.core.service.get(survey_id)).status is Status.CLOSED
        except NotFound:
            return True

    async def run(self) -> None:
        await self.start()
        await self._stopped.wait()

    async def stop(self) -> None:
        """Stop taking requests, let those in flight finish, then the background work (DMs, live
        updates) they started; all within the shutdown grace."""
        deadline = time.monotonic() + self.grace
        self._stopped.set()
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self.http is not None:
            await self.http.stop()  # closes the listener first, then drains for up to the grace
            self.http = None
        await self.background.finish(max(0.0, deadline - time.monotonic()))
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None


def create(core: Any) -> SlackAdapter:
    return SlackAdapter(core)
