"""CSV and JSON exports of results: counts, the question texts and the shuffled free-text answers, so a
report can be written from them. Nothing below k: a hidden (or too small) question exports as hidden."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.ranking_places import place_labels
from bot.results import (
    NEGATIVE_NAME,
    POSITIVE_NAME,
    ChoiceResult,
    GridResult,
    HiddenResult,
    LessonsResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
    TextResult,
)
from bot.results_codec import question_to_dict, results_to_dict
from bot.textfmt import hidden_text
from charts.answers import group_answers
from charts.guard import as_visible


def _hidden(results: SurveyResults, q: QuestionResult) -> dict[str, Any]:
    k = q.k if isinstance(q, HiddenResult) else results.k
    return question_to_dict(HiddenResult(q.question, k, hidden_text(k, results)))


def _visible_dict(q: QuestionResult) -> dict[str, Any]:
    data = question_to_dict(q)
    if isinstance(q, RankingResult):
        # Ties as ties ("joint 1st"), as every other view shows them (bot/ranking_places.py).
        for item, place in zip(data["items"], place_labels(q), strict=True):
            item["place"] = place
    return data


def to_json(results: SurveyResults) -> str:
    data = results_to_dict(results)
    data["questions"] = [
        _visible_dict(q) if as_visible(results, q) is not None else _hidden(results, q) for q in results.questions
    ]
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


CSV_HEADER = ("survey_id", "question", "kind", "item", "count", "percent", "score", "question_text", "note")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A participant's or organiser's text as a spreadsheet cell: never a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(results: SurveyResults) -> str:
    """One row per bar of every chart, so a spreadsheet can redraw any of them, and one per free-text answer
    (identical answers once, with their count), in the shuffled order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for note in results.notes:  # e.g. why a final result is the last live update
        writer.writerow((results.survey_id, "", "", "", "", "", "", "", cell(note)))
    for question in results.questions:
        text = cell(question.question.text)
        base = (results.survey_id, question.question.number, str(question.question.kind))

        def row(item: object, count: object, percent: object, score: object, note: str) -> None:
            item = cell(item) if isinstance(item, str) else item
            writer.writerow((*base, item, count, percent, score, text, note))  # noqa: B023 (used at once)

        q = as_visible(results, question)
        if q is None:
            k = question.k if isinstance(question, HiddenResult) else results.k
            row("", "", "", "", hidden_text(k, results))
        elif isinstance(q, ChoiceResult):
            note = "percent of respondents; total may exceed 100" if q.multi else "percent of respondents"
            for o in q.options:
                row(o.label, o.count, f"{o.percent:.1f}", "", note)
        elif isinstance(q, ScaleResult):
            for b in q.distribution:
                row(b.value, b.count, f"{b.percent:.1f}", "", "")
            row("median", "", "", f"{q.median:g}", "")
            row("mean", "", "", f"{q.mean:.2f}", "")
            if q.nps is not None:
                row("NPS", "", "", f"{q.nps:.1f}", "promoters minus detractors")
        elif isinstance(q, RankingResult):
            for place, item in zip(place_labels(q), q.items, strict=True):
                row(item.label, item.first_count, f"{item.first_percent:.1f}", item.borda,
                    f"{place}; count and percent ranked first; score is Borda")  # fmt: skip
        elif isinstance(q, TextResult):
            for group in group_answers(q):
                row(group.text, group.count, "", "", "free-text answer (shuffled; count of identical answers)")
            for term in q.top_terms:
                row(term.term, term.respondents, "", "", "respondents using the term")
        elif isinstance(q, GridResult):
            for r in q.rows:
                if r.respondents is None:
                    row(r.label, "", "", "", f"withheld: fewer than {q.k} ratings")
                    continue
                for b in r.distribution:
                    row(f"{r.label} · {b.value}", b.count, f"{b.percent:.1f}", "", "percent of the row's ratings")
                row(f"{r.label} · median", r.respondents, "", f"{r.median:g}", "count is the row's ratings")
                row(f"{r.label} · mean", r.respondents, "", f"{r.mean:.2f}", "count is the row's ratings")
        elif isinstance(q, LessonsResult):
            for cell_ in q.cells:
                polarity = POSITIVE_NAME if cell_.positive else NEGATIVE_NAME
                count = cell_.respondents if cell_.respondents is not None else f"<{q.k}"
                row(f"{cell_.category} · {polarity}", count, "", "", "respondents who filed at least one lesson")
            if q.withheld_note:
                row("lessons withheld", "", "", "", q.withheld_note)
            for cell_ in q.cells:
                polarity = "positive" if cell_.positive else "negative"
                for entry in cell_.entries if cell_.respondents is not None else ():
                    lesson = f"{entry.title} — {entry.description}" if entry.description else entry.title
                    row(lesson, "", "", "", cell(f"lesson: {cell_.category} · {polarity} (shuffled within the group)"))
    return out.getvalue()
