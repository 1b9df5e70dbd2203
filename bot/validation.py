"""Rules for survey definitions and answers. Input beyond the limits is rejected, never truncated."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from bot.domain import Answer, Lesson, Question, QuestionKind, QuestionSpec, ResultsMode, SurveySpec
from bot.errors import InvalidInput
from bot.invisible import has_invisible, strip_invisible
from bot.kind_answers import MAX_LESSON_ENTRIES, as_int, as_sequence, grid_answer, lessons_answer
from bot.limits import (
    MAX_OPTION_CHARS,
    MAX_OPTIONS,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_TEXT_ANSWER_CHARS,
    MAX_TITLE_CHARS,
    MIN_K,
)

MAX_SCALE_POINTS = 11  # 0..10 for NPS
SCALED_KINDS = frozenset({QuestionKind.SCALE, QuestionKind.GRID})


def validate_question(spec: QuestionSpec, field: str) -> None:
    for problem in question_problems(spec, field):
        raise problem


def question_problems(spec: QuestionSpec, field: str) -> Iterator[InvalidInput]:
    """Every rule the question breaks (a survey file reports them all at once)."""
    text = spec.text.strip()
    if not text:
        yield InvalidInput("the question text is empty", f"{field}.text")
    if len(text) > MAX_QUESTION_CHARS:
        yield InvalidInput(
            f"a question may have at most {MAX_QUESTION_CHARS} characters (got {len(text)})", f"{field}.text"
        )
    yield from _invisible_problems(
        [("text", spec.text), ("min_label", spec.min_label), ("max_label", spec.max_label)]
        + [(f"options[{i}]", option) for i, option in enumerate(spec.options)]
        + [(f"rows[{i}]", row) for i, row in enumerate(spec.rows)]
        + [(f"categories[{i}]", category) for i, category in enumerate(spec.categories)],
        field,
    )
    if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.RANKING):
        yield from _option_problems(spec, field)
    elif spec.options:
        yield InvalidInput(f"a {spec.kind} question takes no options", f"{field}.options")
    if spec.kind is QuestionKind.MULTI and not 1 <= spec.max_selections <= len(spec.options):
        yield InvalidInput(
            f"must be between 1 and the number of options ({len(spec.options)})", f"{field}.max_selections"
        )
    if spec.kind is QuestionKind.GRID:
        yield from _label_list_problems(spec.rows, "row", "rows", 1, field)
    elif spec.rows:
        yield InvalidInput(f"a {spec.kind} question takes no rows", f"{field}.rows")
    if spec.kind is QuestionKind.LESSONS:
        yield from _label_list_problems(spec.categories, "category", "categories", 1, field)
        if not 1 <= spec.max_entries <= MAX_LESSON_ENTRIES:
            yield InvalidInput(
                f"must be from 1 to {MAX_LESSON_ENTRIES} (got {spec.max_entries})", f"{field}.max_entries"
            )
    elif spec.categories:
        yield InvalidInput(f"a {spec.kind} question takes no categories", f"{field}.categories")
    if spec.kind in SCALED_KINDS:
        if spec.scale_min >= spec.scale_max:
            yield InvalidInput(f"min ({spec.scale_min}) must be below max ({spec.scale_max})", f"{field}.max")
        elif spec.scale_min < 0 or spec.scale_max - spec.scale_min + 1 > MAX_SCALE_POINTS:
            yield InvalidInput(f"a scale runs from 0 or more and has at most {MAX_SCALE_POINTS} points", f"{field}.max")
        for label_field, label in (("min_label", spec.min_label), ("max_label", spec.max_label)):
            if len(label) > MAX_OPTION_CHARS:
                reason = f"at most {MAX_OPTION_CHARS} characters (got {len(label)})"
                yield InvalidInput(reason, f"{field}.{label_field}")


def _invisible_problems(texts: Sequence[tuple[str, str]], field: str) -> Iterator[InvalidInput]:
    for name, text in texts:
        if has_invisible(text):
            reason = "contains invisible direction or control characters, which would garble the results"
            yield InvalidInput(reason, f"{field}.{name}" if field else name)


def _option_problems(spec: QuestionSpec, field: str) -> Iterator[InvalidInput]:
    options = spec.options
    if len(options) < 2:
        yield InvalidInput(f"a {spec.kind} question needs at least 2 options", f"{field}.options")
    if len(options) > MAX_OPTIONS:
        yield InvalidInput(f"at most {MAX_OPTIONS} options (got {len(options)})", f"{field}.options")
    seen: set[str] = set()
    for i, option in enumerate(options):
        if not option.strip():
            yield InvalidInput("an option is empty", f"{field}.options[{i}]")
        if len(option) > MAX_OPTION_CHARS:
            yield InvalidInput(
                f"an option may have at most {MAX_OPTION_CHARS} characters (got {len(option)})",
                f"{field}.options[{i}]",
            )
        if option.casefold() in seen:
            yield InvalidInput(f"the option {option!r} appears twice", f"{field}.options[{i}]")
        seen.add(option.casefold())


def _label_list_problems(
    labels: Sequence[str], noun: str, key: str, minimum: int, field: str
) -> Iterator[InvalidInput]:
    """Rows of a grid and categories of a lessons question follow the rules of options."""
    if len(labels) < minimum:
        yield InvalidInput(f"needs at least {minimum} {noun}", f"{field}.{key}")
    if len(labels) > MAX_OPTIONS:
        yield InvalidInput(f"at most {MAX_OPTIONS} {key} (got {len(labels)})", f"{field}.{key}")
    seen: set[str] = set()
    for i, label in enumerate(labels):
        if not label.strip():
            yield InvalidInput(f"a {noun} is empty", f"{field}.{key}[{i}]")
        if len(label) > MAX_OPTION_CHARS:
            yield InvalidInput(
                f"a {noun} may have at most {MAX_OPTION_CHARS} characters (got {len(label)})", f"{field}.{key}[{i}]"
            )
        if label.strip().casefold() in seen:
            yield InvalidInput(f"the {noun} {label!r} appears twice", f"{field}.{key}[{i}]")
        seen.add(label.strip().casefold())


def validate_survey(spec: SurveySpec) -> None:
    for problem in survey_problems(spec):
        raise problem


def survey_problems(spec: SurveySpec, questions: bool = True) -> Iterator[InvalidInput]:
    """Every rule the survey breaks; `questions=False` leaves out the questions' own rules."""
    if not spec.title.strip():
        yield InvalidInput("the title is empty", "title")
    if len(spec.title) > MAX_TITLE_CHARS:
        yield InvalidInput(f"at most {MAX_TITLE_CHARS} characters (got {len(spec.title)})", "title")
    yield from _invisible_problems([("title", spec.title), ("description", spec.description)], "")
    if not spec.questions and questions:
        yield InvalidInput("a survey needs at least one question", "questions")
    if len(spec.questions) > MAX_QUESTIONS:
        yield InvalidInput(f"at most {MAX_QUESTIONS} questions (got {len(spec.questions)})", "questions")
    if questions:
        for i, question in enumerate(spec.questions):
            yield from question_problems(question, f"questions[{i}]")
    if spec.k < MIN_K:
        yield InvalidInput(f"must be at least {MIN_K}, so that no small group can be singled out", "min_respondents")
    if not isinstance(spec.results_mode, ResultsMode):
        yield InvalidInput("must be live, after_close or organisers", "results")
    if spec.opens_at and spec.closes_at and spec.opens_at >= spec.closes_at:
        yield InvalidInput("the survey must close after it opens", "closes_at")


