"""The operator's listener: GET /metrics (Prometheus) and GET /healthz, in every mode.

It is apart from the Slack listener on purpose: that one faces the internet, this one binds loopback
by default. Nothing registered here may move with each answer (rule 7): a counter that ticks on every
vote would let whoever reads it match a click to a live-results step.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from aiohttp import web
    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)


class MetricsServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.platforms: list[str] = []
        self._registries: list[CollectorRegistry] = []
        self._runner: web.AppRunner | None = None
        self._started = time.time()

    def add(self, registry: CollectorRegistry) -> None:
        """An adapter's own counters (their own registry each, so that tests never collide)."""
        self._registries.append(registry)

    def _core_registry(self) -> CollectorRegistry:
        from prometheus_client import CollectorRegistry, Gauge

        registry = CollectorRegistry()
        Gauge("canvass_start_time_seconds", "When this process started (Unix time)", registry=registry).set(
            self._started
        )
        platform = Gauge("canvass_platform_up", "Chat platforms this process runs", ["platform"], registry=registry)
        for name in self.platforms:
            platform.labels(name).set(1)
        return registry

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return b"".join(generate_latest(r) for r in [self._core_registry(), *self._registries])

    async def start(self) -> int:
        """Listen; returns the bound port (port 0 asks for a free one). A port that cannot be bound is
        the operator's to fix: a ConfigError naming the key."""
        from aiohttp import web

        app = web.Application()
        app.add_routes([web.get("/metrics", self._metrics), web.get("/healthz", self._healthz)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ConfigError(
                f"config: [metrics] host/port {self.host}:{self.port} cannot be listened on ({reason}); "
                "choose another port or set [metrics] enabled = false"
            ) from None
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("metrics and health on http://%s:%s/metrics", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(body=self.render(), content_type="text/plain", charset="utf-8")

    async def _healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.json_response({"ok": True, "platforms": self.platforms})
