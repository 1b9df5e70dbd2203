"""Result views: aggregates only, ready for charts, tables and exports.

No view ever holds a participant id or a per-person answer, except the shuffled free-text list, which
carries no identity and no order of arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from bot.domain import QuestionKind


@dataclass(frozen=True)
class QuestionHeader:
    id: str
    position: int
    kind: QuestionKind
    text: str

    @property
    def number(self) -> int:
        """1-based, as people count questions; `position` is 0-based."""
        return self.position + 1


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: float  # of respondents to the question, 0..100


@dataclass(frozen=True)
class ChoiceResult:
    question: QuestionHeader
    respondents: int
    options: tuple[OptionCount, ...]  # in option order
    multi: bool  # percentages may then add up to more than 100


@dataclass(frozen=True)
class ScaleBucket:
    value: int
    count: int
    percent: float


@dataclass(frozen=True)
class ScaleResult:
    question: QuestionHeader
    respondents: int
    distribution: tuple[ScaleBucket, ...]  # every value from min to max, zeros included
    median: float
    mean: float
    scale_min: int
    scale_max: int
    min_label: str
    max_label: str
    nps: float | None  # -100..100 when the scale is 0..10
    promoters_percent: float | None = None
    passives_percent: float | None = None
    detractors_percent: float | None = None


@dataclass(frozen=True)
class RankedOption:
    label: str
    borda: int  # sum over respondents of (n_options - 1 - position)
    mean_borda: float
    first_count: int
    first_percent: float


@dataclass(frozen=True)
class RankingResult:
    question: QuestionHeader
    respondents: int
    items: tuple[RankedOption, ...]  # by Borda score, best first; ties by option order
    max_borda_per_respondent: int


@dataclass(frozen=True)
class TermCount:
    term: str
    respondents: int


@dataclass(frozen=True)
class TextResult:
    question: QuestionHeader
    respondents: int
    answers: tuple[str, ...]  # shuffled; the order depends on the content only, never on arrival
    top_terms: tuple[TermCount, ...]


@dataclass(frozen=True)
class GridRow:
    """One item of a grid. Fewer than k ratings: withheld, and then not even its count is shown."""

    label: str
    respondents: int | None  # ratings of this row; None when withheld
    distribution: tuple[ScaleBucket, ...] = ()  # every value from min to max; empty when withheld
    median: float | None = None
    mean: float | None = None

    @property
    def withheld(self) -> bool:
        return self.respondents is None


@dataclass(frozen=True)
class GridResult:
    question: QuestionHeader
    respondents: int  # ballots to the question (a row may have fewer ratings: rows can be skipped)
    rows: tuple[GridRow, ...]  # in the order written
    scale_min: int
    scale_max: int
    min_label: str
    max_label: str
    k: int


@dataclass(frozen=True)
class LessonEntry:
    title: str
    description: str


@dataclass(frozen=True)
class LessonCell:
    """One category × polarity. `respondents` counts those who filed at least one lesson there (None: fewer
    than k, shown as "<k"). The entries are all of them, shuffled by content (several may be one person's),
    and none at all for a cell below k: one lesson in a cell of one would be that person's answer."""

    category: str
    positive: bool
    respondents: int | None
    entries: tuple[LessonEntry, ...]


@dataclass(frozen=True)
class LessonsResult:
    question: QuestionHeader
    respondents: int
    categories: tuple[str, ...]
    cells: tuple[LessonCell, ...]  # per category in order, positive then negative
    k: int

    def cell(self, category: int, positive: bool) -> LessonCell:
        return self.cells[2 * category + (0 if positive else 1)]

    @property
    def entry_count(self) -> int:
        """The published entries: a cell below k has none, and its own count is never shown."""
        return sum(len(c.entries) for c in self.cells if c.respondents is not None)

    @property
    def withheld_note(self) -> str | None:
        """What every rendering says when some cell's entries are withheld (None: no cell is below k)."""
        if all(c.respondents is not None for c in self.cells):
            return None
        return withheld_entries_note(self.k)


@dataclass(frozen=True)
class HiddenResult:
    """Fewer than k respondents: nothing at all may be shown, not even a percentage."""

    question: QuestionHeader
    k: int
    reason: str  # e.g. "not enough responses yet (n < 5)"


QuestionResult: TypeAlias = (
    ChoiceResult | ScaleResult | RankingResult | TextResult | GridResult | LessonsResult | HiddenResult
)
VisibleResult: TypeAlias = ChoiceResult | ScaleResult | RankingResult | TextResult | GridResult | LessonsResult

POSITIVE_NAME = "positive: practice to replicate"
NEGATIVE_NAME = "negative: room for improvement"


@dataclass(frozen=True)
class SurveyResults:
    survey_id: str
    title: str
    status: str
    live: bool  # True while the survey is still open
    as_of: datetime | None  # close time (UTC) or the time of the live snapshot
    opens_at: datetime | None
    closes_at: datetime | None
    timezone: str
    k: int
    respondents: int | None  # None while hidden (n < k); otherwise stepped in live mode
    invited: int
    questions: tuple[QuestionResult, ...]
    # Plain-language notes every rendering shows under the header, e.g. why late answers of a live
    # survey are not in its final result (they never carry a count that the k-rule hides).
    notes: tuple[str, ...] = ()
    by_delegation: bool = False  # the respondents are delegations: "9 of 10 delegations", not "invited"

    @property
    def invited_word(self) -> str:
        return "delegations" if self.by_delegation else "invited"

    @property
    def hidden(self) -> bool:
        return all(isinstance(q, HiddenResult) for q in self.questions)


def withheld_entries_note(k: int) -> str:
    return f"Entries of cells with fewer than {k} respondents are withheld."


def hidden_reason(k: int) -> str:
    return f"not enough responses yet (n < {k})"
