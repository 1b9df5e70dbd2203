"""The grid and lessons kinds in the answer modal: their blocks, their state, and where an error goes.

A grid is a header and one static_select per row. A lessons question is a header, then per entry a
"Lesson N" line with a Remove button and four inputs (category, polarity, title, description), then
an *Add another lesson* button and a note. Entries carry a stable key in their block ids
("q|QID|L<key>|FIELD"), never their position: Slack keeps what was typed into a block across
views.update by block id, so a removed entry's text must not reappear in the entry after it.

Labels and options are plain_text (they cannot format, link or ping); the mrkdwn headers are escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from adapters.slack import ids
from adapters.slack.blocks import Block, context, esc, input_block, option, plain, section
from bot.domain import Lesson, Question, QuestionKind
from bot.errors import InvalidInput
from bot.kind_answers import MAX_LESSON_DESCRIPTION_CHARS, MAX_LESSON_TITLE_CHARS
from bot.validation import validate_answer

KINDS = frozenset({QuestionKind.GRID, QuestionKind.LESSONS})
ENTRY_BLOCKS = 5  # "Lesson N" + Remove, category, polarity, title, description
LESSONS_FIXED = 3  # header, Add button, note
FIELDS = ("cat", "pol", "title", "desc")
POLARITIES = (("positive", "Positive: practice to replicate"), ("negative", "Negative: room for improvement"))
_LESSON_BLOCK = re.compile(r"^q\|(?P<qid>[^|]+)\|L(?P<key>\d+)\|(?P<field>\w+)$")


@dataclass(frozen=True)
class Entry:
    """One lesson as the modal shows it: possibly incomplete, as the person is still writing it."""

    key: int
    category: int | None = None
    positive: bool | None = None
    title: str = ""
    description: str = ""

    @property
    def blank(self) -> bool:
        empty = not self.title.strip() and not self.description.strip()
        return empty and self.category is None and self.positive is None

    def raw(self) -> dict[str, object]:
        """The raw answer the core validates (and explains, naming this lesson, if it is incomplete)."""
        polarity = None if self.positive is None else "positive" if self.positive else "negative"
        return {"category": self.category, "polarity": polarity, "title": self.title, "description": self.description}


@dataclass(frozen=True)
class LessonsForm:
    entries: tuple[Entry, ...]
    note: str = ""


def lesson_block(question_id: str, key: int, field: str) -> str:
    return f"{ids.QUESTION_BLOCK}|{question_id}|L{key}|{field}"


def capacity(question: Question, room: int) -> int:
    """How many lessons fit on a page of `room` blocks: Slack allows 100 blocks in a view."""
    return max(1, min(question.max_entries, (room - LESSONS_FIXED) // ENTRY_BLOCKS))


def cost(question: Question, room: int) -> int:
    """Blocks this question may take; a lessons question is counted full, as it grows on its page."""
    if question.kind is QuestionKind.GRID:
        return 1 + len(question.rows)
    return LESSONS_FIXED + ENTRY_BLOCKS * capacity(question, room)


# -- blocks --------------------------------------------------------------------------------------


def _header(question: Question, extra: str) -> Block:
    return section(f"*{question.position + 1}. {esc(question.text)}*\n{extra}")


def _scale_options(question: Question) -> list[dict[str, Any]]:
    ends = {question.scale_min: question.min_label, question.scale_max: question.max_label}
    return [option(f"{v} · {ends[v]}" if ends.get(v) else str(v), str(v)) for v in question.scale_values]


def grid_blocks(question: Question, ratings: Sequence[int | None]) -> list[Block]:
    legend = f"Rate each row from {question.scale_min} to {question.scale_max}"
    if question.min_label or question.max_label:
        legend += f" ({question.scale_min} = {question.min_label} … {question.scale_max} = {question.max_label})"
    legend = esc(legend) + ("." if question.required else ". You may leave a row empty.")
    options = _scale_options(question)
    blocks: list[Block] = [_header(question, legend)]
    for i, row in enumerate(question.rows):
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": ids.ANSWER_ACTION,
            "options": options,
            "placeholder": plain("Choose a rating"),
        }
        chosen = ratings[i] if i < len(ratings) else None
        initial = next((o for o in options if o["value"] == str(chosen)), None)
        if initial is not None:
            element["initial_option"] = initial
        blocks.append(input_block(ids.question_block(question.id, i), row, element, not question.required))
    return blocks


def _entry_blocks(question: Question, number: int, entry: Entry) -> list[Block]:
    qid, key = question.id, entry.key
    required = question.required and number == 1  # a required question needs one complete lesson
    categories = [option(label, str(i)) for i, label in enumerate(question.categories)]
    category: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.ANSWER_ACTION,
        "options": categories,
        "placeholder": plain("Choose a category"),
    }
    if entry.category is not None and 0 <= entry.category < len(categories):
        category["initial_option"] = categories[entry.category]
    polarities = [option(text, value) for value, text in POLARITIES]
    polarity: dict[str, Any] = {"type": "radio_buttons", "action_id": ids.ANSWER_ACTION, "options": polarities}
    if entry.positive is not None:
        polarity["initial_option"] = polarities[0 if entry.positive else 1]
    title: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.ANSWER_ACTION,
        "max_length": MAX_LESSON_TITLE_CHARS,
    }
    description: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.ANSWER_ACTION,
        "multiline": True,
        "max_length": MAX_LESSON_DESCRIPTION_CHARS,
    }
    if entry.title:
        title["initial_value"] = entry.title
    if entry.description:
        description["initial_value"] = entry.description
    remove = {
        "type": "button",
        "text": plain("Remove"),
        "action_id": ids.LESSON_REMOVE,
        "value": f"{qid}|{key}",
    }
    return [
        dict(section(f"*Lesson {number}*"), block_id=lesson_block(qid, key, "head"), accessory=remove),
        input_block(lesson_block(qid, key, "cat"), "Category", category, not required),
        input_block(lesson_block(qid, key, "pol"), "Positive or negative", polarity, not required),
        input_block(
            lesson_block(qid, key, "title"),
            "Title",
            title,
            not required,
            f"At most {MAX_LESSON_TITLE_CHARS} characters.",
        ),
        input_block(
            lesson_block(qid, key, "desc"),
            "Description (optional)",
            description,
            True,
            f"At most {MAX_LESSON_DESCRIPTION_CHARS:,} characters.",
        ),
    ]


def lessons_blocks(question: Question, form: LessonsForm, room: int) -> list[Block]:
    most = capacity(question, room)
    intro = f"Add up to {most} lessons, each positive (a practice to replicate) or negative (room for improvement)."
    if not question.required:
        intro += " This question is optional."
    blocks: list[Block] = [_header(question, intro)]
    for number, entry in enumerate(form.entries, 1):
        blocks.extend(_entry_blocks(question, number, entry))
    add = {
        "type": "button",
        "text": plain("Add another lesson"),
        "action_id": ids.LESSON_ADD,
        "value": question.id,
    }
    blocks.append({"type": "actions", "block_id": f"{ids.QUESTION_BLOCK}|{question.id}|add", "elements": [add]})
    note = form.note or f"{len(form.entries)} of at most {most}. A lesson left empty is left out."
    blocks.append(context(esc(note)))
    return blocks


def form_from_answer(question: Question, answer: object) -> object:
    """What a page shows for a kinds question, from a saved answer (or none)."""
    if question.kind is QuestionKind.GRID:
        return tuple(answer) if isinstance(answer, tuple) else ()
    lessons = [e for e in answer if isinstance(e, Lesson)] if isinstance(answer, tuple) else []
    entries = tuple(Entry(i, e.category, e.positive, e.title, e.description) for i, e in enumerate(lessons))
    return LessonsForm(entries or (Entry(0),))


def question_blocks(question: Question, answer: object, form: object | None, room: int) -> list[Block]:
    shown = form if form is not None else form_from_answer(question, answer)
    if question.kind is QuestionKind.GRID:
        return grid_blocks(question, shown if isinstance(shown, tuple) else ())
    return lessons_blocks(question, shown if isinstance(shown, LessonsForm) else LessonsForm((Entry(0),)), room)


# -- state ---------------------------------------------------------------------------------------


def _state(values: Mapping[str, Any], block_id: str) -> Mapping[str, Any]:
    block = values.get(block_id)
    state = block.get(ids.ANSWER_ACTION) if isinstance(block, Mapping) else None
    return state if isinstance(state, Mapping) else {}


def _selected(values: Mapping[str, Any], block_id: str) -> str | None:
    chosen = _state(values, block_id).get("selected_option")
    value = chosen.get("value") if isinstance(chosen, Mapping) else None
    return value if isinstance(value, str) else None


def _text(values: Mapping[str, Any], block_id: str) -> str:
    value = _state(values, block_id).get("value")
    return value if isinstance(value, str) else ""


def _grid_state(question: Question, values: Mapping[str, Any]) -> list[object]:
    return [_selected(values, ids.question_block(question.id, i)) for i in range(len(question.rows))]


def _entry(question: Question, values: Mapping[str, Any], key: int) -> Entry:
    category = _selected(values, lesson_block(question.id, key, "cat"))
    polarity = _selected(values, lesson_block(question.id, key, "pol"))
    return Entry(
        key,
        int(category) if category is not None and category.isdigit() else None,
        None if polarity is None else polarity == "positive",
        _text(values, lesson_block(question.id, key, "title")),
        _text(values, lesson_block(question.id, key, "desc")),
    )


def _keys(question: Question, block_ids: Sequence[str]) -> list[int]:
    keys = {int(m["key"]) for m in map(_LESSON_BLOCK.match, block_ids) if m and m["qid"] == question.id}
    return sorted(keys)


def written(question: Question, values: Mapping[str, Any]) -> list[Entry]:
    """The entries with anything in them, in the order they were added: what is submitted."""
    entries = [_entry(question, values, key) for key in _keys(question, list(values))]
    return [e for e in entries if not e.blank]


def raw_answer(question: Question, values: Mapping[str, Any]) -> object | None:
    """The raw answer in a submitted modal, or None when the question was left untouched."""
    if question.kind is QuestionKind.GRID:
        ratings = _grid_state(question, values)
        # A forged value ("9", "x") is passed on, for the core to refuse naming the row.
        return ratings if any(r is not None for r in ratings) else None
    entries = written(question, values)
    return [e.raw() for e in entries] if entries else None


def draft_value(question: Question, raw: object) -> object | None:
    """For a draft: a grid as it is; of the lessons, those that are complete (the rest stay on screen)."""
    if question.kind is QuestionKind.GRID or not isinstance(raw, list):
        return raw
    kept = []
    for entry in raw:
        try:
            validate_answer(replace(question, required=False), [entry])
        except InvalidInput:
            continue
        kept.append(entry)
    return kept or None


def view_form(question: Question, view: Mapping[str, Any]) -> object:
    """What the modal shows now for a kinds question, typed-in values included, to rebuild it as it is."""
    values = ((view.get("state") or {}).get("values")) or {}
    if question.kind is QuestionKind.GRID:
        ratings = _grid_state(question, values)
        return tuple(int(r) if isinstance(r, str) and r.isdigit() else None for r in ratings)
    shown = [str(b.get("block_id", "")) for b in view.get("blocks") or [] if isinstance(b, Mapping)]
    keys = _keys(question, shown) or _keys(question, list(values))
    return LessonsForm(tuple(_entry(question, values, key) for key in keys) or (Entry(0),))


def view_forms(questions: Sequence[Question], view: Mapping[str, Any]) -> dict[str, object]:
    return {q.id: view_form(q, view) for q in questions if q.kind in KINDS}


def error_block(question: Question, reason: str, view: Mapping[str, Any]) -> str:
    """The input block an error from the core belongs on: the row, or the lesson's field, it names."""
    if question.kind is QuestionKind.GRID:
        row = re.search(r"\brow (\d+)\b", reason)
        index = int(row.group(1)) - 1 if row else 0
        return ids.question_block(question.id, index if 0 <= index < len(question.rows) else 0)
    values = ((view.get("state") or {}).get("values")) or {}
    entries = written(question, values)
    form = view_form(question, view)
    keys = [e.key for e in entries] or ([e.key for e in form.entries] if isinstance(form, LessonsForm) else [0])
    numbered = re.search(r"\blesson (\d+):", reason)
    index = int(numbered.group(1)) - 1 if numbered else (len(keys) - 1 if "at most" in reason else 0)
    key = keys[index] if 0 <= index < len(keys) else keys[-1]
    field = "cat"  # "choose a category (…)" names the categories, which may contain any word below
    if "choose a category" not in reason:
        for word, name in (("title", "title"), ("description", "desc"), ("positive or negative", "pol")):
            if word in reason:
                field = name
                break
    return lesson_block(question.id, key, field)