def schedule_problems(spec: SurveySpec, now: datetime) -> Iterator[InvalidInput]:
    """Times that cannot work, found at validate rather than at create or at the first reminder."""
    if spec.closes_at is not None and spec.closes_at <= now:
        yield InvalidInput("the closing time is in the past", "closes_at")
    if spec.closes_at is None:
        for i, reminder in enumerate(spec.reminders):
            if reminder.before_close_seconds is not None:
                yield InvalidInput(
                    "a reminder before the close needs closes_at: there is no deadline to count back from",
                    f"reminders[{i}].before_close",
                )


def schedule_warnings(spec: SurveySpec) -> Iterator[InvalidInput]:
    """Legal but probably not meant; shown by `survey validate` and `survey create`."""
    if not spec.targets and spec.roster is None and spec.delegations is None:
        yield InvalidInput(
            "none: `open` would send to nobody (add targets = [{platform = ..., channel = ...}] or a roster;"
            " in chat, `survey` uses the channel it is typed in)",
            "targets",
        )
    elif not spec.targets:
        yield InvalidInput("none: the roster is invited by DM, but the results are posted to no channel", "targets")


def _option_index(question: Question, raw: object) -> int:
    index = as_int(raw, "an option")
    if not 0 <= index < len(question.options):
        raise InvalidInput(f"there is no option {index + 1}; choose 1 to {len(question.options)}")
    return index


