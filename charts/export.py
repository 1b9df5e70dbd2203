"""CSV and JSON exports of results: aggregates only (DESIGN.md rule 7). Hidden questions export as hidden."""

from __future__ import annotations

import csv
import io
import json

from bot.results import ChoiceResult, HiddenResult, RankingResult, ScaleResult, SurveyResults, TextResult
from bot.results_codec import results_to_dict
from bot.textfmt import hidden_text


def to_json(results: SurveyResults) -> str:
    return json.dumps(results_to_dict(results), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


CSV_HEADER = ("survey_id", "question", "kind", "item", "count", "percent", "score", "note")


def to_csv(results: SurveyResults) -> str:
    """One row per bar of every chart, so a spreadsheet can redraw any of them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for q in results.questions:
        base = (results.survey_id, q.question.number, str(q.question.kind))
        if isinstance(q, HiddenResult):
            writer.writerow((*base, "", "", "", "", hidden_text(q.k, results)))
        elif isinstance(q, ChoiceResult):
            note = "percent of respondents; total may exceed 100" if q.multi else "percent of respondents"
            for o in q.options:
                writer.writerow((*base, o.label, o.count, f"{o.percent:.1f}", "", note))
        elif isinstance(q, ScaleResult):
            for b in q.distribution:
                writer.writerow((*base, b.value, b.count, f"{b.percent:.1f}", "", ""))
            writer.writerow((*base, "median", "", "", f"{q.median:g}", ""))
            writer.writerow((*base, "mean", "", "", f"{q.mean:.2f}", ""))
            if q.nps is not None:
                writer.writerow((*base, "NPS", "", "", f"{q.nps:.1f}", "promoters minus detractors"))
        elif isinstance(q, RankingResult):
            for item in q.items:
                writer.writerow((*base, item.label, item.first_count, f"{item.first_percent:.1f}", item.borda,
                                 "count and percent ranked first; score is Borda"))  # fmt: skip
        elif isinstance(q, TextResult):
            for term in q.top_terms:
                writer.writerow((*base, term.term, term.respondents, "", "", "respondents using the term"))
    return out.getvalue()
