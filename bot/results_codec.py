"""SurveyResults <-> plain JSON-able dicts, for live snapshots and the JSON export."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.domain import QuestionKind
from bot.results import (
    ChoiceResult,
    GridResult,
    GridRow,
    HiddenResult,
    LessonCell,
    LessonEntry,
    LessonsResult,
    OptionCount,
    QuestionHeader,
    QuestionResult,
    RankedOption,
    RankingResult,
    ScaleBucket,
    ScaleResult,
    SurveyResults,
    TermCount,
    TextResult,
)

_TYPES: dict[str, type] = {
    "choice": ChoiceResult,
    "scale": ScaleResult,
    "ranking": RankingResult,
    "text": TextResult,
    "grid": GridResult,
    "lessons": LessonsResult,
    "hidden": HiddenResult,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def question_to_dict(result: QuestionResult) -> dict[str, Any]:
    data = asdict(result)
    data["type"] = _NAMES[type(result)]
    data["question"]["kind"] = str(result.question.kind)
    return data


def results_to_dict(results: SurveyResults) -> dict[str, Any]:
    data = {name: value for name, value in asdict(results).items() if name != "questions"}
    for name in ("as_of", "opens_at", "closes_at"):
        data[name] = _time(getattr(results, name))
    data["questions"] = [question_to_dict(q) for q in results.questions]
    return data


def _question_from_dict(data: dict[str, Any]) -> QuestionResult:
    fields = dict(data)
    kind = fields.pop("type")
    head = fields.pop("question")
    fields["question"] = QuestionHeader(head["id"], head["position"], QuestionKind(head["kind"]), head["text"])
    if kind == "choice":
        fields["options"] = tuple(OptionCount(**o) for o in fields["options"])
    elif kind == "scale":
        fields["distribution"] = tuple(ScaleBucket(**b) for b in fields["distribution"])
    elif kind == "ranking":
        fields["items"] = tuple(RankedOption(**i) for i in fields["items"])
    elif kind == "text":
        fields["answers"] = tuple(fields["answers"])
        fields["top_terms"] = tuple(TermCount(**t) for t in fields["top_terms"])
    elif kind == "grid":
        fields["rows"] = tuple(
            GridRow(**{**r, "distribution": tuple(ScaleBucket(**b) for b in r["distribution"])})
            for r in fields["rows"]
        )
    elif kind == "lessons":
        fields["categories"] = tuple(fields["categories"])
        fields["cells"] = tuple(
            LessonCell(**{**c, "entries": tuple(LessonEntry(**e) for e in c["entries"])}) for c in fields["cells"]
        )
    result: QuestionResult = _TYPES[kind](**fields)
    return result


def results_from_dict(data: dict[str, Any]) -> SurveyResults:
    fields = dict(data)
    for name in ("as_of", "opens_at", "closes_at"):
        fields[name] = _parse_time(fields[name])
    fields["questions"] = tuple(_question_from_dict(q) for q in fields["questions"])
    fields["notes"] = tuple(fields.get("notes", ()))
    return SurveyResults(**fields)


def dumps(results: SurveyResults) -> str:
    return json.dumps(results_to_dict(results), ensure_ascii=False, sort_keys=True)


def loads(payload: str) -> SurveyResults:
    return results_from_dict(json.loads(payload))
