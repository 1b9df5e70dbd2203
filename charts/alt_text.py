"""Alt text (for screen readers) and a plain-text table: the same numbers as the chart, in words."""

from __future__ import annotations

from bot.results import ChoiceResult, RankingResult, ScaleResult, SurveyResults, TextResult, VisibleResult
from charts.figures import MULTI_NOTE, is_nps, status_line, term_rows
from charts.guard import ensure_visible
from charts.scale import nps_split
from charts.textfmt import display_width, number, pct


def alt_text(results: SurveyResults, question: VisibleResult) -> str:
    q = ensure_visible(results, question)
    head = f"{q.question.text} — n = {q.respondents} respondents, {status_line(results)}."
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
            f"{i}. {it.label}: {it.borda} Borda points, ranked first by {it.first_count} "
            f"({pct(it.first_percent)})"
            for i, it in enumerate(q.items, start=1)
        )
        return f"Ranking bar chart, by Borda score. {head} {parts}."
    terms = (
        "; ".join(f"{r.label}: {r.numbers}" for r in term_rows(q)) or "no term used by 2 or more respondents"
    )
    return f"Top terms in free-text answers. {head} {terms}. {len(q.answers)} answers are listed in the text."


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded by display width (CJK counts double); numbers right-aligned."""
    widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - display_width(cell))
            out.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def table_text(results: SurveyResults, question: VisibleResult) -> str:
    q = ensure_visible(results, question)
    title = f"{q.question.text}\nn = {q.respondents} respondents · {status_line(results)}\n\n"
    if isinstance(q, ChoiceResult):
        body = _table(
            ["Option", "Count", "Percent"], [[o.label, str(o.count), pct(o.percent)] for o in q.options]
        )
        return title + body + (f"\n\n{MULTI_NOTE}" if q.multi else "")
    if isinstance(q, ScaleResult):
        body = _table(
            ["Value", "Count", "Percent"],
            [[_value_name(q, b.value), str(b.count), pct(b.percent)] for b in q.distribution],
        )
        stats = f"\n\nMedian {number(q.median)} · mean {number(q.mean)}"
        if is_nps(q):
            s = nps_split(q)
            stats += (
                f"\nNPS {s.score:+.0f}: detractors {s.detractors} ({pct(s.detractors_percent)}), passives "
                f"{s.passives} ({pct(s.passives_percent)}), promoters {s.promoters} "
                f"({pct(s.promoters_percent)})"
            )
        return title + body + stats
    if isinstance(q, RankingResult):
        return title + _table(
            ["Rank", "Option", "Borda", "Ranked 1st", "Percent"],
            [
                [str(i), it.label, str(it.borda), str(it.first_count), pct(it.first_percent)]
                for i, it in enumerate(q.items, start=1)
            ],
        )
    return title + _text_body(q)


def _text_body(q: TextResult) -> str:
    rows = [[r.label, r.numbers.split(" ")[0], pct(r.percent)] for r in term_rows(q)]
    terms = (
        _table(["Term", "Respondents", "Percent"], rows)
        if rows
        else "No term was used by 2 or more respondents."
    )
    answers = "\n".join(f"- {' '.join(a.split())}" for a in q.answers)
    return f"{terms}\n\nAnswers (shuffled):\n{answers}"


def _value_name(q: ScaleResult, value: int) -> str:
    if value == q.scale_min and q.min_label:
        return f"{value} ({q.min_label})"
    if value == q.scale_max and q.max_label:
        return f"{value} ({q.max_label})"
    return str(value)
