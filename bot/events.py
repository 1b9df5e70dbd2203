"""Domain events: plain dataclasses, published after the change they describe has been committed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from bot.domain import Participant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyCreated:
    survey_id: str


@dataclass(frozen=True)
class SurveyOpened:
    survey_id: str


@dataclass(frozen=True)
class SurveyClosed:
    survey_id: str


@dataclass(frozen=True)
class DeadlineChanged:
    survey_id: str
    closes_at: datetime | None


@dataclass(frozen=True)
class LiveResultsChanged:
    """A new stepped snapshot exists (at least k submissions since the last one)."""

    survey_id: str


@dataclass(frozen=True)
class RemindersChanged:
    """A survey's reminders (or its scheduling outbox) changed: the scheduler re-reads its timers."""

    survey_id: str


@dataclass(frozen=True)
class DelegationSubmitted:
    """A member submitted for their delegation; the colleagues are told privately (bot/delegations.py).
    In memory only: it names people, so it is never logged or stored."""

    survey_id: str
    title: str
    delegation: str
    by: Participant
    colleagues: tuple[Participant, ...]

    def __repr__(self) -> str:  # an exception log names the event type; never its people
        return f"DelegationSubmitted({self.survey_id})"


Event: TypeAlias = (
    SurveyCreated
    | SurveyOpened
    | SurveyClosed
    | DeadlineChanged
    | LiveResultsChanged
    | RemindersChanged
    | DelegationSubmitted
)
Handler: TypeAlias = Callable[[Event], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, event: Event) -> None:
        # One failing subscriber (a chat platform being down, say) must not undo or block the others.
        for handler in list(self._handlers):
            try:
                await handler(event)
            except Exception:
                log.exception("event handler failed for %s", type(event).__name__)
