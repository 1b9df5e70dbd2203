"""Plain-text tables of results: for the console and the CLI, and beside every posted chart."""

from __future__ import annotations

from bot.ranking_places import place_labels
from bot.results import (
    NEGATIVE_NAME,
    POSITIVE_NAME,
    ChoiceResult,
    GridResult,
    HiddenResult,
    LessonCell,
    LessonEntry,
    LessonsResult,
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


def grid_body(q: GridResult) -> str:
    """One line per row: its n, the count of each value, median and mean; a row under k is withheld."""
    values = [str(v) for v in range(q.scale_min, q.scale_max + 1)]
    rows = []
    for row in q.rows:
        if row.respondents is None:
            rows.append([row.label, f"<{q.k}", *(["·"] * len(values)), "withheld", ""])
            continue
        counts = [str(b.count) for b in row.distribution]
        rows.append([row.label, str(row.respondents), *counts, number(row.median or 0), number(row.mean or 0)])
    ends = f"Scale {q.scale_min}–{q.scale_max}"
    if q.min_label or q.max_label:
        ends += f" ({q.scale_min} = {q.min_label or q.scale_min}, {q.scale_max} = {q.max_label or q.scale_max})"
    note = f"A row rated by fewer than {q.k} respondents is withheld."
    return f"{ends}\n" + _table(["Item", "n", *values, "Median", "Mean"], rows) + f"\n\n{note}"


def cell_count(count: int | None, k: int) -> str:
    return str(count) if count is not None else f"<{k}"


def grouped_entries(cell: LessonCell) -> list[tuple[LessonEntry, int]]:
    """Identical lessons once, with how many filed them, in the already shuffled order."""
    counts: dict[LessonEntry, int] = {}
    for entry in cell.entries:
        counts[entry] = counts.get(entry, 0) + 1
    return list(counts.items())


def lesson_line(entry: LessonEntry, count: int) -> str:
    title = " ".join(entry.title.split()) + (f" ×{count}" if count > 1 else "")
    return f"{title}: {' '.join(entry.description.split())}" if entry.description else title


def lessons_body(q: LessonsResult) -> str:
    """The category × polarity table (respondents who filed at least one lesson there), then every entry
    of the cells at or above k, grouped by cell and shuffled by content; a cell below k shows neither its
    entries nor how many there are."""
    rows = [
        [label, cell_count(q.cell(i, True).respondents, q.k), cell_count(q.cell(i, False).respondents, q.k)]
        for i, label in enumerate(q.categories)
    ]
    table = _table(["Category", "Positive", "Negative"], rows)
    note = f"Respondents who filed at least one lesson in each cell; below {q.k} shown as <{q.k}."
    parts = [f"{table}\n\n{note}" + (f" {q.withheld_note}" if q.withheld_note else "")]
    for cell in q.cells:
        if cell.entries and cell.respondents is not None:
            polarity = POSITIVE_NAME if cell.positive else NEGATIVE_NAME
            lines = [f"{cell.category} — {polarity} ({len(cell.entries)} lessons, shuffled):"]
            lines += [f"- {lesson_line(entry, n)}" for entry, n in grouped_entries(cell)]
            parts.append("\n".join(lines))
    if not q.entry_count:
        parts.append("No lessons are shown." if q.withheld_note else "No lessons were filed.")
    return "\n\n".join(parts)


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
    if isinstance(q, GridResult):
        return title + grid_body(q)
    if isinstance(q, LessonsResult):
        return title + lessons_body(q)
    return title + _text_body(q)


def survey_table(results: SurveyResults) -> str:
    count = f"{results.respondents}" if results.respondents is not None else f"fewer than {results.k}"
    invited = f" of {results.invited} {results.invited_word}" if results.invited else ""
    head = f"{results.title} [{results.survey_id}] ({status_line(results)}); respondents: {count}{invited}"
    return "\n\n".join([head, *results.notes, *(question_table(q, results) for q in results.questions)])
