"""The composition root: the one place that wires concrete storage, charts and adapters to the core.

The core's modules never import storage, charts or adapters; this module loads them by name, only
when asked, so that importing `bot` opens nothing and pulls in no platform SDK.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.approval import Approvals
from bot.clock import SystemClock
from bot.command_handler import CommandHandler
from bot.config import Config, MasterSecret, ensure_data_dir, load_master_secret, secret_warning
from bot.delivery import Delivery, Messengers
from bot.invited import RosterRule
from bot.metrics_server import MetricsServer
from bot.ports import ChartRenderer, Clock, PlatformAdapter, ReminderBook, ReplicaLock, StateStore
from bot.presenting import Presenter
from bot.ratelimit import RateLimiter
from bot.scheduling.book import Reminders
from bot.scheduling.engine import SchedulingEngine, replica_name
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
    secret: MasterSecret | None = None  # where the master secret came from (for the start-up warning)
    presenter: Presenter | None = None  # the presenter page's links, when [present] is enabled

    async def close(self) -> None:
        await self.service.settle()
        await self.delivery.notices.settle()
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
    secret = load_master_secret(config)  # a bad secret_file stops us before the database is touched
    ensure_data_dir(config)
    url = config.database_url
    # Unreachable: retried with backoff, then one line naming the URL (no password) and the error.
    await engine_module.wait_for_database(url, config.database.connect_timeout_seconds)
    await migrate.upgrade_async(url)
    engine = engine_module.create_engine(url)
    repository = repository_module.SqlRepository(engine)
    # A close that a stopped process left part way (SQLite) is finished before anything is served.
    for survey_id in await repository.finish_interrupted_seals():
        log.warning("close: took up the close of survey %s that an earlier run left unfinished", survey_id)
    clock = clock or SystemClock()
    service = Canvass(repository, clock, secret.value, config.organisers)
    if renderer is None and with_charts:
        renderer = load_renderer(config)
    messengers = Messengers()
    # Results are posted by the scheduling outbox (exactly once, from a connected replica).
    delivery = Delivery(service, messengers, renderer, auto_post_results=False)
    store = importlib.import_module("storage.reminders").SqlReminderStore(engine)
    book = Reminders(store, service, clock)  # subscribes before the engine: it updates rows the engine reads
    service.use_reminders(book)
    owner = owner or replica_name()
    scheduler = SchedulingEngine(
        delivery,
        store,
        jobs or APSchedulerJobs(),
        clock,
        RateLimiter(config.scheduler.send_rate, config.scheduler.send_burst),
        owner=owner,
        sweep_seconds=config.scheduler.sweep_seconds,
        lease_seconds=config.scheduler.lease_seconds,
        changes=importlib.import_module("storage.changes").change_feed(engine, owner),
    )
    reminders = reminders or book
    commands = CommandHandler(delivery, clock, config.canvass.timezone, config.canvass.default_k, reminders)
    state = repository_module.SqlStateStore(engine)
    service.roster_rule = RosterRule(state, config.organisers)
    service.approvals = Approvals(state, config.organisers)
    locks = importlib.import_module("storage.locks")
    presenter = None
    if config.present.enabled:
        tokens = importlib.import_module("storage.present_tokens").SqlPresentTokenStore(engine)
        presenter = Presenter(service, tokens, clock, timedelta(hours=config.present.ttl_after_close_hours))
        commands.presenter, commands.present_base_url = presenter, config.present.link_base
    return Core(
        config, clock, service, delivery, commands, state, repository, renderer, messengers,
        scheduler=scheduler, reminders=reminders, replica_lock=lambda name: locks.replica_lock(url, name),
        secret=secret, presenter=presenter,
    )


async def start_presenter(core: Core) -> Any:
    """The presenter page's own listener (loopback by default), or None when [present] is off."""
    if core.presenter is None:
        return None
    module = importlib.import_module("adapters.present.server")
    server = module.PresentServer(core.presenter, core.config.present.host, core.config.present.port)
    await server.start()
    return server


def load_adapter(name: str, core: Core) -> PlatformAdapter:
    """Adapters live in `adapters.<name>.plugin`, each exposing `create(core) -> PlatformAdapter`."""
    module = importlib.import_module(f"adapters.{name}.plugin")
    adapter: PlatformAdapter = module.create(core)
    core.messengers.add(adapter.messenger)
    return adapter


