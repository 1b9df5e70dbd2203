"""The interfaces the core needs; storage, charts and adapters implement them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import Answer, Delegation, Participant, ReminderSpec, Status, Survey, Target
from bot.results import SurveyResults, VisibleResult


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


@dataclass(frozen=True)
class BallotWrite:
    question_id: str
    slot: bytes
    answer: str | None  # canonical JSON of the validated answer; None clears an earlier one


@dataclass(frozen=True)
class SubmitOutcome:
    accepted: bool  # False when the survey was not open, or the voter not invited, inside the transaction
    new_respondent: bool
    live_since: int | None = None  # live surveys: submissions since the last publication (a refresh hint)
    invited: bool = True  # False when the voter's slot is not in the survey's eligibility set


@dataclass(frozen=True)
class LiveSnapshot:
    payload: str | None  # serialised SurveyResults, aggregates only; None until the first is published
    submissions_since: int


@dataclass(frozen=True)
class LiveStep:
    """What a refresh may publish, all read in one transaction: the grouped answers of the questions
    allowed to move (the others keep their last published result) and the respondents figure."""

    previous: str | None  # the last published payload
    counts: Mapping[str, Sequence[tuple[str, int]]]
    respondents: int  # exact; shown only in steps of k


@dataclass(frozen=True)
class LiveView:
    version: int  # 0: nothing published yet
    payload: str | None
    respondents: int
    frozen_questions: frozenset[str] = frozenset()  # at close: their final output is the last snapshot
    respondents_frozen: bool = False


@dataclass(frozen=True)
class SealReport:
    """What a close did to the database files. `physically_clean` is False when something (an older
    snapshot, an open reader) kept the deleted slots and ids in the files after every retry: storage has
    logged an ERROR, and the organiser should be told that the promise does not hold yet."""

    physically_clean: bool
    detail: str = ""


class SurveyRepository(Protocol):
    """Persistence. Every method is one transaction; none returns a ballot together with a person."""

    async def add_survey(self, survey: Survey, key_salt: bytes) -> None: ...
    async def get_survey(self, survey_id: str) -> Survey: ...
    async def list_surveys(
        self, statuses: Sequence[Status] | None = None, created_by: str | None = None
    ) -> list[Survey]: ...
    async def transition(self, survey_id: str, from_statuses: Sequence[Status], to: Status) -> bool: ...
    async def set_times(self, survey_id: str, opens_at: datetime | None, closes_at: datetime | None) -> None: ...
    async def key_salt(self, survey_id: str) -> bytes | None: ...

    async def set_roster(self, survey_id: str, participants: Sequence[Participant]) -> None: ...
    async def roster(self, survey_id: str) -> list[Participant]: ...
    async def set_eligible(self, survey_id: str, slots: Sequence[bytes]) -> None:
        """Replace who may answer, as responded-marker slots (never ids)."""
        ...

    async def add_to_roster(self, survey_id: str, people: Sequence[tuple[Participant, bytes]]) -> int | None:
        """Add people and their marker slots to an open survey at once; returns how many were new."""
        ...

    async def is_eligible(self, survey_id: str, slot: bytes) -> bool: ...

    async def submit(
        self,
        survey_id: str,
        ballots: Sequence[BallotWrite],
        marker_slot: bytes,
        draft_slot: bytes | None,
        count_live: bool = False,
    ) -> SubmitOutcome:
        """Store one person's ballots and responded marker, only if the survey is open and the marker
        slot is in its eligibility set at commit time. With count_live, the submission also advances the
        live-refresh counter (a hint only)."""
        ...

    async def save_draft(self, survey_id: str, draft_slot: bytes, payload: str) -> int | None:
        """Store a draft; its new version (every save counts, atomically), or None if not open."""
        ...

    async def load_draft(self, survey_id: str, draft_slot: bytes) -> tuple[str, int] | None:
        """A draft's payload and version."""
        ...

    async def set_delegations(self, survey_id: str, delegations: Sequence[Delegation]) -> None:
        """Replace a survey's delegations, and its roster with all their members (held like the roster)."""
        ...

    async def delegations(self, survey_id: str) -> list[Delegation]: ...
    async def delegation_of(self, survey_id: str, participant: Participant) -> str | None:
        """The name of the delegation this member answers for, or None."""
        ...

    async def own_ballots(self, survey_id: str, keys: Sequence[tuple[str, bytes]]) -> dict[str, str]:
        """question_id -> stored answer for these (question_id, ballot slot) pairs, only while the survey
        is open. Only bot/own_ballot.py calls it, with the slots of the participant who is asking."""
        ...

    async def responded_slots(self, survey_id: str) -> set[bytes]: ...
    async def respondent_count(self, survey_id: str) -> int: ...
    async def answer_counts(self, question_id: str, sealed: bool) -> list[tuple[str, int]]: ...

    async def seal(self, survey_id: str) -> SealReport | None:
        """Close for good: erase the key salt, count and drop the markers, drop roster and drafts,
        and replace the ballots by their tallies (one row per answer, no slot); then scrub the files.
        None if it was already closed."""
        ...

    async def live_view(self, survey_id: str) -> LiveView | None: ...
    async def publish_live(
        self, survey_id: str, question_ids: Sequence[str], k: int, build: Callable[[LiveStep], str]
    ) -> int | None:
        """Publish the next snapshot if the pairwise rule lets anything move (compare-and-swap on the
        version); the new version, or None."""
        ...

    async def consume_live_hint(self, survey_id: str, consumed: int) -> None:
        """Subtract the submissions a published snapshot covered from the refresh counter."""
        ...
    async def live_snapshot(self, survey_id: str) -> LiveSnapshot | None: ...
    async def store_live_snapshot(self, survey_id: str, payload: str, consumed: int) -> None:
        """Publish a snapshot that accounts for `consumed` new ballots (later ones keep counting)."""
        ...


