"""Surveys written as TOML files, so organisers can version a questionnaire and import it.

Every problem in the file is reported at once, each with its line, the field at fault and the reason
(`line 23, question 2, option 5: ...`). Line numbers are those the organiser sees: in the file, or in the chat
message that holds the TOML after `survey` (`first_line`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.delegations import delegation_problems, delegation_warnings
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
from bot.problems import Problem, SurveyFileError
from bot.survey_lines import locate
from bot.timeparse import parse_duration, parse_time, zone
from bot.validation import question_problems, schedule_problems, schedule_warnings, survey_problems

__all__ = ["CheckedSurvey", "Problem", "SurveyFileError", "check_survey", "load_survey_file", "parse_survey"]

SURVEY_KEYS = {
    "title", "description", "timezone", "opens_at", "closes_at", "results", "min_respondents",
    "targets", "roster", "delegations", "questions", "reminders", "include_organisers",
}  # fmt: skip
DELEGATION_KEYS = {"name", "members"}
QUESTION_KEYS = {
    "kind", "text", "options", "max_selections", "min", "max", "min_label", "max_label", "required",
    "rows", "categories", "max_entries",
}  # fmt: skip
REMINDER_KEYS = {"at", "before_close", "audience", "message", "daily"}
_TOML_LINE = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class CheckedSurvey:
    spec: SurveySpec
    warnings: tuple[Problem, ...] = ()


class _Found:
    """The problems met while reading one file; reading goes on after each one."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput] = []

    def add(self, reason: str, field: str) -> None:
        self.errors.append(InvalidInput(reason, field))

    def extend(self, errors: Iterable[InvalidInput]) -> None:
        self.errors.extend(errors)


def _unknown(data: dict[str, Any], allowed: set[str], where: str, found: _Found) -> None:
    for key in data:
        if key not in allowed:
            found.add(f"unknown key (allowed: {', '.join(sorted(allowed))})", f"{where}{key}")


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, found: _Found,
         default: Any = None) -> Any:  # fmt: skip
    value = data.get(key, default)
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        found.add(f"must be {expected}, not {type(value).__name__}", f"{where}{key}")
        return default
    return value


def _time(data: dict[str, Any], key: str, tz: str, now: datetime, found: _Found, where: str = "") -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            return parse_time(value.isoformat(sep=" "), tz, now) if value.tzinfo is None else value
        if isinstance(value, date):
            return parse_time(value.isoformat(), tz, now)  # refused: a date alone has no time of day
        if isinstance(value, str):
            return parse_time(value, tz, now)
    except InvalidInput as error:
        found.add(error.reason, f"{where}{key}")
        return None
    found.add("must be a date and time such as 2026-12-08 15:00", f"{where}{key}")
    return None


def _question(raw: Any, index: int, found: _Found) -> QuestionSpec | None:
    where = f"questions[{index}]."
    if not isinstance(raw, dict):
        found.add("must be a table", f"questions[{index}]")
        return None
    _unknown(raw, QUESTION_KEYS, where, found)
    kind_name = _get(raw, "kind", str, where, found)
    options = _texts(raw, "options", where, found)
    rows = _texts(raw, "rows", where, found)  # a grid's items
    categories = _texts(raw, "categories", where, found)  # a lessons question's categories
    try:
        kind = QuestionKind(kind_name)
    except ValueError:
        found.add(f"unknown kind {kind_name!r} (use {', '.join(k.value for k in QuestionKind)})", f"{where}kind")
        return None
    is_nps = kind is QuestionKind.SCALE and raw.get("min") == 0 and raw.get("max") == 10
    picks = len(options) if kind is QuestionKind.MULTI else 1
    spec = QuestionSpec(
        kind=kind,
        text=_get(raw, "text", str, where, found, ""),
        options=options,
        max_selections=_get(raw, "max_selections", int, where, found, picks),
        scale_min=_get(raw, "min", int, where, found, 1),
        scale_max=_get(raw, "max", int, where, found, 5),
        min_label=_get(raw, "min_label", str, where, found, "Not at all likely" if is_nps else ""),
        max_label=_get(raw, "max_label", str, where, found, "Extremely likely" if is_nps else ""),
        required=_get(raw, "required", bool, where, found, True),
        rows=rows,
        categories=categories,
        max_entries=_get(raw, "max_entries", int, where, found, 10),
    )
    found.extend(question_problems(spec, f"questions[{index}]"))
    return spec


