"""Slack payloads to core calls: modal state and button values into the core's raw answers.

Raw answers are exactly what `Canvass.submit` validates (0-based option indexes, scale ints, text);
anything odd, such as a forged option value, is passed on and rejected there with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.slack import ids, kinds_modal
from bot.domain import Answer, Question, QuestionKind, Survey
from bot.errors import InvalidInput
from bot.validation import validate_answer


def _number(value: Any) -> object:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def element_value(state: Mapping[str, Any] | None) -> object | None:
    """The value of one element's state, or None when nothing is chosen or typed."""
    if not isinstance(state, Mapping):
        return None
    kind = state.get("type")
    if kind in ("radio_buttons", "static_select"):
        chosen = state.get("selected_option")
        return _number(chosen.get("value")) if isinstance(chosen, Mapping) else None
    if kind in ("checkboxes", "multi_static_select"):
        chosen_list = state.get("selected_options") or []
        picks = [_number(o.get("value")) for o in chosen_list if isinstance(o, Mapping)]
        return picks or None
    if kind in ("plain_text_input", "number_input"):
        value = state.get("value")
        return value if isinstance(value, str) and value.strip() else None
    return None


def _block_state(values: Mapping[str, Any], block_id: str) -> Mapping[str, Any] | None:
    block = values.get(block_id)
    if not isinstance(block, Mapping):
        return None
    state = block.get(ids.ANSWER_ACTION)
    return state if isinstance(state, Mapping) else None


def answers_from_state(questions: Iterable[Question], values: Mapping[str, Any]) -> dict[str, object]:
    """Raw answers for the questions shown in a modal; unanswered questions are left out."""
    raw: dict[str, object] = {}
    for question in questions:
        if question.kind in kinds_modal.KINDS:
            found = kinds_modal.raw_answer(question, values)
            if found is not None:
                raw[question.id] = found
            continue
        if question.kind is QuestionKind.RANKING:
            picks = [
                element_value(_block_state(values, ids.question_block(question.id, rank)))
                for rank in range(len(question.options))
            ]
            if any(p is not None for p in picks):
                # A gap or a repeat is left for validation to explain ("rank every option once").
                raw[question.id] = [p for p in picks if p is not None]
            continue
        value = element_value(_block_state(values, ids.question_block(question.id)))
        if value is not None:
            raw[question.id] = value
    return raw


def valid_subset(survey: Survey, raw: Mapping[str, object]) -> dict[str, Answer]:
    """The answers that are valid on their own, for a draft saved while closing the modal."""
    kept: dict[str, Answer] = {}
    for qid, value in raw.items():
        question = survey.question(qid)
        if question.kind in kinds_modal.KINDS:
            value = kinds_modal.draft_value(question, value)  # the complete lessons of several
        try:
            kept[qid] = validate_answer(question, value)
        except InvalidInput:
            continue
    return kept


def vote_value(value: str) -> tuple[str, str, object]:
    """A channel poll button's value "SURVEY|QUESTION|ANSWER"."""
    parts = value.split("|")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise InvalidInput("This button is not a Canvass vote.")
    return parts[0], parts[1], _number(parts[2])


def multi_picks(state_values: Mapping[str, Any], survey_id: str) -> list[object]:
    block = state_values.get(f"{ids.MULTI_BLOCK}|{survey_id}")
    state = block.get(ids.MULTI_PICK) if isinstance(block, Mapping) else None
    value = element_value(state if isinstance(state, Mapping) else None)
    return list(value) if isinstance(value, list) else []
