"""The interfaces the core needs; storage, charts and adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import Participant, Status, Survey, Target
from bot.results import SurveyResults, VisibleResult


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


@dataclass(frozen=True)
class BallotWrite:
    question_id: str
    slot: bytes
    answer: str  # canonical JSON of the validated answer


@dataclass(frozen=True)
class SubmitOutcome:
    accepted: bool  # False when the survey was not open inside the same transaction
    new_respondent: bool


@dataclass(frozen=True)
class LiveSnapshot:
    payload: str  # serialised SurveyResults, aggregates only
    submissions_since: int


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

    async def submit(
        self, survey_id: str, ballots: Sequence[BallotWrite], marker_slot: bytes, draft_slot: bytes | None
    ) -> SubmitOutcome: ...
    async def save_draft(self, survey_id: str, draft_slot: bytes, payload: str) -> bool: ...
    async def load_draft(self, survey_id: str, draft_slot: bytes) -> str | None: ...
    async def responded_slots(self, survey_id: str) -> set[bytes]: ...
    async def respondent_count(self, survey_id: str) -> int: ...
    async def answer_counts(self, question_id: str, sealed: bool) -> list[tuple[str, int]]: ...

    async def seal(self, survey_id: str, respondents: int) -> bool:
        """Close for good: erase the key salt, drop roster, markers and drafts, and rewrite the
        ballots without slots in random order. Returns False if it was already closed."""
        ...

    async def live_snapshot(self, survey_id: str) -> LiveSnapshot | None: ...
    async def count_live_submission(self, survey_id: str) -> int: ...
    async def store_live_snapshot(self, survey_id: str, payload: str) -> None: ...


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


@dataclass(frozen=True)
class OutgoingMessage:
    """A platform-neutral message; adapters turn it into Block Kit, Matrix HTML or console text."""

    text: str
    survey_id: str | None = None
    chart: RenderedChart | None = None


class Messenger(Protocol):
    """What the core asks a chat platform to do. One implementation per adapter."""

    platform: str

    async def post_to_channel(self, target: Target, message: OutgoingMessage) -> None: ...
    async def send_direct(self, participant: Participant, message: OutgoingMessage) -> None: ...
    async def announce_survey(self, target: Target, survey: Survey) -> None: ...
    async def invite_participant(self, participant: Participant, survey: Survey) -> None: ...
    async def channel_members(self, target: Target) -> list[Participant]: ...