def _texts(raw: dict[str, Any], key: str, where: str, found: _Found) -> tuple[str, ...]:
    """A list of labels (options, rows, categories); each one that is not text is reported at its line."""
    values = _get(raw, key, list, where, found, [])
    for i, value in enumerate(values):
        if not isinstance(value, str):
            found.add("must be text", f"{where}{key}[{i}]")
    return tuple(v for v in values if isinstance(v, str))


def _reminder(raw: Any, index: int, tz: str, now: datetime, found: _Found) -> ReminderSpec | None:
    where = f"reminders[{index}]."
    if not isinstance(raw, dict):
        found.add("must be a table", f"reminders[{index}]")
        return None
    _unknown(raw, REMINDER_KEYS, where, found)
    before = _get(raw, "before_close", str, where, found)
    if ("at" in raw) == ("before_close" in raw):
        found.add("give exactly one of 'at' or 'before_close'", f"reminders[{index}]")
    at = _time(raw, "at", tz, now, found, where)
    before_seconds = None
    if before:
        try:
            before_seconds = int(parse_duration(before).total_seconds())
        except InvalidInput as error:
            found.add(error.reason, f"{where}before_close")
    audience = _get(raw, "audience", str, where, found, "non_respondents")
    if audience not in ("non_respondents", "channel"):
        found.add("must be 'non_respondents' or 'channel'", f"{where}audience")
    return ReminderSpec(
        at=at,
        before_close_seconds=before_seconds,
        audience=audience,
        message=_get(raw, "message", str, where, found, ""),
        recurring_daily=_get(raw, "daily", bool, where, found, False),
    )


def _target(raw: Any, index: int, found: _Found) -> Target | None:
    where = f"targets[{index}]."
    if not isinstance(raw, dict):
        found.add("must be a table such as {platform = \"slack\", channel = \"C0123\"}", f"targets[{index}]")
        return None
    _unknown(raw, {"platform", "channel"}, where, found)
    platform = _get(raw, "platform", str, where, found)
    channel = _get(raw, "channel", str, where, found)
    if platform not in ("slack", "matrix", "console"):
        found.add("must be slack, matrix or console", f"{where}platform")
    if not channel:
        found.add("is required", f"{where}channel")
    return Target(platform, channel) if platform and channel else None


def _participant(raw: Any, index: int, found: _Found, where: str = "roster") -> Participant | None:
    if not isinstance(raw, str) or ":" not in raw:
        found.add("must look like 'slack:U0123' or 'matrix:@alice:example.org'", f"{where}[{index}]")
        return None
    platform, user_id = raw.split(":", 1)
    return Participant(platform, user_id)


def _delegation(raw: Any, index: int, found: _Found) -> Delegation | None:
    where = f"delegations[{index}]."
    if not isinstance(raw, dict):
        found.add('must be a table such as {name = "Belgium", members = ["slack:U0123"]}', f"delegations[{index}]")
        return None
    _unknown(raw, DELEGATION_KEYS, where, found)
    raw_members = _get(raw, "members", list, where, found, [])
    members = [_participant(p, i, found, f"{where}members") for i, p in enumerate(raw_members)]
    return Delegation(_get(raw, "name", str, where, found, ""), tuple(p for p in members if p is not None))


def _delegations(data: dict[str, Any], found: _Found) -> tuple[Delegation, ...] | None:
    """`[[delegations]]` tables; every problem with them (bot.delegations) is reported with the rest."""
    raw = _get(data, "delegations", list, "", found)
    if raw is None:
        return None
    if "roster" in data:
        found.add("give either a roster or delegations, not both", "delegations")
    read = [_delegation(d, i, found) for i, d in enumerate(raw)]
    if all(d is not None for d in read):
        found.extend(delegation_problems([d for d in read if d is not None]))
    return tuple(d for d in read if d is not None)


def _zone(data: dict[str, Any], default_zone: str, found: _Found) -> tuple[str, str]:
    """The survey's zone, and the one to read its times in: UTC when the zone is unknown, so that the times'
    own errors are still reported, and the unknown zone is blamed on `timezone` alone."""
    name = _get(data, "timezone", str, "", found, default_zone)
    try:
        zone(name)
    except InvalidInput as error:
        found.add(error.reason, "timezone" if "timezone" in data else "")
        return name, "UTC"
    return name, name


