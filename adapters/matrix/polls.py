"""MSC3381 polls: the unstable start event that Element renders, and responses read in both the
unstable and the stable form. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import Question, QuestionKind
from bot.errors import InvalidInput

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"
RESPONSE_TYPES = frozenset({"org.matrix.msc3381.poll.response", "m.poll.response"})
START_TYPES = frozenset({POLL_START, "m.poll.start"})
TEXT = "org.matrix.msc1767.text"
# Not multi: Element (matrix-react-sdk's MPollBody) ignores max_selections and sends one answer per
# click, each replacing the last, so a multi-choice poll would record one option. Multi is a text reply.
POLL_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.SCALE})


def is_poll_question(question: Question) -> bool:
    return question.kind in POLL_KINDS


def choices(question: Question) -> list[str]:
    """Option labels in answer-id order: the options, or each value of a scale."""
    if question.kind is QuestionKind.SCALE:
        labels = []
        for value in question.scale_values:
            end = (
                question.min_label
                if value == question.scale_min
                else question.max_label
                if value == question.scale_max
                else ""
            )
            labels.append(f"{value} ({end})" if end else str(value))
        return labels
    return list(question.options)


def answer_id(index: int) -> str:
    return f"a{index + 1}"


def start_content(question: Question, fallback: str) -> dict[str, Any]:
    labels = choices(question)
    max_selections = question.max_selections if question.kind is QuestionKind.MULTI else 1
    return {
        POLL_START: {
            # Undisclosed: the client shows no running tally (in a DM it would only be your own).
            "kind": "org.matrix.msc3381.poll.undisclosed",
            "max_selections": max_selections,
            "question": {TEXT: question.text, "body": question.text},
            "answers": [{"id": answer_id(i), TEXT: label} for i, label in enumerate(labels)],
        },
        TEXT: fallback,
        "body": fallback,
        "msgtype": "m.text",
    }


def end_content(start_event_id: str, text: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id}, TEXT: text, "body": text}


@dataclass(frozen=True)
class PollResponse:
    start_event_id: str
    answer_ids: tuple[str, ...]


def parse_response(event_type: str, content: dict[str, Any]) -> PollResponse | None:
    """A vote in any of the forms clients send; None if this is not a poll response."""
    if event_type not in RESPONSE_TYPES:
        return None
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict) or relates.get("rel_type") != "m.reference":
        return None
    start = relates.get("event_id")
    if not isinstance(start, str):
        return None
    answers: Any = None
    for key in ("org.matrix.msc3381.poll.response", "m.poll.response"):
        block = content.get(key)
        if isinstance(block, dict):
            answers = block.get("answers")
            break
    if answers is None:
        answers = content.get("m.selections")  # the newest stable layout
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        answers = []
    return PollResponse(start, tuple(answers))


def raw_answer(question: Question, answer_ids: tuple[str, ...]) -> object:
    """Translate answer ids to the core's raw answer, refusing ids this poll never offered."""
    labels = choices(question)
    known = {answer_id(i): i for i in range(len(labels))}
    unknown = [a for a in answer_ids if a not in known]
    if unknown or not answer_ids:
        raise InvalidInput(
            "that response names no option of this question; your earlier answer, if any, stands"
        )
    indexes = list(dict.fromkeys(known[a] for a in answer_ids))
    if question.kind is QuestionKind.SCALE:
        return question.scale_min + indexes[0]
    if question.kind is QuestionKind.SINGLE:
        return indexes[0]
    return indexes
