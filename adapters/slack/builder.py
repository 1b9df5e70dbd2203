"""`/canvass new`: the modal builder for a poll or survey, and its submission turned into a SurveySpec."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.slack import ids
from adapters.slack.blocks import Block, button, context, input_block, option, plain
from bot.delegations import delegation_problems
from bot.domain import (
    Delegation,
    Participant,
    QuestionKind,
    QuestionSpec,
    ReminderSpec,
    ResultsMode,
    SurveySpec,
    Target,
)
from bot.errors import InvalidInput
from bot.limits import MAX_QUESTIONS
from bot.timeparse import parse_duration, parse_time, zone

PLATFORM = "slack"
BLOCKS_PER_QUESTION = 5
MAX_BUILDER_QUESTIONS = 17  # 5 blocks each, plus 13 for the survey's own fields: under Slack's 100 per view
KIND_LABELS = {
    QuestionKind.SINGLE: "Single choice",
    QuestionKind.MULTI: "Multiple choice",
    QuestionKind.SCALE: "Scale (e.g. 1-5, NPS 0-10)",
    QuestionKind.RANKING: "Ranking",
    QuestionKind.TEXT: "Free text",
}
MODE_LABELS = {
    ResultsMode.AFTER_CLOSE: "After close",
    ResultsMode.LIVE: "Live (in steps of k)",
    ResultsMode.ORGANISERS: "Organisers only",
}
_SCALE = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*(.*)$")
_BEFORE_CLOSE = re.compile(r"^(.*\S)\s+before\s+close$", re.IGNORECASE)


@dataclass(frozen=True)
class BuilderMeta:
    channel: str
    questions: int

    def dumps(self) -> str:
        return json.dumps({"c": self.channel, "n": self.questions})

    @classmethod
    def loads(cls, text: str) -> BuilderMeta:
        data = json.loads(text or "{}")
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("n"), int)
            or not 1 <= data["n"] <= MAX_QUESTIONS
        ):
            raise ValueError("not a builder modal")
        return cls(str(data.get("c") or ""), data["n"])


def _text(multiline: bool = False, placeholder: str = "", initial: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "v", "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    if initial:
        element["initial_value"] = initial
    return element


def _select(choices: Mapping[str, str], initial: str) -> dict[str, Any]:
    options = [option(label, value) for value, label in choices.items()]
    return {
        "type": "static_select",
        "action_id": "v",
        "options": options,
        "initial_option": next(o for o in options if o["value"] == initial),
    }


def builder_modal(meta: BuilderMeta, default_k: int, default_zone: str = "UTC") -> dict[str, Any]:
    blocks: list[Block] = [
        input_block("b_title", "Title", _text(placeholder="e.g. Pre-meeting questionnaire")),
        input_block("b_desc", "Description", _text(multiline=True), optional=True),
    ]
    for i in range(meta.questions):
        blocks.append({"type": "divider"})
        blocks.append(
            input_block(
                f"b_q{i}_kind",
                f"Question {i + 1}: kind",
                _select({str(k): v for k, v in KIND_LABELS.items()}, str(QuestionKind.SINGLE)),
            )
        )
        blocks.append(input_block(f"b_q{i}_text", f"Question {i + 1}: text", _text()))
        blocks.append(
            input_block(
                f"b_q{i}_options",
                "Options, one per line (choice and ranking)",
                _text(multiline=True),
                optional=True,
            )
        )
        blocks.append(
            input_block(
                f"b_q{i}_details",
                "Details",
                _text(placeholder="multi: 2 · scale: 1-5 Poor | Excellent"),
                optional=True,
                hint="Multiple choice: the most choices allowed. "
                "Scale: the range, then optional end labels separated by |.",
            )
        )
    if meta.questions < MAX_BUILDER_QUESTIONS:
        blocks.append(
            {
                "type": "actions",
                "block_id": "b_add",
                "elements": [button("Add a question", ids.BUILDER_ADD, str(meta.questions))],
            }
        )
    blocks.append({"type": "divider"})
    blocks.append(
        input_block(
            "b_mode",
            "Results",
            _select({str(k): v for k, v in MODE_LABELS.items()}, str(ResultsMode.AFTER_CLOSE)),
        )
    )
    blocks.append(
        input_block(
            "b_k",
            "Minimum respondents before anything is shown (k)",
            {
                "type": "number_input",
                "action_id": "v",
                "is_decimal_allowed": False,
                "min_value": "3",
                "initial_value": str(default_k),
            },
        )
    )
    blocks.append(
        input_block("b_opens", "Opens", _text(placeholder="empty: now · 2026-12-08 09:00 · in 2h"), optional=True)
    )
    blocks.append(
        input_block(
            "b_closes", "Closes", _text(placeholder="2026-12-08 15:00 Europe/Brussels · in 2h"), optional=True
        )
    )
    blocks.append(
        input_block(
            "b_tz",
            "Time zone",
            _text(initial=default_zone),
            hint="The zone the times above are read in, and shown in, e.g. Europe/Brussels.",
        )
    )
    blocks.append(
        input_block(
            "b_remind",
            "Reminders to those who have not answered",
            _text(multiline=True, placeholder="24h before close · 2026-12-08 09:00 · one per line"),
            optional=True,
            hint="One per line: a duration followed by 'before close', or a time.",
        )
    )
    blocks.append(
        input_block(
            "b_people",
            "Participants",
            {
                "type": "multi_users_select",
                "action_id": "v",
                "placeholder": plain("Empty: the channel's members"),
            },
            optional=True,
        )
    )
    blocks.append(
        input_block(
            "b_deleg",
            "Or delegations: one answer per delegation",
            _text(multiline=True, placeholder="Belgium: U0123 U0456 matrix:@ann:example.org"),
            optional=True,
            hint="One delegation per line: its name, a colon, then its members' Slack ids (U0123, or "
            "slack:U0123) or Matrix ids (matrix:@ann:example.org). Members share one draft and see who "
            "submitted; k then counts delegations.",
        )
    )
    blocks.append(
        context("A poll is a survey with one question: it is answered with buttons in the channel.")
    )
    return {
        "type": "modal",
        "callback_id": ids.BUILDER_VIEW,
        "private_metadata": meta.dumps(),
        "title": plain("New poll or survey", 24),
        "submit": plain("Create and open"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def _value(values: Mapping[str, Any], block_id: str) -> Any:
    block = values.get(block_id)
    state = block.get("v") if isinstance(block, Mapping) else None
    if not isinstance(state, Mapping):
        return None
    if "selected_option" in state:
        chosen = state.get("selected_option")
        return chosen.get("value") if isinstance(chosen, Mapping) else None
    if "selected_users" in state:
        return state.get("selected_users") or []
    value = state.get("value")
    return value.strip() if isinstance(value, str) else None


def _question(values: Mapping[str, Any], i: int) -> QuestionSpec:
    kind_text = _value(values, f"b_q{i}_kind") or str(QuestionKind.SINGLE)
    try:
        kind = QuestionKind(kind_text)
    except ValueError:
        raise InvalidInput("choose a kind", f"questions[{i}].kind") from None
    text = _value(values, f"b_q{i}_text") or ""
    options = tuple(
        line.strip() for line in (_value(values, f"b_q{i}_options") or "").splitlines() if line.strip()
    )
    details = _value(values, f"b_q{i}_details") or ""
    if kind is QuestionKind.MULTI:
        if details and not details.isdigit():
            raise InvalidInput(
                "give the most choices allowed as a number, e.g. 2", f"questions[{i}].max_selections"
            )
        return QuestionSpec(kind, text, options, max_selections=int(details) if details else len(options))
    if kind is QuestionKind.SCALE:
        low, high, labels = 1, 5, ("", "")
        if details:
            match = _SCALE.match(details)
            if not match:
                raise InvalidInput(
                    "write the range like 1-5, then optional labels: Poor | Excellent", f"questions[{i}].max"
                )
            low, high = int(match.group(1)), int(match.group(2))
            ends = [part.strip() for part in match.group(3).split("|")] if match.group(3).strip() else []
            if len(ends) not in (0, 2):
                raise InvalidInput("give two end labels separated by |", f"questions[{i}].max")
            labels = (ends[0], ends[1]) if ends else labels
        return QuestionSpec(
            kind, text, options, scale_min=low, scale_max=high, min_label=labels[0], max_label=labels[1]
        )
    return QuestionSpec(kind, text, options)


def spec_from_state(
    meta: BuilderMeta, values: Mapping[str, Any], default_zone: str, now: datetime
) -> SurveySpec:
    """The survey as the organiser filled it in. Errors name fields that `error_block` maps to blocks."""
    questions = tuple(_question(values, i) for i in range(meta.questions))
    mode_text = _value(values, "b_mode") or str(ResultsMode.AFTER_CLOSE)
    try:
        mode = ResultsMode(mode_text)
    except ValueError:
        raise InvalidInput("choose when results are shown", "results") from None
    k_text = _value(values, "b_k") or ""
    if not k_text.isdigit():
        raise InvalidInput("give a whole number", "min_respondents")
    tz = _value(values, "b_tz") or default_zone
    try:
        tz = zone(tz).key
    except InvalidInput as error:
        raise InvalidInput(error.reason, "timezone") from None
    opens_text, closes_text = _value(values, "b_opens"), _value(values, "b_closes")
    try:
        opens = parse_time(opens_text, tz, now) if opens_text else None
    except InvalidInput as error:
        raise InvalidInput(error.reason, "opens_at") from None
    try:
        closes = parse_time(closes_text, tz, now) if closes_text else None
    except InvalidInput as error:
        raise InvalidInput(error.reason, "closes_at") from None
    people = _value(values, "b_people") or []
    roster = tuple(Participant(PLATFORM, user) for user in people if isinstance(user, str)) or None
    delegations = parse_delegations(_value(values, "b_deleg") or "")
    if delegations is not None and roster is not None:
        raise InvalidInput("choose participants or delegations, not both", "delegations")
    return SurveySpec(
        title=_value(values, "b_title") or "",
        description=_value(values, "b_desc") or "",
        questions=questions,
        targets=(Target(PLATFORM, meta.channel),) if meta.channel else (),
        results_mode=mode,
        k=int(k_text),
        opens_at=opens,
        closes_at=closes,
        timezone=tz,
        roster=roster,
        delegations=delegations,
        reminders=_reminders(_value(values, "b_remind") or "", tz, now),
    )


def _reminders(text: str, tz: str, now: datetime) -> tuple[ReminderSpec, ...]:
    """One reminder per line, to those who have not answered: "24h before close" or a time."""
    specs: list[ReminderSpec] = []
    for i, line in enumerate(line.strip() for line in text.splitlines() if line.strip()):
        before = _BEFORE_CLOSE.match(line)
        try:
            if before:
                seconds = int(parse_duration(before.group(1)).total_seconds())
                specs.append(ReminderSpec(before_close_seconds=seconds))
            else:
                specs.append(ReminderSpec(at=parse_time(line, tz, now)))
        except InvalidInput as error:
            raise InvalidInput(f"reminder {i + 1}: {error.reason}", f"reminders[{i}]") from None
    return tuple(specs)


_SLACK_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")


def _member(token: str) -> Participant | None:
    """A member as the organiser typed it: U0123, <@U0123>, slack:U0123 or matrix:@ann:example.org."""
    platform, _, rest = token.partition(":")
    if platform in ("slack", "matrix") and rest:
        return Participant(platform, rest)
    match = _SLACK_ID.match(token)
    return Participant(PLATFORM, match.group(1)) if match else None


def parse_delegations(text: str) -> tuple[Delegation, ...] | None:
    """`Name: member member` per line; every problem is refused with its line (bot/delegations.py)."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        return None
    read: list[Delegation] = []
    for n, line in lines:
        name, colon, rest = line.partition(":")
        if not colon or not name.strip():
            raise InvalidInput(f"line {n}: write the name, a colon, then the members", "delegations")
        members = []
        for token in rest.replace(",", " ").split():
            member = _member(token)
            if member is None:
                raise InvalidInput(
                    f"line {n}: {token!r} is not a Slack id (U0123) or matrix:@name:server",
                    "delegations",
                )
            members.append(member)
        read.append(Delegation(name.strip(), tuple(members)))
    for problem in delegation_problems(read):
        index = re.match(r"delegations\[(\d+)\]", problem.field or "")
        where = f", line {lines[int(index.group(1))][0]}" if index else ""
        raise InvalidInput(f"{where.removeprefix(', ')}: {problem.reason}" if where else problem.reason, "delegations")
    return tuple(read)


_FIELD = re.compile(r"^questions\[(\d+)\]\.?(\w*)")


def error_block(field: str | None) -> str:
    """The builder block that shows an error about `field` (a name from the core's validation)."""
    if not field:
        return "b_title"
    match = _FIELD.match(field)
    if field.startswith("reminders"):
        return "b_remind"
    if field.startswith("delegations"):
        return "b_deleg"
    if match:
        part = match.group(2)
        suffix = {"text": "text", "options": "options", "kind": "kind"}.get(part, "details")
        return f"b_q{match.group(1)}_{suffix}"
    return {
        "title": "b_title",
        "closes_at": "b_closes",
        "opens_at": "b_opens",
        "timezone": "b_tz",
        "min_respondents": "b_k",
        "results": "b_mode",
        "questions": "b_q0_text",
    }.get(field, "b_title")