def _read(data: dict[str, Any], default_zone: str, default_k: int, now: datetime, found: _Found) -> SurveySpec:
    _unknown(data, SURVEY_KEYS, "", found)
    zone_name, read_zone = _zone(data, default_zone, found)
    mode_name = _get(data, "results", str, "", found, ResultsMode.AFTER_CLOSE.value)
    try:
        mode = ResultsMode(mode_name)
    except ValueError:
        found.add("must be live, after_close or organisers", "results")
        mode = ResultsMode.AFTER_CLOSE
    raw_questions = _get(data, "questions", list, "", found, [])
    raw_roster = _get(data, "roster", list, "", found)
    questions = [_question(q, i, found) for i, q in enumerate(raw_questions)]
    targets = [_target(t, i, found) for i, t in enumerate(_get(data, "targets", list, "", found, []))]
    roster = [_participant(p, i, found) for i, p in enumerate(raw_roster or [])]
    raw_reminders = _get(data, "reminders", list, "", found, [])
    reminders = [_reminder(r, i, read_zone, now, found) for i, r in enumerate(raw_reminders)]
    spec = SurveySpec(
        title=_get(data, "title", str, "", found, ""),
        description=_get(data, "description", str, "", found, ""),
        questions=tuple(q for q in questions if q is not None),
        targets=tuple(t for t in targets if t is not None),
        results_mode=mode,
        k=_get(data, "min_respondents", int, "", found, default_k),
        opens_at=_time(data, "opens_at", read_zone, now, found),
        closes_at=_time(data, "closes_at", read_zone, now, found),
        timezone=zone_name,
        roster=tuple(p for p in roster if p is not None) if raw_roster is not None else None,
        delegations=_delegations(data, found),
        reminders=tuple(r for r in reminders if r is not None),
        include_organisers=_get(data, "include_organisers", bool, "", found, False),
    )
    found.extend(survey_problems(spec, questions=False))
    if not raw_questions:
        found.add("a survey needs at least one question", "questions")
    return spec


def check_survey(text: str, default_zone: str, default_k: int, now: datetime, *, first_line: int = 1,
                 check_times: bool = True) -> CheckedSurvey:  # fmt: skip
    """Read and check a survey; raise SurveyFileError with every problem, or return it with its warnings.

    `first_line` is the line, as the organiser sees it, of the TOML's first line. `check_times=False` skips the
    checks against `now` (a closing time in the past), for callers that replace the times anyway."""

    def problem(error: InvalidInput) -> Problem:
        line = locate(text, error.field)
        return Problem(error.reason, error.field, None if line is None else line + first_line - 1)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_LINE.match(str(error))
        if not match:
            raise SurveyFileError([Problem(f"not valid TOML: {error}")]) from None
        reason, line, column = match.groups()
        raise SurveyFileError([Problem(f"not valid TOML: {reason} (column {column})", None,
                                       int(line) + first_line - 1)]) from None  # fmt: skip
    found = _Found()
    spec = _read(data, default_zone, default_k, now, found)
    closes_unreadable = "closes_at" in data and spec.closes_at is None
    if check_times and not closes_unreadable:
        found.extend(schedule_problems(spec, now))
    if found.errors:
        raise SurveyFileError(sorted((problem(e) for e in found.errors), key=lambda p: p.line or 0))
    warnings = [*schedule_warnings(spec), *delegation_warnings(spec)]
    return CheckedSurvey(spec, tuple(problem(w) for w in warnings))


def parse_survey(text: str, default_zone: str, default_k: int, now: datetime, *, first_line: int = 1,
                 check_times: bool = True) -> SurveySpec:  # fmt: skip
    return check_survey(text, default_zone, default_k, now, first_line=first_line, check_times=check_times).spec


def check_survey_file(path: Path, default_zone: str, default_k: int, now: datetime) -> CheckedSurvey:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"cannot read {path}: it is not UTF-8 text") from None
    return check_survey(text, default_zone, default_k, now)


def load_survey_file(path: Path, default_zone: str, default_k: int, now: datetime) -> SurveySpec:
    return check_survey_file(path, default_zone, default_k, now).spec