@dataclass(frozen=True)
class RenderedChart:
    png: bytes
    alt_text: str  # states the numbers, for screen readers
    table_text: str  # the same numbers as a plain-text table


class ChartRenderer(Protocol):
    """Renders visible results only; never called for hidden ones."""

    async def question_chart(self, results: SurveyResults, question: VisibleResult) -> RenderedChart: ...
    async def survey_pdf(self, results: SurveyResults) -> bytes: ...
    async def summary_chart(self, results: SurveyResults) -> RenderedChart | None: ...
    async def contribution_pdf(self, survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> bytes:
        """A participant's own copy as a questionnaire print (bot/contribution.py); never cached."""
        ...


class Messenger(Protocol):
    """What the core asks of a chat platform; one implementation per adapter. Formatting (Block Kit,
    Matrix HTML, console text) is the adapter's business."""

    platform: str

    async def announce_survey(self, target: Target, survey: Survey) -> None:
        """Tell the channel a poll or survey is open (with the anonymity notice); for a Slack quick
        poll this message carries the answer buttons."""
        ...

    async def invite_participant(self, participant: Participant, survey: Survey) -> None:
        """Ask one roster member privately (DM). May do nothing where the channel message suffices."""
        ...

    async def remind_participant(self, participant: Participant, survey: Survey, message: str) -> None:
        """A reminder DM to someone who has not answered: bot.invitation_text.reminder_text, and where the
        platform has buttons the invitation's Start/Answer button. Deleted at close like the invitation."""
        ...

    async def post_results(self, target: Target, results: SurveyResults, charts: Sequence[RenderedChart]) -> None: ...

    async def post_text(self, target: Target, text: str) -> None: ...

    async def send_direct(self, participant: Participant, text: str, survey_id: str | None = None) -> None:
        """A private message; `survey_id` names the survey it is about, so the adapter can remove it at close."""
        ...

    async def channel_members(self, target: Target) -> list[Participant]:
        """Human members of the channel, for a roster taken from the platform."""
        ...


class StateStore(Protocol):
    """Small persistent state for adapters: sync tokens, handled event ids."""

    async def get_state(self, key: str) -> str | None: ...
    async def set_state(self, key: str, value: str) -> None: ...
    async def delete_state(self, key: str) -> None:
        """Forget a key. Keys under `survey:<id>:` need not be deleted: the survey's close does it.
        State an adapter still needs after the close, to clean up (the DMs it must delete or redact),
        goes under `cleanup:<id>:` instead; the adapter deletes it when the clean-up is done."""
        ...
    async def first_sighting(self, event_id: str) -> bool:
        """Record an event id; True only the first time it is seen."""
        ...

    async def has_seen(self, event_id: str) -> bool:
        """Whether an event id was recorded, without recording it (for events that are marked seen only
        after they are handled, because handling them twice is harmless but losing them is not)."""
        ...

    async def seen_among(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids were recorded, in one read (a sync batch's check, where one read
        per event queued hundreds of reads behind each other during a plenary's burst)."""
        ...


class ReplicaLock(Protocol):
    """Keeps a piece of work on one replica of several sharing a database (e.g. the Matrix sync loop)."""

    async def acquire(self) -> bool:
        """Try once, without waiting; True if this process now holds (or already held) the lock."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds it (False once its database session is gone)."""
        ...

    async def release(self) -> None: ...


class ReminderBook(Protocol):
    """Organiser-facing reminder operations, implemented by the scheduling engine."""

    async def list_text(self, survey_id: str) -> str: ...
    async def add(self, survey_id: str, spec: ReminderSpec) -> str: ...
    async def cancel(self, survey_id: str, number: int) -> str: ...


class SurveyReminders(Protocol):
    """How the service's create path keeps the reminders written in a survey file: checked before the
    survey is stored (so a bad one stores nothing), saved right after it."""

    def check(self, survey: Survey, specs: Sequence[ReminderSpec], now: datetime) -> None: ...
    async def save(self, survey: Survey, specs: Sequence[ReminderSpec], now: datetime) -> None: ...


class PlatformAdapter(Protocol):
    """A connected chat platform, as the composition root starts and stops it."""

    platform: str
    messenger: Messenger

    async def run(self) -> None:
        """Serve until stopped (or, for the console, until its input ends)."""
        ...

    async def stop(self) -> None: ...
