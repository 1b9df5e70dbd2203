"""Plain-text tables of results: for the console, the CLI, and beside every posted chart."""

from __future__ import annotations

from bot.results import (
    ChoiceResult,
    HiddenResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
    TextResult,
)
from bot.timeparse import format_local


def _rows(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in table]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def question_table(result: QuestionResult) -> str:
    title = f"Q{result.question.position + 1}. {result.question.text}"
    if isinstance(result, HiddenResult):
        return f"{title}\n{result.reason[0].upper()}{result.reason[1:]}: nothing is shown."
    if isinstance(result, ChoiceResult):
        body = _rows([(o.label, str(o.count), f"{o.percent:.0f}%") for o in result.options], ("option", "n", "%"))
        note = "\nPercent of respondents; people could choose several, so the total may exceed 100%." if result.multi else ""
        return f"{title}\nn = {result.respondents}\n{body}{note}"
    if isinstance(result, ScaleResult):
        def label(value: int) -> str:
            if value == result.scale_min and result.min_label:
                return f"{value} ({result.min_label})"
            if value == result.scale_max and result.max_label:
                return f"{value} ({result.max_label})"
            return str(value)

        body = _rows([(label(b.value), str(b.count), f"{b.percent:.0f}%") for b in result.distribution], ("value", "n", "%"))
        summary = f"median {result.median:g}, mean {result.mean:.2f}"
        if result.nps is not None:
            summary += (
                f", NPS {result.nps:+.0f} (promoters {result.promoters_percent:.0f}%, passives "
                f"{result.passives_percent:.0f}%, detractors {result.detractors_percent:.0f}%)"
            )
        return f"{title}\nn = {result.respondents}; {summary}\n{body}"
    if isinstance(result, RankingResult):
        body = _rows(
            [(f"{i + 1}. {item.label}", str(item.borda), f"{item.mean_borda:.2f}", f"{item.first_percent:.0f}%")
             for i, item in enumerate(result.items)],
            ("option (by Borda score)", "Borda", "mean", "ranked 1st"),
        )  # fmt: skip
        return f"{title}\nn = {result.respondents}\n{body}"
    assert isinstance(result, TextResult)
    terms = ", ".join(f"{t.term} ({t.respondents})" for t in result.top_terms) or "none shared by 2 or more people"
    answers = "\n".join(f"  • {answer}" for answer in result.answers)
    return f"{title}\nn = {result.respondents}\nTop terms: {terms}\nAnswers (shuffled):\n{answers}"


def survey_table(results: SurveyResults) -> str:
    when = "live" if results.live else f"closed {format_local(results.closes_at, results.timezone)}"
    count = f"{results.respondents}" if results.respondents is not None else f"fewer than {results.k}"
    invited = f" of {results.invited} invited" if results.invited else ""
    head = f"{results.title} [{results.survey_id}] ({when}); respondents: {count}{invited}"
    return "\n\n".join([head, *(question_table(q) for q in results.questions)])