def validate_answer(question: Question, raw: object, *, draft: bool = False) -> Answer:
    """Turn an adapter's raw answer into the canonical form, or explain what is wrong. A `draft` may leave
    rows of a required grid unrated; the submission checks them."""
    kind = question.kind
    if kind is QuestionKind.SINGLE:
        return _option_index(question, raw)
    if kind is QuestionKind.MULTI:
        picks = tuple(sorted({_option_index(question, item) for item in as_sequence(raw, "a selection")}))
        if not picks:
            raise InvalidInput("choose at least one option")
        if len(picks) > question.max_selections:
            raise InvalidInput(f"choose at most {question.max_selections} options (got {len(picks)})")
        return picks
    if kind is QuestionKind.SCALE:
        value = as_int(raw, "the rating")
        if value not in question.scale_values:
            raise InvalidInput(f"the rating must be from {question.scale_min} to {question.scale_max} (got {value})")
        return value
    if kind is QuestionKind.GRID:
        return grid_answer(question, raw, draft)
    if kind is QuestionKind.LESSONS:
        return lessons_answer(question, raw)
    if kind is QuestionKind.RANKING:
        order = tuple(_option_index(question, item) for item in as_sequence(raw, "a ranking"))
        if sorted(order) != list(range(len(question.options))):
            raise InvalidInput(f"rank every option exactly once (1 to {len(question.options)})")
        return order
    if not isinstance(raw, str):
        raise InvalidInput("the answer must be text")
    # Hidden direction marks cannot be seen by their writer, only by readers of the results: dropped.
    text = strip_invisible(raw).strip()
    if not text:
        raise InvalidInput("the answer is empty")
    if len(text) > MAX_TEXT_ANSWER_CHARS:
        raise InvalidInput(f"at most {MAX_TEXT_ANSWER_CHARS} characters (got {len(text)})")
    return text


# json.dumps with any argument builds a new encoder each call (most of its cost on a small answer);
# these are the same encoders, built once, so the strings are the same.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CANONICAL_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def encode_answer(answer: Answer) -> str:
    """Canonical JSON, so equal answers are equal strings and can be grouped in SQL. Lessons are objects
    with sorted keys; every older kind keeps the encoding it always had, so stored ballots still decode."""
    if isinstance(answer, tuple) and answer and isinstance(answer[0], Lesson):
        value: object = [
            {"category": e.category, "description": e.description, "positive": e.positive, "title": e.title}
            for e in answer
            if isinstance(e, Lesson)
        ]
        return _CANONICAL_SORTED.encode(value)
    return _CANONICAL.encode(list(answer) if isinstance(answer, tuple) else answer)


def decode_answer(payload: str) -> Answer:
    value = json.loads(payload)
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return tuple(
                Lesson(int(e["category"]), bool(e["positive"]), str(e["title"]), str(e.get("description", "")))
                for e in value
            )
        return tuple(value)
    return value  # type: ignore[no-any-return]
