"""Surveys written as TOML files, so organisers can version a questionnaire and import it.

Every error names the field (`questions[2].options[4]`) and the reason.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.domain import Participant, QuestionKind, QuestionSpec, ReminderSpec, ResultsMode, SurveySpec, Target
from bot.errors import InvalidInput
from bot.timeparse import parse_duration, parse_time
from bot.validation import validate_survey

SURVEY_KEYS = {
    "title", "description", "timezone", "opens_at", "closes_at", "results", "min_respondents",
    "targets", "roster", "questions", "reminders",
}  # fmt: skip
QUESTION_KEYS = {
    "kind", "text", "options", "max_selections", "min", "max", "min_label", "max_label", "required",
}  # fmt: skip
REMINDER_KEYS = {"at", "before_close", "audience", "message", "daily"}


def _unknown(data: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise InvalidInput(f"unknown key (allowed: {', '.join(sorted(allowed))})", f"{where}{key}")


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InvalidInput(f"must be {expected}, not {type(value).__name__}", f"{where}{key}")
    return value


def _time(data: dict[str, Any], key: str, zone: str, now: datetime, where: str = "") -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            return parse_time(value.isoformat(sep=" "), zone, now) if value.tzinfo is None else value
        if isinstance(value, str):
            return parse_time(value, zone, now)
    except InvalidInput as error:
        raise InvalidInput(error.reason, f"{where}{key}") from None
    raise InvalidInput("must be a date and time such as 2026-12-08 15:00", f"{where}{key}")


def _question(raw: Any, index: int) -> QuestionSpec:
    where = f"questions[{index}]."
    if not isinstance(raw, dict):
        raise InvalidInput("must be a table", f"questions[{index}]")
    _unknown(raw, QUESTION_KEYS, where)
    kind_name = _get(raw, "kind", str, where)
    try:
        kind = QuestionKind(kind_name)
    except ValueError:
        raise InvalidInput(
            f"unknown kind {kind_name!r} (use {', '.join(k.value for k in QuestionKind)})", f"{where}kind"
        ) from None
    options = _get(raw, "options", list, where, [])
    for i, option in enumerate(options):
        if not isinstance(option, str):
            raise InvalidInput("must be text", f"{where}options[{i}]")
    is_nps = kind is QuestionKind.SCALE and raw.get("min") == 0 and raw.get("max") == 10
    return QuestionSpec(
        kind=kind,
        text=_get(raw, "text", str, where, ""),
        options=tuple(options),
        max_selections=_get(raw, "max_selections", int, where, len(options) if kind is QuestionKind.MULTI else 1),
        scale_min=_get(raw, "min", int, where, 1),
        scale_max=_get(raw, "max", int, where, 5),
        min_label=_get(raw, "min_label", str, where, "Not at all likely" if is_nps else ""),
        max_label=_get(raw, "max_label", str, where, "Extremely likely" if is_nps else ""),
        required=_get(raw, "required", bool, where, True),
    )


def _reminder(raw: Any, index: int, zone: str, now: datetime) -> ReminderSpec:
    where = f"reminders[{index}]."
    if not isinstance(raw, dict):
        raise InvalidInput("must be a table", f"reminders[{index}]")
    _unknown(raw, REMINDER_KEYS, where)
    at = _time(raw, "at", zone, now, where)
    before = _get(raw, "before_close", str, where)
    if (at is None) == (before is None):
        raise InvalidInput("give exactly one of 'at' or 'before_close'", f"reminders[{index}]")
    try:
        before_seconds = int(parse_duration(before).total_seconds()) if before else None
    except InvalidInput as error:
        raise InvalidInput(error.reason, f"{where}before_close") from None
    audience = _get(raw, "audience", str, where, "non_respondents")
    if audience not in ("non_respondents", "channel"):
        raise InvalidInput("must be 'non_respondents' or 'channel'", f"{where}audience")
    return ReminderSpec(
        at=at,
        before_close_seconds=before_seconds,
        audience=audience,
        message=_get(raw, "message", str, where, ""),
        recurring_daily=_get(raw, "daily", bool, where, False),
    )


def _target(raw: Any, index: int) -> Target:
    where = f"targets[{index}]."
    if not isinstance(raw, dict):
        raise InvalidInput("must be a table such as {platform = \"slack\", channel = \"C0123\"}", f"targets[{index}]")
    _unknown(raw, {"platform", "channel"}, where)
    platform = _get(raw, "platform", str, where)
    channel = _get(raw, "channel", str, where)
    if platform not in ("slack", "matrix", "console"):
        raise InvalidInput("must be slack, matrix or console", f"{where}platform")
    if not channel:
        raise InvalidInput("is required", f"{where}channel")
    return Target(platform, channel)


def _participant(raw: Any, index: int) -> Participant:
    if not isinstance(raw, str) or ":" not in raw:
        raise InvalidInput("must look like 'slack:U0123' or 'matrix:@alice:example.org'", f"roster[{index}]")
    platform, user_id = raw.split(":", 1)
    return Participant(platform, user_id)


def parse_survey(text: str, default_zone: str, default_k: int, now: datetime) -> SurveySpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"not valid TOML: {error}") from None
    _unknown(data, SURVEY_KEYS, "")
    zone = _get(data, "timezone", str, "", default_zone)
    mode_name = _get(data, "results", str, "", ResultsMode.AFTER_CLOSE.value)
    try:
        mode = ResultsMode(mode_name)
    except ValueError:
        raise InvalidInput("must be live, after_close or organisers", "results") from None
    raw_questions = _get(data, "questions", list, "", [])
    raw_roster = _get(data, "roster", list, "")
    spec = SurveySpec(
        title=_get(data, "title", str, "", ""),
        description=_get(data, "description", str, "", ""),
        questions=tuple(_question(q, i) for i, q in enumerate(raw_questions)),
        targets=tuple(_target(t, i) for i, t in enumerate(_get(data, "targets", list, "", []))),
        results_mode=mode,
        k=_get(data, "min_respondents", int, "", default_k),
        opens_at=_time(data, "opens_at", zone, now),
        closes_at=_time(data, "closes_at", zone, now),
        timezone=zone,
        roster=tuple(_participant(p, i) for i, p in enumerate(raw_roster)) if raw_roster is not None else None,
        reminders=tuple(_reminder(r, i, zone, now) for i, r in enumerate(_get(data, "reminders", list, "", []))),
    )
    validate_survey(spec)
    return spec


def load_survey_file(path: Path, default_zone: str, default_k: int, now: datetime) -> SurveySpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    return parse_survey(text, default_zone, default_k, now)
