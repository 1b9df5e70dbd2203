"""What the handlers share: the core's services, the Web API client and the adapter's helpers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.background import Background
from adapters.slack.copies import CopyDesk
from adapters.slack.edits import PendingEdits
from adapters.slack.escape import mrkdwn
from adapters.slack.live import LiveUpdater
from adapters.slack.messenger import PLATFORM, SlackMessenger
from adapters.slack.metrics import SlackMetrics
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.domain import Actor, Participant
from bot.ports import ChartRenderer, Clock, StateStore
from bot.service import Canvass

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]
CONFIRMATIONS_IN_FLIGHT = 4
Confirmation = tuple[str, list[dict[str, Any]] | None]  # the text, and Block Kit or None
REPEAT_WAIT_SECONDS = 2.5  # a repeated click waits at most this for the first one (Slack's ack limit is 3 s)


class ClickGuard:
    """Drops a repeat of the same click (a double click) within a few seconds, so one vote is never
    confirmed or counted twice. Keys are HMACs under a key that lives only in this process's memory.

    A repeat that arrives while the first click is still being stored can `settled()` for it, so that
    its own 200 is not sent before the ballot it stands for is committed."""

    def __init__(self, ttl_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._clock = clock  # tests pass their own, so that no assertion depends on the machine's speed
        # In the order first seen, which is expiry order: expired clicks are dropped from the front.
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._inflight: dict[bytes, asyncio.Event] = {}

    def key(self, *parts: str) -> bytes:
        """The click's key (an HMAC of who clicked what), computed once per click."""
        return hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).digest()

    def first(self, key: bytes) -> bool:
        now = self._clock()
        # O(1) a click: a rebuild of the whole map once it passed 10,000 entries cost every click of a
        # large plenary 10,000 steps while they were all still fresh.
        while self._seen and now - next(iter(self._seen.values())) >= self._ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        self._inflight[key] = asyncio.Event()
        return True

    def done(self, key: bytes) -> None:
        """The first click's work is over (stored or refused): release the repeats waiting for it."""
        event = self._inflight.pop(key, None)
        if event is not None:
            event.set()

    async def settled(self, key: bytes) -> None:
        """Wait (bounded: Slack wants the ack within 3 s) until the first of these clicks is done."""
        event = self._inflight.get(key)
        if event is not None:
            try:
                await asyncio.wait_for(event.wait(), REPEAT_WAIT_SECONDS)
            except TimeoutError:
                pass

    def forget(self, key: bytes) -> None:
        self._seen.pop(key, None)


@dataclass
class SlackContext:
    service: Canvass
    delivery: Delivery
    commands: CommandHandler
    state: StateStore
    client: AsyncWebClient
    messenger: SlackMessenger
    live: LiveUpdater
    background: Background
    metrics: SlackMetrics
    guard: ClickGuard
    retry_handlers: list[Any]
    clock: Clock
    timezone: str
    default_k: int
    modal_block_limit: int
    # Confirmations in flight at once. In a burst of votes the acks (Slack's 3-second clock) come
    # first and the confirmations trail by a moment, instead of every request waiting its turn
    # behind hundreds of Web API calls.
    confirm_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONFIRMATIONS_IN_FLIGHT))
    # A participant's copy (adapters/slack/copies.py): held in memory, linked only in HTTP mode.
    copies: CopyDesk = field(default_factory=CopyDesk)
    edits: PendingEdits = field(default_factory=PendingEdits)  # a resubmission across modal pages
    renderer: ChartRenderer | None = None
    mode: str = "socket"
    public_url: str = ""  # where Slack reaches this server (HTTP mode); empty: no download links

    def no_pdf_reason(self) -> str:
        if self.renderer is None:
            return "No PDF: charts are not enabled on this server. This text is your copy."
        if self.mode != "http":
            return (
                "No PDF here: in Socket Mode it could only come as a DM file, which stays in the workspace's "
                "history (exports can read DMs). This text is your copy."
            )
        return "No PDF: the operator has not set [slack] public_url. This text is your copy."

    def confirm(self, channel: str, user: str, text: str) -> None:
        """Tell one voter privately, after the ack, without crowding out other votes' acks."""

        async def send() -> None:
            async with self.confirm_slots:
                await self.messenger.ephemeral(channel, user, text)

        self.background.spawn(send(), "vote-confirm")

    def confirm_later(self, channel: str, user: str, build: Callable[[], Awaitable[Confirmation]]) -> None:
        """As `confirm`, with the message built after the ack too (`build` gives the text and the Block
        Kit, every participant string plain or escaped): the 200 leaves as soon as the vote is stored."""

        async def send() -> None:
            text, blocks = await build()
            async with self.confirm_slots:
                await self.messenger.ephemeral(channel, user, text, blocks)

        self.background.spawn(send(), "vote-confirm")

    def actor(self, user_id: str) -> Actor:
        return Actor(PLATFORM, user_id)

    def participant(self, user_id: str) -> Participant:
        return Participant(PLATFORM, user_id)

    async def respond(self, response_url: str, text: str, public: bool = False) -> None:
        """Reply to a slash command through its response_url (works in channels the bot is not in).
        The core's reply quotes titles and options, so it is escaped like any participant text."""
        webhook = AsyncWebhookClient(response_url, retry_handlers=self.retry_handlers)
        await webhook.send(text=mrkdwn(text), response_type="in_channel" if public else "ephemeral")


def user_id_of(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def channel_of(body: Mapping[str, Any]) -> str:
    """The channel an interaction came from; empty for App Home and modals."""
    channel = body.get("channel")
    if isinstance(channel, Mapping) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    if isinstance(container, Mapping) and container.get("channel_id"):
        return str(container["channel_id"])
    return str(body.get("channel_id") or "")


def slack_error(error: SlackApiError) -> str:
    data = error.response.data if error.response is not None else None
    return str(data.get("error") or "unknown error") if isinstance(data, dict) else "unknown error"


def safe(handler: Listener) -> Listener:
    """Bolt answers 500 when a listener raises. A bug must not look like Slack's fault nor leak a
    traceback: log it (without the payload) and ack, so the user gets no retry storm."""

    async def listener(ack: Any, body: dict[str, Any]) -> None:
        try:
            await handler(ack, body)
        except Exception:
            log.exception("slack listener %s failed", handler.__name__)
            if ack.response is None:
                await ack()

    listener.__name__ = handler.__name__
    return listener
