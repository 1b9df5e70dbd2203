"""Answers in words, for the participant's own eyes: option labels, scale values with their end labels,
rankings as ordered labels. Never the zero-based indexes or tuples a ballot stores."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import Answer, Lesson, Question, QuestionKind, Survey


def _label(question: Question, index: object) -> str:
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(question.options):
        return question.options[index]
    return str(index)  # out of range (a question edited since): still readable, never a crash


def _scale(question: Question, value: int) -> str:
    if not (question.min_label or question.max_label):
        return f"{value} (of {question.scale_min} to {question.scale_max})"
    low = f"{question.scale_min} = {question.min_label}" if question.min_label else str(question.scale_min)
    high = f"{question.scale_max} = {question.max_label}" if question.max_label else str(question.scale_max)
    return f"{value} (of {low} … {high})"


def _grid(question: Question, ratings: tuple[object, ...]) -> str:
    """One row per line, "Row: 4 (of 1 = … 5 = …)", a skipped row said so."""
    lines = []
    for i, row in enumerate(question.rows):
        value = ratings[i] if i < len(ratings) else None
        shown = _scale(question, value) if isinstance(value, int) and not isinstance(value, bool) else "(skipped)"
        lines.append(f"{row}: {shown}")
    return "\n".join(lines)


def _lessons(question: Question, entries: tuple[object, ...]) -> str:
    lessons = [e for e in entries if isinstance(e, Lesson)]
    if not lessons:
        return "no lessons"
    lines = []
    for number, lesson in enumerate(lessons, start=1):
        category = question.categories[lesson.category] if 0 <= lesson.category < len(question.categories) else "?"
        polarity = "positive: practice to replicate" if lesson.positive else "negative: room for improvement"
        lines.append(f"Lesson {number} ({category}; {polarity}): {lesson.title}")
        if lesson.description:
            lines.append(f"  {lesson.description}")
    return "\n".join(lines)


def answer_in_words(question: Question, answer: Answer) -> str:
    kind = question.kind
    if kind is QuestionKind.SINGLE and isinstance(answer, int):
        return _label(question, answer)
    if kind is QuestionKind.SCALE and isinstance(answer, int):
        return _scale(question, answer)
    if kind is QuestionKind.MULTI and isinstance(answer, tuple):
        return ", ".join(_label(question, i) for i in answer)
    if kind is QuestionKind.RANKING and isinstance(answer, tuple):
        return "  ".join(f"{rank}. {_label(question, i)}" for rank, i in enumerate(answer, start=1))
    if kind is QuestionKind.GRID and isinstance(answer, tuple):
        return _grid(question, answer)
    if kind is QuestionKind.LESSONS and isinstance(answer, tuple):
        return _lessons(question, answer)
    if isinstance(answer, str):
        return answer
    # A kind this module does not know yet (or a shape it did not expect): readable, never a repr.
    if isinstance(answer, tuple | list):
        return ", ".join(_label(question, i) if question.options else str(i) for i in answer)
    if isinstance(answer, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in answer.items())
    return str(answer)


def answers_in_words(survey: Survey, answers: Mapping[str, Answer]) -> list[tuple[Question, str | None]]:
    """Every question of the survey in order, with its answer in words; None where it was skipped."""
    return [(q, answer_in_words(q, answers[q.id]) if q.id in answers else None) for q in survey.questions]


def words_lines(survey: Survey, answers: Mapping[str, Answer], skipped: str = "(skipped)") -> list[str]:
    """Plain lines "1. Question — answer", as the console and confirmations show them."""
    return [
        f"{q.position + 1}. {q.text}\n   → " + (words if words is not None else skipped).replace("\n", "\n     ")
        for q, words in answers_in_words(survey, answers)
    ]
