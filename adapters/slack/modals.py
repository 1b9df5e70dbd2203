"""The private answer modal: every question of a survey, split into pages under Slack's block limit."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack import ids, kinds_modal
from adapters.slack.blocks import (
    Block,
    context,
    esc,
    input_block,
    multi_picker,
    option,
    plain,
    plain_section,
    section,
)
from bot.anonymity import survey_notice
from bot.domain import Answer, Question, QuestionKind, Survey
from bot.limits import MAX_TEXT_ANSWER_CHARS

BLOCK_LIMIT = 100  # Slack's maximum number of blocks in one view
PAGE_OVERHEAD = 5  # title, notice, "answered before" note, draft button, status line
RADIO_LIMIT = 10


@dataclass(frozen=True)
class AnswerMeta:
    """What the modal remembers in private_metadata: the survey, the page, and where it was opened."""

    survey_id: str
    page: int
    origin: str  # channel id for the ephemeral confirmation; empty for App Home

    def dumps(self) -> str:
        return json.dumps({"s": self.survey_id, "p": self.page, "o": self.origin})

    @classmethod
    def loads(cls, text: str) -> AnswerMeta:
        data = json.loads(text or "{}")
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("s"), str)
            or not isinstance(data.get("p"), int)
        ):
            raise ValueError("not an answer modal")
        return cls(data["s"], data["p"], str(data.get("o") or ""))


def question_cost(question: Question, room: int = BLOCK_LIMIT - PAGE_OVERHEAD) -> int:
    if question.kind in kinds_modal.KINDS:
        return kinds_modal.cost(question, room)
    return len(question.options) if question.kind is QuestionKind.RANKING else 1


def room_of(block_limit: int) -> int:
    return max(1, block_limit - PAGE_OVERHEAD)


def paginate(questions: Sequence[Question], block_limit: int = BLOCK_LIMIT) -> list[tuple[Question, ...]]:
    """Greedy pages of whole questions; a ranking question needs one block per option, a grid one per
    row, a lessons question as many as its most entries take."""
    room = room_of(block_limit)
    pages: list[list[Question]] = [[]]
    used = 0
    for question in questions:
        cost = question_cost(question, room)
        if pages[-1] and used + cost > room:
            pages.append([])
            used = 0
        pages[-1].append(question)
        used += cost
    return [tuple(page) for page in pages]


def _options(question: Question) -> list[dict[str, Any]]:
    if question.kind is QuestionKind.SCALE:
        return [option(str(v), str(v)) for v in question.scale_values]
    return [option(text, str(i)) for i, text in enumerate(question.options)]


def _single_element(question: Question, initial: int | None) -> dict[str, Any]:
    options = _options(question)
    value = None if initial is None else str(initial)
    chosen = next((o for o in options if o["value"] == value), None)
    element: dict[str, Any]
    if len(options) <= RADIO_LIMIT:
        element = {"type": "radio_buttons", "action_id": ids.ANSWER_ACTION, "options": options}
    else:
        element = {
            "type": "static_select",
            "action_id": ids.ANSWER_ACTION,
            "options": options,
            "placeholder": plain("Choose"),
        }
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def _multi_element(question: Question, initial: Sequence[int]) -> dict[str, Any]:
    options = _options(question)
    chosen = [o for o in options if int(o["value"]) in set(initial)]
    element = multi_picker(ids.ANSWER_ACTION, options, question.max_selections)
    if chosen:
        element["initial_options"] = chosen
    return element


def question_blocks(
    question: Question, initial: Answer | None, form: object | None = None, room: int = BLOCK_LIMIT - PAGE_OVERHEAD
) -> list[Block]:
    """`form` is what a grid or lessons question shows now, when a page is rebuilt as it stands."""
    label = f"{question.position + 1}. {question.text}"
    optional = not question.required
    kind = question.kind
    if kind in kinds_modal.KINDS:
        return kinds_modal.question_blocks(question, initial, form, room)
    if kind is QuestionKind.SINGLE:
        single = initial if isinstance(initial, int) else None
        return [input_block(ids.question_block(question.id), label, _single_element(question, single), optional)]
    if kind is QuestionKind.SCALE:
        value = initial if isinstance(initial, int) else None
        hint = ""
        if question.min_label or question.max_label:
            hint = (
                f"{question.scale_min} = {question.min_label} · {question.scale_max} = {question.max_label}"
            )
        return [
            input_block(ids.question_block(question.id), label, _single_element(question, value), optional, hint)
        ]
    if kind is QuestionKind.MULTI:
        picks = tuple(i for i in initial if isinstance(i, int)) if isinstance(initial, tuple) else ()
        hint = f"Choose up to {question.max_selections}."
        return [
            input_block(ids.question_block(question.id), label, _multi_element(question, picks), optional, hint)
        ]
    if kind is QuestionKind.RANKING:
        order = tuple(i for i in initial if isinstance(i, int)) if isinstance(initial, tuple) else ()
        blocks = []
        options = _options(question)
        for rank in range(len(question.options)):
            element: dict[str, Any] = {
                "type": "static_select",
                "action_id": ids.ANSWER_ACTION,
                "options": options,
                "placeholder": plain("Choose an option"),
            }
            if rank < len(order):
                element["initial_option"] = options[order[rank]]
            rank_label = f"{label} (rank 1 = best)" if rank == 0 else f"Rank {rank + 1}"
            hint = "Rank every option once." if rank == len(question.options) - 1 else ""
            blocks.append(input_block(ids.question_block(question.id, rank), rank_label, element, optional, hint))
        return blocks
    text_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.ANSWER_ACTION,
        "multiline": True,
        "max_length": MAX_TEXT_ANSWER_CHARS,
    }
    if isinstance(initial, str):
        text_element["initial_value"] = initial
    return [
        input_block(
            ids.question_block(question.id),
            label,
            text_element,
            optional,
            f"At most {MAX_TEXT_ANSWER_CHARS} characters.",
        )
    ]


def first_block_of(question: Question) -> str:
    multi_block = question.kind in (QuestionKind.RANKING, QuestionKind.GRID)
    return ids.question_block(question.id, 0 if multi_block else None)


def answer_modal(
    survey: Survey,
    page: int,
    draft: Mapping[str, Answer],
    origin: str,
    *,
    block_limit: int = BLOCK_LIMIT,
    answered_before: bool = False,
    status: str = "",
    forms: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    pages = paginate(survey.questions, block_limit)
    page = max(0, min(page, len(pages) - 1))
    last = page == len(pages) - 1
    title = "Answer" if len(pages) == 1 else f"Answer ({page + 1}/{len(pages)})"
    blocks: list[Block] = []
    if page == 0:
        head = f"*{esc(survey.title)}*"
        if survey.description:
            head += f"\n{esc(survey.description)}"
        blocks.append(section(head))
    blocks.append(context(esc(survey_notice(survey))))
    if answered_before:
        blocks.append(
            context(
                "Your delegation has answered already: submitting again replaces its answers (until close)."
                if survey.by_delegation
                else "You have answered already: these are your current answers. Change any and submit to replace "
                "them (until close); closing keeps them as they are."
            )
        )
    for question in pages[page]:
        blocks.extend(
            question_blocks(question, draft.get(question.id), (forms or {}).get(question.id), room_of(block_limit))
        )
    # No drafts after a person's submission (adapters/slack/edits.py); a delegation's members may save one.
    if not survey.is_poll and not (answered_before and not survey.by_delegation):
        blocks.append(
            {
                "type": "actions",
                "block_id": "draft",
                "elements": [
                    {
                        "type": "button",
                        "text": plain("Save draft"),
                        "action_id": ids.SAVE_DRAFT,
                        "value": survey.id,
                    }
                ],
            }
        )
    if status:
        blocks.append(context(esc(status)))
    return {
        "type": "modal",
        "callback_id": ids.ANSWER_VIEW,
        "private_metadata": AnswerMeta(survey.id, page, origin).dumps(),
        "title": plain(title, 24),
        "submit": plain("Submit" if last else "Next"),
        "close": plain("Cancel"),
        "notify_on_close": not survey.is_poll and not answered_before,  # closing saves a draft
        "blocks": blocks,
    }


def info_modal(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.INFO_VIEW,
        "title": plain(title, 24),
        "close": plain("Close"),
        "blocks": [plain_section(text)],
    }
