"""Alt text (for screen readers) and a plain-text table: the same numbers as the chart, in words."""

from __future__ import annotations

from bot.ranking_places import place_labels
from bot.results import (
    ChoiceResult,
    GridResult,
    LessonsResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
    VisibleResult,
)
from bot.tables import MULTI_NOTE, question_table
from bot.textfmt import status_line
from charts.figures import term_rows
from charts.grid import row_numbers
from charts.guard import ensure_visible
from charts.headline import is_nps
from charts.lessons import cell_label
from charts.report_text import response_rate
from charts.scale import nps_split
from charts.textfmt import number, pct


def alt_text(results: SurveyResults, question: VisibleResult) -> str:
    q = ensure_visible(results, question)
    head = f"{q.question.text} — n = {q.respondents} respondents, {response_rate(results)}, {status_line(results)}."
    if isinstance(q, ChoiceResult):
        kind = "Multiple-choice bar chart" if q.multi else "Bar chart"
        parts = "; ".join(f"{o.label}: {o.count} ({pct(o.percent)})" for o in q.options)
        extra = f" {MULTI_NOTE}" if q.multi else ""
        return f"{kind}. {head} {parts}.{extra}"
    if isinstance(q, ScaleResult):
        if is_nps(q):
            s = nps_split(q)
            return (
                f"Net Promoter Score chart. {head} NPS {s.score:+.0f}: detractors (0–6) {s.detractors} "
                f"({pct(s.detractors_percent)}), passives (7–8) {s.passives} ({pct(s.passives_percent)}), "
                f"promoters (9–10) {s.promoters} ({pct(s.promoters_percent)}). Median {number(q.median)}, "
                f"mean {number(q.mean)}."
            )
        ends = f"{q.scale_min} = {q.min_label or q.scale_min}, {q.scale_max} = {q.max_label or q.scale_max}"
        parts = "; ".join(f"{b.value}: {b.count} ({pct(b.percent)})" for b in q.distribution)
        return (
            f"Diverging bar chart of a {q.scale_min}–{q.scale_max} scale ({ends}). {head} {parts}. "
            f"Median {number(q.median)}, mean {number(q.mean)}."
        )
    if isinstance(q, RankingResult):
        parts = "; ".join(
            f"{place}: {it.label}: {it.borda} Borda points, ranked first by {it.first_count} "
            f"({pct(it.first_percent)})"
            for place, it in zip(place_labels(q), q.items, strict=True)
        )
        return f"Ranking bar chart, by Borda score. {head} {parts}."
    if isinstance(q, GridResult):
        ends = f"{q.scale_min} = {q.min_label or q.scale_min}, {q.scale_max} = {q.max_label or q.scale_max}"
        parts = "; ".join(
            f"{row.label}: {row_numbers(q, i)}"
            + (", " + ", ".join(f"{b.value}: {b.count}" for b in row.distribution) if row.distribution else "")
            for i, row in enumerate(q.rows)
        )
        return f"Grid of diverging bars, one per item, on a {q.scale_min}–{q.scale_max} scale ({ends}). {head} {parts}."
    if isinstance(q, LessonsResult):
        parts = "; ".join(
            f"{label}: positive {cell_label(q, q.cell(i, True).respondents)},"
            f" negative {cell_label(q, q.cell(i, False).respondents)}"
            for i, label in enumerate(q.categories)
        )
        return (
            f"Lessons by category and polarity (respondents who filed one). {head} {parts}. "
            f"{q.entry_count} lessons are listed in the text." + (f" {q.withheld_note}" if q.withheld_note else "")
        )
    terms = "; ".join(f"{r.label}: {r.numbers}" for r in term_rows(q)) or "no term used by 2 or more respondents"
    return f"Top terms in free-text answers. {head} {terms}. {len(q.answers)} answers are listed in the text."


def table_text(results: SurveyResults, question: VisibleResult) -> str:
    return question_table(ensure_visible(results, question), results)
