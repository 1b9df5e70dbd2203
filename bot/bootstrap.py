"""The composition root: the one place that wires concrete storage, charts and adapters to the core.

The core's modules never import storage, charts or adapters; this module loads them by name, only
when asked, so that importing `bot` opens nothing and pulls in no platform SDK.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import SystemClock
from bot.command_handler import CommandHandler
from bot.config import Config, master_secret
from bot.delivery import Delivery, Messengers
from bot.ports import ChartRenderer, Clock, PlatformAdapter, ReminderBook, ReplicaLock, StateStore
from bot.ratelimit import RateLimiter
from bot.scheduling.book import Reminders
from bot.scheduling.engine import SchedulingEngine
from bot.scheduling.ports import JobScheduler
from bot.scheduling.timers import APSchedulerJobs
from bot.service import Canvass

log = logging.getLogger(__name__)


@dataclass
class Core:
    config: Config
    clock: Clock
    service: Canvass
    delivery: Delivery
    commands: CommandHandler
    state: StateStore
    repository: Any  # storage.repository.SqlRepository; typed loosely to keep storage out of the core
    renderer: ChartRenderer | None
    messengers: Messengers
    scheduler: SchedulingEngine | None = None  # started by `run`; idle (but wired) elsewhere
    reminders: ReminderBook | None = None
    background: list[Any] = field(default_factory=list)  # things with an async stop()
    # name -> a lock that keeps that work on one replica (PostgreSQL advisory lock; granted on SQLite)
    replica_lock: Callable[[str], ReplicaLock] | None = None

    async def close(self) -> None:
        await self.service.settle()
        for item in reversed(self.background):
            await item.stop()
        if self.scheduler is not None and self.scheduler.started:
            await self.scheduler.stop()
        await self.repository.dispose()


def load_renderer(config: Config) -> ChartRenderer | None:
    try:
        module = importlib.import_module("charts.renderer")
    except ImportError:
        return None
    renderer: ChartRenderer = module.MatplotlibChartRenderer(max_workers=config.charts.workers)
    return renderer


async def build_core(
    config: Config,
    clock: Clock | None = None,
    renderer: ChartRenderer | None = None,
    with_charts: bool = True,
    reminders: ReminderBook | None = None,
    jobs: JobScheduler | None = None,
    owner: str | None = None,
) -> Core:
    """Wire the core. `jobs` replaces APScheduler (tests pass a ManualScheduler); `owner` names this
    replica in reminder claims."""
    migrate = importlib.import_module("storage.migrate")
    engine_module = importlib.import_module("storage.engine")
    repository_module = importlib.import_module("storage.repository")
    config.data_path.mkdir(parents=True, exist_ok=True)
    url = config.database_url
    await migrate.upgrade_async(url)
    engine = engine_module.create_engine(url)
    repository = repository_module.SqlRepository(engine)
    clock = clock or SystemClock()
    service = Canvass(repository, clock, master_secret(config), config.organisers)
    if renderer is None and with_charts:
        renderer = load_renderer(config)
    messengers = Messengers()
    # Results are posted by the scheduling outbox (exactly once, from a connected replica).
    delivery = Delivery(service, messengers, renderer, auto_post_results=False)
    store = importlib.import_module("storage.reminders").SqlReminderStore(engine)
    book = Reminders(store, service, clock)  # subscribes before the engine: it updates rows the engine reads
    service.use_reminders(book)
    scheduler = SchedulingEngine(
        delivery,
        store,
        jobs or APSchedulerJobs(),
        clock,
        RateLimiter(config.scheduler.send_rate, config.scheduler.send_burst),
        owner=owner,
        sweep_seconds=config.scheduler.sweep_seconds,
        lease_seconds=config.scheduler.lease_seconds,
    )
    reminders = reminders or book
    commands = CommandHandler(delivery, clock, config.canvass.timezone, config.canvass.default_k, reminders)
    state = repository_module.SqlStateStore(engine)
    locks = importlib.import_module("storage.locks")
    return Core(
        config, clock, service, delivery, commands, state, repository, renderer, messengers,
        scheduler=scheduler, reminders=reminders, replica_lock=lambda name: locks.replica_lock(url, name)
    )


def load_adapter(name: str, core: Core) -> PlatformAdapter:
    """Adapters live in `adapters.<name>.plugin`, each exposing `create(core) -> PlatformAdapter`."""
    module = importlib.import_module(f"adapters.{name}.plugin")
    adapter: PlatformAdapter = module.create(core)
    core.messengers.add(adapter.messenger)
    return adapter


def enabled_platforms(config: Config) -> list[str]:
    platforms = [name for name in ("slack", "matrix") if getattr(config, name).enabled]
    return platforms or ["console"]


async def run(config: Config) -> None:
    core = await build_core(config)
    adapters = [load_adapter(name, core) for name in enabled_platforms(config)]
    log.info("canvass running on %s", ", ".join(a.platform for a in adapters))
    tasks = [asyncio.create_task(adapter.run(), name=f"adapter-{adapter.platform}") for adapter in adapters]
    try:
        if core.scheduler is not None:
            # After the adapters registered their messengers: the catch-up sweep may already send.
            await core.scheduler.start()
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for adapter in adapters:
            await adapter.stop()
        for task in tasks:
            task.cancel()
        await core.close()
