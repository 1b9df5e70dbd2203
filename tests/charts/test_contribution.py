"""The participant's copy as a questionnaire print: every question, their marks, long text whole,
hostile text literal, TrueType fonts embedded."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from bot.domain import Question, QuestionKind, ResultsMode, Status, Survey, Target
from charts.contribution import CHECKED, UNCHECKED, contribution_pdf
from tests.charts.test_decks import fonts_of, text_of

LONG = "Ἀθῆναι — Київ — " + " ".join(f"word{i}" for i in range(260))  # ~2,000 characters, several scripts
assert 1900 < len(LONG) <= 2000


def survey() -> Survey:
    qs = (
        Question("q0", 0, QuestionKind.SINGLE, "Pick one", ("Red", "Green", "Blue")),
        Question("q1", 1, QuestionKind.MULTI, "Pick some", ("A", "B", "C", "D"), max_selections=3),
        Question("q2", 2, QuestionKind.SCALE, "Agree?", min_label="No", max_label="Yes"),
        Question("q3", 3, QuestionKind.RANKING, "Rank", ("X", "Y", "Z")),
        Question("q4", 4, QuestionKind.TEXT, "Say $x^2$ <b>", required=False),
        Question("q5", 5, QuestionKind.TEXT, "Anything else?", required=False),
    )
    return Survey("s1", "Lessons learnt", Status.OPEN, qs, (Target("console", "c"),), ResultsMode.AFTER_CLOSE, 5,
                  None, None, "Europe/Brussels", "console:organiser")  # fmt: skip


@pytest.fixture(scope="module")
def reader() -> PdfReader:
    answers = {"q0": 2, "q1": (0, 3), "q2": 4, "q3": (2, 0, 1), "q4": LONG}  # q5 skipped
    pdf = contribution_pdf(survey(), answers, datetime(2026, 12, 1, 14, 5, tzinfo=UTC))
    return PdfReader(io.BytesIO(pdf))


def test_the_copy_holds_every_question_and_answer(reader: PdfReader) -> None:
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((595.44, 841.68), abs=0.5)
    text = " ".join(text_of(reader, i) for i in range(len(reader.pages)))
    assert "Lessons learnt" in text and "Submitted Tue 01 Dec 2026 15:05 Europe/Brussels" in text
    for number, question in enumerate(("Pick one", "Pick some", "Agree?", "Rank", "Say $x^2$ <b>"), start=1):
        assert f"{number}. {question}" in text
    assert f"{CHECKED} Blue" in text and f"{UNCHECKED} Red" in text
    assert f"{CHECKED} A" in text and f"{CHECKED} D" in text and f"{UNCHECKED} B" in text
    assert f"{CHECKED} 4" in text and "1. Z 2. X 3. Y" in text.replace("  ", " ")
    assert " ".join(LONG.split()) in text  # whole, wrapped but not cut
    assert "6. Anything else? (optional) (skipped)" in text
    assert "not stored by Canvass" in text


def test_the_copy_embeds_truetype_fonts(reader: PdfReader) -> None:
    fonts = fonts_of(reader)
    assert fonts
    for font in fonts:
        assert font["/Subtype"] in ("/TrueType", "/Type0"), font["/Subtype"]
