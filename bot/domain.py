"""Domain objects: plain dataclasses with no platform or storage types."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias


class Status(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class ResultsMode(enum.StrEnum):
    LIVE = "live"
    AFTER_CLOSE = "after_close"
    ORGANISERS = "organisers"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    RANKING = "ranking"
    TEXT = "text"
    GRID = "grid"  # several rows rated on one shared scale
    LESSONS = "lessons"  # a repeatable group of categorised, positive/negative entries


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTI})


@dataclass(frozen=True)
class Participant:
    """Who is acting. Only the entry point (`Service.submit`) ever sees this for a voter."""

    platform: str
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Target:
    platform: str
    channel: str


@dataclass(frozen=True)
class Actor(Participant):
    """A participant acting on surveys. `organiser_in` is the one room where the adapter verified their
    power (e.g. Matrix power level >= 50): it lets them create surveys aimed at that room, nothing more."""

    organiser_in: Target | None = None

    @property
    def platform_organiser(self) -> bool:
        return self.organiser_in is not None


@dataclass(frozen=True)
class Delegation:
    """A named group of members answering a survey together: one shared draft, one submission."""

    name: str
    members: tuple[Participant, ...]


@dataclass(frozen=True)
class Question:
    id: str
    position: int
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()
    max_selections: int = 1
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    required: bool = True
    # grid: the items rated, in the order written (the scale fields above are their shared scale)
    rows: tuple[str, ...] = ()
    # lessons: the organiser's categories, and how many entries one respondent may add
    categories: tuple[str, ...] = ()
    max_entries: int = 10

    @property
    def is_nps(self) -> bool:
        return self.kind is QuestionKind.SCALE and self.scale_min == 0 and self.scale_max == 10

    @property
    def scale_values(self) -> range:
        return range(self.scale_min, self.scale_max + 1)


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    status: Status
    questions: tuple[Question, ...]
    targets: tuple[Target, ...]
    results_mode: ResultsMode
    k: int
    opens_at: datetime | None  # UTC
    closes_at: datetime | None  # UTC
    timezone: str
    created_by: str
    description: str = ""
    respondents_at_close: int | None = None
    invited_count: int = 0  # persons, or delegations when by_delegation
    by_delegation: bool = False  # respondents are delegations (bot/delegations.py)

    @property
    def is_poll(self) -> bool:
        return len(self.questions) == 1

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        from bot.errors import NotFound

        raise NotFound(f"Question {question_id} is not part of survey {self.id}.")


@dataclass(frozen=True)
class Lesson:
    """One entry of a lessons question."""

    category: int  # index into Question.categories
    positive: bool  # True: practice to replicate; False: room for improvement
    title: str
    description: str = ""


# Validated answers, as stored in a ballot:
#   single -> int (option index); multi -> tuple of option indexes; scale -> int value;
#   ranking -> tuple of option indexes, best first; text -> str;
#   grid -> one int or None (row skipped) per row, in order; lessons -> tuple of Lesson.
Answer: TypeAlias = int | str | tuple[int, ...] | tuple[int | None, ...] | tuple[Lesson, ...]


@dataclass(frozen=True)
class QuestionSpec:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()
    max_selections: int = 1
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""
    required: bool = True
    rows: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    max_entries: int = 10


@dataclass(frozen=True)
class ReminderSpec:
    """A reminder as written by an organiser; the scheduler turns it into rows."""

    at: datetime | None = None  # absolute, UTC
    before_close_seconds: int | None = None
    audience: str = "non_respondents"  # or "channel"
    message: str = ""
    recurring_daily: bool = False


@dataclass(frozen=True)
class SurveySpec:
    """A survey as an organiser describes it, before it has ids."""

    title: str
    questions: tuple[QuestionSpec, ...]
    targets: tuple[Target, ...] = ()
    results_mode: ResultsMode = ResultsMode.AFTER_CLOSE
    k: int = 5
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    timezone: str = "UTC"
    description: str = ""
    roster: tuple[Participant, ...] | None = None
    delegations: tuple[Delegation, ...] | None = None  # instead of a roster: respondents are delegations
    reminders: tuple[ReminderSpec, ...] = field(default_factory=tuple)
    include_organisers: bool = False  # a roster taken from a channel counts its organisers too (bot/invited.py)
