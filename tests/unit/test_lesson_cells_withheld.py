"""A lessons cell below k is withheld whole: "<k" and no entries, no entry count, in every output.

Hand-computed: k = 5, four respondents file a lesson in process+ and one files one in people−. The
question has 5 respondents (shown); process+ has 4 (<5), people− has 1 (<5). If people−'s entry were
published, it would be that one person's category, polarity and text.
"""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from bot.aggregation import aggregate
from bot.domain import Lesson, Question, QuestionKind
from bot.results import LessonsResult
from bot.results_codec import results_to_dict
from bot.tables import survey_table
from bot.validation import encode_answer
from charts import samples
from charts.export import to_csv, to_json
from charts.pdf import build_pdf

LESSONS = Question("s.1", 0, QuestionKind.LESSONS, "Lessons?", categories=("process", "people"), required=False)
SECRET = "Zanzibar-the-boss-bullied-me"
SHOWN = ("Alpha-standups", "Bravo-runbook", "Charlie-pairing", "Delta-retro", "Echo-checklist")


def _result(k: int, ballots: list[tuple[Lesson, ...]]) -> LessonsResult:
    result = aggregate(LESSONS, [(encode_answer(b), 1) for b in ballots], k)
    assert isinstance(result, LessonsResult)
    return result


def test_a_cell_below_k_shows_no_entry_anywhere() -> None:
    ballots = [(Lesson(0, True, title, "it helped"),) for title in SHOWN[:4]]
    ballots.append((Lesson(1, False, SECRET, "the only one here"),))
    result = _result(5, ballots)
    assert result.respondents == 5
    people_minus = result.cell(1, False)
    assert people_minus.respondents is None and people_minus.entries == ()  # "<5", nothing else
    assert result.cell(0, True).respondents is None and result.cell(0, True).entries == ()  # 4 < 5
    assert result.entry_count == 0

    results = samples.survey([result], respondents=5, k=5)
    outputs = {
        "results": repr(results),
        "dict": json.dumps(results_to_dict(results)),
        "json": to_json(results),
        "csv": to_csv(results),
        "table": survey_table(results),
    }
    handout = PdfReader(io.BytesIO(build_pdf(results)))
    outputs["handout"] = " ".join(" ".join(p.extract_text().split()) for p in handout.pages)
    for name, text in outputs.items():
        assert SECRET not in text and "the only one here" not in text, name
        assert not any(title in text for title in SHOWN), name
    table = outputs["table"]
    assert "<5" in table and "lessons, shuffled" not in table  # no per-cell entry count for a cell below k
    assert "Entries of cells with fewer than 5 respondents are withheld" in table
    assert "withheld" in outputs["csv"] and "withheld" in outputs["handout"]


def test_a_cell_at_k_shows_its_entries_beside_a_withheld_one() -> None:
    ballots = [(Lesson(0, True, title, "it helped"),) for title in SHOWN]
    ballots.append((Lesson(1, False, SECRET, "the only one here"),))
    result = _result(5, ballots)
    assert result.cell(0, True).respondents == 5
    assert sorted(e.title for e in result.cell(0, True).entries) == sorted(SHOWN)
    assert result.cell(1, False).respondents is None and result.cell(1, False).entries == ()
    assert result.entry_count == 5

    results = samples.survey([result], respondents=6, k=5)
    handout = PdfReader(io.BytesIO(build_pdf(results)))
    outputs = {
        "json": to_json(results),
        "csv": to_csv(results),
        "table": survey_table(results),
        "handout": " ".join(" ".join(p.extract_text().split()) for p in handout.pages),
    }
    for name, text in outputs.items():
        assert all(title in text for title in SHOWN), name
        assert SECRET not in text and "the only one here" not in text, name
    assert "process — positive: practice to replicate (5 lessons, shuffled)" in outputs["table"]