def enabled_platforms(config: Config) -> list[str]:
    platforms = [name for name in ("slack", "matrix") if getattr(config, name).enabled]
    return platforms or ["console"]


def start_warnings(core: Core) -> list[str]:
    """What the operator should fix, logged once at start (one WARNING line each)."""
    warning = secret_warning(core.secret) if core.secret is not None else None
    return [warning] if warning else []


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_MARGIN_SECONDS = 2.0  # beyond the grace: closing sockets and the database


def on_stop_signals(stop: asyncio.Event) -> Callable[[], None]:
    """SIGTERM (docker stop, systemd) and SIGINT set `stop`; a second one ends the process at once
    (the default handlers are back). Returns the undo."""
    loop = asyncio.get_running_loop()

    def first(signum: signal.Signals) -> None:
        log.info("%s: stopping; in-flight work gets up to the grace period (send it again to quit now)", signum.name)
        for other in STOP_SIGNALS:
            loop.remove_signal_handler(other)
        stop.set()

    try:
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, first, signum)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no Unix signals
        log.debug("no stop-signal handlers in this thread")

    def undo() -> None:
        for signum in STOP_SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.remove_signal_handler(signum)

    return undo


async def run(config: Config, stop: asyncio.Event | None = None) -> None:
    """Run until an adapter ends or `stop` is set (by SIGTERM/SIGINT when not given), then stop cleanly:
    no new work, in-flight work and queued sends finished within the grace, the database closed."""
    stop = stop or asyncio.Event()
    undo_signals = on_stop_signals(stop)
    try:
        await _run(config, stop)
    finally:
        undo_signals()


async def _run(config: Config, stop: asyncio.Event) -> None:
    core = await build_core(config)
    for warning in start_warnings(core):
        log.warning("%s", warning)
    adapters = [load_adapter(name, core) for name in enabled_platforms(config)]
    metrics: MetricsServer | None = None
    if config.metrics.enabled:
        metrics = MetricsServer(config.metrics.host, config.metrics.port)
        metrics.platforms = [a.platform for a in adapters]
        for adapter in adapters:
            # An adapter may bring its own counters (Slack's refused requests, rate-limit waits).
            registry = getattr(getattr(adapter, "metrics", None), "registry", None)
            if registry is not None:
                metrics.add(registry)
        try:
            await metrics.start()
        except BaseException:
            await core.close()
            raise
    try:
        present = await start_presenter(core)
    except BaseException:
        if metrics is not None:
            await metrics.stop()
        await core.close()
        raise
    log.info("canvass running on %s", ", ".join(a.platform for a in adapters))
    tasks = [asyncio.create_task(adapter.run(), name=f"adapter-{adapter.platform}") for adapter in adapters]
    stopped = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        if core.scheduler is not None:
            # After the adapters registered their messengers: the catch-up sweep may already send.
            await core.scheduler.start()
        done, _pending = await asyncio.wait([*tasks, stopped], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        stopped.cancel()
        await shutdown(core, adapters, tasks, metrics, present)


async def shutdown(
    core: Core,
    adapters: list[PlatformAdapter],
    tasks: list[asyncio.Task[None]],
    metrics: MetricsServer | None,
    present: Any = None,
) -> None:
    """Stop taking work (reminders first, then each adapter stops listening and drains its in-flight
    work and queued sends, all adapters at once), bounded by the grace; then close the database."""
    grace = core.config.canvass.shutdown_grace_seconds
    started = time.monotonic()
    if core.scheduler is not None and core.scheduler.started:
        await core.scheduler.stop()  # no new reminder starts; the one being sent finishes
    stopping = [asyncio.create_task(adapter.stop(), name=f"stop-{adapter.platform}") for adapter in adapters]
    finished, late = await asyncio.wait(stopping, timeout=grace + STOP_MARGIN_SECONDS) if stopping else (set(), set())
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    for task in finished:
        if not task.cancelled() and task.exception() is not None:
            log.error("stopping an adapter failed: %r", task.exception())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if present is not None:
        await present.stop()
    if metrics is not None:
        await metrics.stop()
    await core.close()
    log.info("canvass stopped in %.1fs%s", time.monotonic() - started, " (grace exceeded)" if late else "")
