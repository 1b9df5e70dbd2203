"""One line per question for the overviews (first slide, handout overview): what a facilitator says first."""

from __future__ import annotations

from bot.ranking_places import first_place
from bot.results import (
    ChoiceResult,
    GridResult,
    HiddenResult,
    LessonsResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
)
from bot.textfmt import hidden_text
from charts.guard import as_visible
from charts.scale import nps_split
from charts.textfmt import number, pct


def leaders(result: ChoiceResult) -> list[int]:
    """Indexes of the leading option(s); none when nobody chose anything."""
    top = max((o.count for o in result.options), default=0)
    return [i for i, o in enumerate(result.options) if o.count == top] if top > 0 else []


def is_nps(result: ScaleResult) -> bool:
    return result.scale_min == 0 and result.scale_max == 10


def headline(results: SurveyResults, question: QuestionResult) -> str:
    q = as_visible(results, question)
    if q is None:
        k = question.k if isinstance(question, HiddenResult) else results.k
        return f"Hidden: {hidden_text(k, results)}"
    if isinstance(q, ChoiceResult):
        lead = leaders(q)
        if not lead:
            return f"No option chosen · n = {q.respondents}"
        names = " / ".join(q.options[i].label for i in lead)
        tied = " (tied)" if len(lead) > 1 else ""
        return f"Leading{tied}: {names} — {pct(q.options[lead[0]].percent)} · n = {q.respondents}"
    if isinstance(q, ScaleResult):
        if is_nps(q):
            return f"NPS {nps_split(q).score:+.0f} · median {number(q.median)} · n = {q.respondents}"
        return f"Median {number(q.median)}, mean {number(q.mean)} on {q.scale_min}–{q.scale_max} · n = {q.respondents}"
    if isinstance(q, RankingResult):
        top = first_place(q)
        first = " and ".join(top) if top else "—"
        joint = "Joint first overall" if len(top) > 1 else "Ranked first overall"
        return f"{joint}: {first} · n = {q.respondents}"
    if isinstance(q, GridResult):
        shown = [r for r in q.rows if r.median is not None]
        if not shown:
            return f"Every row withheld (fewer than {q.k} ratings each) · n = {q.respondents}"
        best = max(shown, key=lambda r: r.mean or 0)
        stats = f"median {number(best.median or 0)}, mean {number(best.mean or 0)}"
        return f"Highest: {best.label} — {stats} · n = {q.respondents}"
    if isinstance(q, LessonsResult):
        return f"{q.entry_count} lessons from n = {q.respondents}"
    terms = ", ".join(t.term for t in q.top_terms[:3])
    tail = f" · top terms: {terms}" if terms else ""
    return f"{len(q.answers)} answers{tail}"
