"""What the scheduler needs from storage and from a timer library, as Protocols.

Rows of the `reminders` table are an outbox of things to send at a time, each claimed atomically
before it is sent, so several replicas send it once:
- kind "reminder": an organiser's reminder (numbered per survey, listed and cancelled by number);
- kind "notice": a one-off message to a channel, e.g. "the deadline moved";
- kind "results": post a closed survey's results to its targets.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Kind(enum.StrEnum):
    REMINDER = "reminder"
    NOTICE = "notice"
    RESULTS = "results"


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a replica until claimed_until
    SENT = "sent"
    SKIPPED = "skipped"  # due, but there was nothing it could rightly do (e.g. the survey had closed)
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    NON_RESPONDENTS = "non_respondents"
    CHANNEL = "channel"


@dataclass(frozen=True)
class NewReminder:
    survey_id: str
    kind: Kind
    next_fire_at: datetime
    at: datetime | None = None
    before_close_seconds: int | None = None
    recurring: bool = False
    audience: Audience = Audience.NON_RESPONDENTS
    message: str = ""


@dataclass(frozen=True)
class ReminderRecord:
    id: str
    survey_id: str
    kind: Kind
    number: int | None  # only organisers' reminders are numbered
    at: datetime | None
    before_close_seconds: int | None
    recurring: bool
    audience: Audience
    message: str
    status: ReminderStatus
    next_fire_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    fired_count: int = 0
    note: str = ""


class ReminderStore(Protocol):
    """Persistence of the outbox. Every method is one transaction."""

    async def add(self, rows: Sequence[NewReminder]) -> list[ReminderRecord]:
        """Insert; organisers' reminders get the next free number of their survey."""
        ...

    async def ensure_results(self, survey_id: str, due: datetime) -> bool:
        """Queue the results post of a closed survey unless it already is; True if queued now."""
        ...

    async def surveys_missing_results(self) -> list[str]:
        """Closed surveys (results not organisers-only) whose results post was never queued."""
        ...

    async def list_for_survey(self, survey_id: str, kind: Kind | None = None) -> list[ReminderRecord]: ...
    async def get(self, reminder_id: str) -> ReminderRecord | None: ...
    async def by_number(self, survey_id: str, number: int) -> ReminderRecord | None: ...
    async def active(self) -> list[ReminderRecord]:
        """Pending rows and claimed ones (whose lease may expire), for building timers."""
        ...

    async def due(self, now: datetime) -> list[ReminderRecord]:
        """Pending rows due by now, and claimed rows whose lease has expired."""
        ...

    async def claim(
        self, reminder_id: str, owner: str, now: datetime, lease_until: datetime
    ) -> ReminderRecord | None:
        """Atomically take a due row (pending, or sending past its lease); None if another has it."""
        ...

    async def renew(self, reminder_id: str, owner: str, lease_until: datetime) -> bool: ...

    async def finish(
        self,
        reminder_id: str,
        owner: str,
        status: ReminderStatus,
        now: datetime,
        next_fire_at: datetime | None = None,
        note: str = "",
    ) -> bool:
        """Record the outcome of a claimed row; PENDING with next_fire_at re-arms a daily one.
        False if the claim was lost meanwhile."""
        ...

    async def set_status(
        self, reminder_id: str, status: ReminderStatus, next_fire_at: datetime | None = None, note: str = ""
    ) -> bool:
        """Change an unclaimed row (cancel, re-time, skip); False if it is being sent right now."""
        ...


Action = Callable[[], Awaitable[None]]


class JobScheduler(Protocol):
    """The timer behind the engine: APScheduler in production, a hand-driven one in tests.
    Jobs are only wake-up calls; every action re-reads the database before doing anything."""

    def start(self) -> None: ...
    def shutdown(self) -> None: ...
    def schedule(self, job_id: str, when: datetime, action: Action) -> None:
        """Run action once at `when` (at once if it has passed), replacing a job of the same id."""
        ...

    def every(self, job_id: str, seconds: float, action: Action) -> None: ...
    def cancel(self, job_id: str) -> None: ...
    def job_ids(self) -> set[str]: ...


class ChangeFeed(Protocol):
    """Between processes on one database: a change one makes (a CLI close, extend or remind; another
    replica's) reaches the others within a second or two instead of at their next sweep. On
    PostgreSQL LISTEN/NOTIFY; on SQLite a polled change counter. Announcements carry nothing but
    the sender's name: the listener re-reads the database."""

    async def announce(self) -> None:
        """Tell the other processes that the schedule changed (after the change was committed)."""
        ...

    async def listen(self, on_change: Action) -> None:
        """Start calling `on_change` whenever another process announces; returns once listening."""
        ...

    async def stop(self) -> None: ...
