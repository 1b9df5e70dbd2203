"""Aggregation of one question's ballots into a result view (DESIGN.md, "Question kinds").

Input is `(canonical answer, count)` pairs, as a SQL GROUP BY returns them, so large surveys are
counted by the database and only distinct answers cross into Python.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from typing import TypeAlias

from bot.domain import Answer, Lesson, Question, QuestionKind
from bot.results import (
    ChoiceResult,
    GridResult,
    GridRow,
    HiddenResult,
    LessonCell,
    LessonEntry,
    LessonsResult,
    OptionCount,
    QuestionHeader,
    QuestionResult,
    RankedOption,
    RankingResult,
    ScaleBucket,
    ScaleResult,
    TermCount,
    TextResult,
    hidden_reason,
)
from bot.textstats import top_terms
from bot.validation import decode_answer

Decoded: TypeAlias = Sequence[tuple[Answer, int]]


def header(question: Question) -> QuestionHeader:
    return QuestionHeader(question.id, question.position, question.kind, question.text)


def percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def aggregate(question: Question, grouped: Iterable[tuple[str, int]], k: int) -> QuestionResult:
    decoded = [(decode_answer(payload), count) for payload, count in grouped]
    respondents = sum(count for _, count in decoded)
    if respondents < k:
        return HiddenResult(header(question), k, hidden_reason(k))
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        return _choice(question, decoded, respondents)
    if question.kind is QuestionKind.SCALE:
        return _scale(question, decoded, respondents)
    if question.kind is QuestionKind.RANKING:
        return _ranking(question, decoded, respondents)
    if question.kind is QuestionKind.GRID:
        return _grid(question, decoded, respondents, k)
    if question.kind is QuestionKind.LESSONS:
        return _lessons(question, decoded, respondents, k)
    return _text(question, decoded, respondents)


def _choice(question: Question, decoded: Decoded, respondents: int) -> ChoiceResult:
    counts = [0] * len(question.options)
    for answer, count in decoded:
        picks = answer if isinstance(answer, tuple) else (answer,)
        for index in picks:
            counts[int(index)] += count  # type: ignore[arg-type]
    options = tuple(
        OptionCount(label, n, percent(n, respondents)) for label, n in zip(question.options, counts, strict=True)
    )
    return ChoiceResult(header(question), respondents, options, multi=question.kind is QuestionKind.MULTI)


def _weighted_median(values: list[tuple[int, int]], total: int) -> float:
    """Median of a distribution given as (value, count), without expanding it."""
    ordered = sorted(values)

    def nth(n: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > n:
                return value
        raise ValueError("empty distribution")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _scale(question: Question, decoded: Decoded, respondents: int) -> ScaleResult:
    counts = dict.fromkeys(question.scale_values, 0)
    for answer, count in decoded:
        counts[int(answer)] += count  # type: ignore[arg-type]
    pairs = [(v, n) for v, n in counts.items() if n]
    mean = sum(v * n for v, n in pairs) / respondents
    buckets = tuple(ScaleBucket(v, n, percent(n, respondents)) for v, n in counts.items())
    nps = promoters = passives = detractors = None
    if question.is_nps:
        promoters = percent(sum(n for v, n in pairs if v >= 9), respondents)
        passives = percent(sum(n for v, n in pairs if 7 <= v <= 8), respondents)
        detractors = percent(sum(n for v, n in pairs if v <= 6), respondents)
        nps = promoters - detractors
    return ScaleResult(
        header(question),
        respondents,
        buckets,
        median=_weighted_median(pairs, respondents),
        mean=mean,
        scale_min=question.scale_min,
        scale_max=question.scale_max,
        min_label=question.min_label,
        max_label=question.max_label,
        nps=nps,
        promoters_percent=promoters,
        passives_percent=passives,
        detractors_percent=detractors,
    )


def _ranking(question: Question, decoded: Decoded, respondents: int) -> RankingResult:
    n_options = len(question.options)
    borda = [0] * n_options
    firsts = [0] * n_options
    for answer, count in decoded:
        order = answer if isinstance(answer, tuple) else (answer,)
        for position, index in enumerate(order):
            borda[int(index)] += (n_options - 1 - position) * count  # type: ignore[arg-type]
        firsts[int(order[0])] += count  # type: ignore[arg-type]
    ranked = sorted(range(n_options), key=lambda i: (-borda[i], i))
    items = tuple(
        RankedOption(
            question.options[i], borda[i], borda[i] / respondents, firsts[i], percent(firsts[i], respondents)
        )
        for i in ranked
    )
    return RankingResult(header(question), respondents, items, max_borda_per_respondent=n_options - 1)


def content_shuffle(answers: list[str]) -> list[str]:
    """Shuffle seeded by the content alone: the order says nothing about who answered when, and the
    same answers always give the same order (so rendered charts stay cacheable)."""
    ordered = sorted(answers)
    seed = hashlib.sha256("\x1e".join(ordered).encode()).digest()
    random.Random(seed).shuffle(ordered)
    return ordered


def _entry_shuffle(entries: list[LessonEntry]) -> tuple[LessonEntry, ...]:
    """content_shuffle for lessons: the order depends on the entries alone, never on arrival."""
    ordered = sorted(entries, key=lambda e: (e.title, e.description))
    seed = hashlib.sha256("\x1e".join(f"{e.title}\x1f{e.description}" for e in ordered).encode()).digest()
    random.Random(seed).shuffle(ordered)
    return tuple(ordered)


def _grid(question: Question, decoded: Decoded, respondents: int, k: int) -> GridResult:
    """Each row is a scale of its own, with k applied to the row: a row fewer than k people rated is
    withheld whole (no count, no median), even when the question as a whole is shown."""
    per_row = [dict.fromkeys(question.scale_values, 0) for _ in question.rows]
    for answer, count in decoded:
        ratings = answer if isinstance(answer, tuple) else ()
        for counts, value in zip(per_row, ratings, strict=False):
            if isinstance(value, int) and value in counts:
                counts[value] += count
    rows = []
    for label, counts in zip(question.rows, per_row, strict=True):
        n = sum(counts.values())
        if n < k:
            rows.append(GridRow(label, None))
            continue
        pairs = [(v, c) for v, c in counts.items() if c]
        buckets = tuple(ScaleBucket(v, c, percent(c, n)) for v, c in counts.items())
        mean = sum(v * c for v, c in pairs) / n
        rows.append(GridRow(label, n, buckets, _weighted_median(pairs, n), mean))
    return GridResult(
        header(question),
        respondents,
        tuple(rows),
        question.scale_min,
        question.scale_max,
        question.min_label,
        question.max_label,
        k,
    )


def _lessons(question: Question, decoded: Decoded, respondents: int, k: int) -> LessonsResult:
    """Cells count respondents who filed at least one lesson there, so a list of entries never tells how
    many people wrote it. A cell below k shows "<k" and publishes no entry: a cell of one would show that
    person's category, polarity and text. The other cells' entries are grouped by cell and shuffled."""
    cells = len(question.categories) * 2
    people = [0] * cells
    entries: list[list[LessonEntry]] = [[] for _ in range(cells)]
    for answer, count in decoded:
        lessons = [e for e in answer if isinstance(e, Lesson)] if isinstance(answer, tuple) else []
        touched = set()
        for lesson in lessons:
            if not 0 <= lesson.category < len(question.categories):
                continue
            cell = 2 * lesson.category + (0 if lesson.positive else 1)
            touched.add(cell)
            entries[cell].extend([LessonEntry(lesson.title, lesson.description)] * count)
        for cell in touched:
            people[cell] += count
    result_cells = tuple(
        LessonCell(
            question.categories[i // 2],
            i % 2 == 0,
            people[i] if people[i] >= k else None,
            _entry_shuffle(entries[i]) if people[i] >= k else (),
        )
        for i in range(cells)
    )
    return LessonsResult(header(question), respondents, question.categories, result_cells, k)


def _text(question: Question, decoded: Decoded, respondents: int) -> TextResult:
    answers = [str(answer) for answer, count in decoded for _ in range(count)]
    terms = tuple(TermCount(term, n) for term, n in top_terms(answers))
    return TextResult(header(question), respondents, tuple(content_shuffle(answers)), terms)
