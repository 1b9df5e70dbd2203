"""Plain-text tables of results: for the console and the CLI, and beside every posted chart."""

from __future__ import annotations

from bot.ranking_places import place_labels
from bot.results import (
    ChoiceResult,
    HiddenResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
    TextResult,
)
from bot.textfmt import display_width, hidden_text, number, pct, status_line

MULTI_NOTE = "Respondents could choose more than one option, so the percentages may add up to more than 100%."


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


def scale_value_name(q: ScaleResult, value: int) -> str:
    if value == q.scale_min and q.min_label:
        return f"{value} ({q.min_label})"
    if value == q.scale_max and q.max_label:
        return f"{value} ({q.max_label})"
    return str(value)


def _scale_stats(q: ScaleResult) -> str:
    stats = f"Median {number(q.median)} · mean {number(q.mean)}"
    if q.nps is not None:
        def band(lo: int, hi: int) -> int:
            return sum(b.count for b in q.distribution if lo <= b.value <= hi)

        stats += (
            f"\nNPS {q.nps:+.0f}: detractors {band(0, 6)} ({pct(q.detractors_percent or 0)}), passives "
            f"{band(7, 8)} ({pct(q.passives_percent or 0)}), promoters {band(9, 10)} ({pct(q.promoters_percent or 0)})"
        )
    return stats


def _text_body(q: TextResult) -> str:
    n = max(q.respondents, 1)
    rows = [[t.term, str(t.respondents), pct(100 * t.respondents / n)] for t in q.top_terms]
    terms = _table(["Term", "Respondents", "Percent"], rows) if rows else "No term was used by 2 or more respondents."
    answers = "\n".join(f"- {' '.join(a.split())}" for a in q.answers)
    return f"{terms}\n\nAnswers (shuffled):\n{answers}"


def question_table(q: QuestionResult, results: SurveyResults | None = None) -> str:
    status = f" · {status_line(results)}" if results is not None else ""
    if isinstance(q, HiddenResult):
        reason = hidden_text(q.k, results) if results is not None else q.reason
        return f"{q.question.number}. {q.question.text}\n{reason[0].upper()}{reason[1:]}: nothing is shown."
    title = f"{q.question.number}. {q.question.text}\nn = {q.respondents} respondents{status}\n\n"
    if isinstance(q, ChoiceResult):
        body = _table(["Option", "Count", "Percent"], [[o.label, str(o.count), pct(o.percent)] for o in q.options])
        return title + body + (f"\n\n{MULTI_NOTE}" if q.multi else "")
    if isinstance(q, ScaleResult):
        rows = [[scale_value_name(q, b.value), str(b.count), pct(b.percent)] for b in q.distribution]
        return title + _table(["Value", "Count", "Percent"], rows) + "\n\n" + _scale_stats(q)
    if isinstance(q, RankingResult):
        return title + _table(
            ["Place", "Option", "Borda", "Ranked 1st", "Percent"],
            [[place, it.label, str(it.borda), str(it.first_count), pct(it.first_percent)]
             for place, it in zip(place_labels(q), q.items, strict=True)],
        )  # fmt: skip
    return title + _text_body(q)


def survey_table(results: SurveyResults) -> str:
    count = f"{results.respondents}" if results.respondents is not None else f"fewer than {results.k}"
    invited = f" of {results.invited} invited" if results.invited else ""
    head = f"{results.title} [{results.survey_id}] ({status_line(results)}); respondents: {count}{invited}"
    return "\n\n".join([head, *results.notes, *(question_table(q, results) for q in results.questions)])
