"""Answer rules of the grid and lessons kinds (bot/validation.py dispatches here)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.domain import Lesson, Question
from bot.errors import InvalidInput
from bot.invisible import strip_invisible

MAX_LESSON_TITLE_CHARS = 150
MAX_LESSON_DESCRIPTION_CHARS = 2000
# The highest max_entries an organiser may set: what one Slack modal page can hold (100 blocks, 5 per
# lesson beside the page's own; adapters/slack/kinds_modal.py), so every platform takes the same limit and a
# delegation's shared draft written in Matrix always opens in Slack.
MAX_LESSON_ENTRIES = 18
_WHOLE = re.compile(r"-?\d+")
_POLARITY = {"positive": True, "+": True, "negative": False, "-": False}


def as_int(raw: object, what: str) -> int:
    if isinstance(raw, bool):
        raise InvalidInput(f"{what} must be a whole number")
    if isinstance(raw, int):
        return raw
    # Decimal digits only: "²" passes str.isdigit() but not int(), and "--3" passed lstrip("-").
    if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        return int(raw.strip())
    raise InvalidInput(f"{what} must be a whole number")


def as_sequence(raw: object, what: str) -> Sequence[object]:
    if isinstance(raw, (list, tuple)):
        return raw
    raise InvalidInput(f"{what} must be a list")


def grid_answer(question: Question, raw: object, draft: bool = False) -> tuple[int | None, ...]:
    """A rating per row; `draft` lets rows of a required grid stay empty until the submission."""
    rows = question.rows
    values: list[object]
    if isinstance(raw, Mapping):
        values = [None] * len(rows)
        for key, value in raw.items():
            index = as_int(key, "a row")
            if not 0 <= index < len(rows):
                raise InvalidInput(f"there is no row {index + 1}; the grid has {len(rows)} rows")
            values[index] = value
    elif isinstance(raw, (list, tuple)):
        if len(raw) != len(rows):
            raise InvalidInput(f"give one rating per row: {len(rows)} rows, got {len(raw)}")
        values = list(raw)
    else:
        raise InvalidInput("a grid answer must be one rating per row")
    ratings: list[int | None] = []
    for i, value in enumerate(values):
        where = f"row {i + 1} ‘{rows[i]}’"
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.required and not draft:
                raise InvalidInput(f"{where}: please rate every row")
            ratings.append(None)
            continue
        rating = as_int(value, f"{where}: the rating")
        if rating not in question.scale_values:
            raise InvalidInput(
                f"{where}: the rating must be from {question.scale_min} to {question.scale_max} (got {rating})"
            )
        ratings.append(rating)
    if all(rating is None for rating in ratings):
        raise InvalidInput("rate at least one row, or leave the question out")
    return tuple(ratings)


def lessons_answer(question: Question, raw: object) -> tuple[Lesson, ...]:
    entries = as_sequence(raw, "the lessons")
    if len(entries) > question.max_entries:
        raise InvalidInput(f"at most {question.max_entries} lessons (got {len(entries)})")
    if not entries and question.required:
        raise InvalidInput("add at least one lesson")
    return tuple(validate_lesson(question, entry, f"lesson {i + 1}") for i, entry in enumerate(entries))


def validate_lesson(question: Question, raw: object, where: str = "the lesson") -> Lesson:
    """One entry, from a Lesson or a mapping {category, polarity, title, description}."""
    if isinstance(raw, Lesson):
        category: object = raw.category
        positive: object = raw.positive
        title: object = raw.title
        description: object = raw.description
    elif isinstance(raw, Mapping):
        category = raw.get("category")
        polarity = raw.get("polarity")
        positive = raw["positive"] if "positive" in raw else _POLARITY.get(str(polarity).strip().casefold())
        # An empty form field may come as None: the same as empty text.
        title = raw.get("title") or ""
        description = raw.get("description") or ""
    else:
        raise InvalidInput(f"{where}: must have a category, a polarity and a title")
    if not isinstance(positive, bool):
        raise InvalidInput(f"{where}: say whether it is positive or negative")
    if not isinstance(title, str) or not isinstance(description, str):
        raise InvalidInput(f"{where}: the title and description must be text")
    title = strip_invisible(title).strip()
    description = strip_invisible(description).strip()
    if not title:
        raise InvalidInput(f"{where}: the title is empty")
    if len(title) > MAX_LESSON_TITLE_CHARS:
        raise InvalidInput(f"{where}: a title may have at most {MAX_LESSON_TITLE_CHARS} characters (got {len(title)})")
    if len(description) > MAX_LESSON_DESCRIPTION_CHARS:
        raise InvalidInput(
            f"{where}: a description may have at most {MAX_LESSON_DESCRIPTION_CHARS} characters"
            f" (got {len(description)})"
        )
    return Lesson(_category_index(question, category, where), positive, title, description)


def _category_index(question: Question, raw: object, where: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        if 0 <= raw < len(question.categories):
            return raw
    elif isinstance(raw, str) and raw.strip():
        wanted = raw.strip().casefold()
        for i, label in enumerate(question.categories):
            if label.strip().casefold() == wanted:
                return i
    raise InvalidInput(f"{where}: choose a category ({', '.join(question.categories)})")
