"""The slide deck and the handout, read back as PDFs (pypdf): page sizes, the overview, every answer in full,
embedded TrueType fonts, grouping, the k gate, and text that tries to break out."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from bot.domain import QuestionKind
from bot.results import SurveyResults, TextResult
from charts import samples
from charts.export import to_csv, to_json
from charts.output import png_bytes
from charts.pdf import FOOTER as HANDOUT_FOOTER
from charts.pdf import build_pdf, pages
from charts.renderer import MatplotlibChartRenderer
from charts.slides import FOOTER, build_slides, question_slide

LONG = " ".join(f"word{i:04d}" for i in range(222))[:2000]  # a 2,000-character answer, the maximum
CANARY = "canary-below-k-7f3a"


def every_kind() -> SurveyResults:
    """Every kind, a long and a repeated answer, and a hidden question."""
    base = list(samples.workshop().questions)
    answers = [LONG] + ["More time for questions"] * 7 + [f"Idea number {i}" for i in range(10)]
    base[5] = samples.free_text(answers, [("time", 7), ("idea", 10)], text="What should change?", position=6)
    return samples.survey([*base, samples.hidden(QuestionKind.RANKING, position=7)])


def text_of(reader: PdfReader, page: int) -> str:
    return " ".join(reader.pages[page].extract_text().split())


def fonts_of(reader: PdfReader) -> list[DictionaryObject]:
    found = []
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        if fonts is not None:
            found += [f.get_object() for f in fonts.get_object().values()]
    return found


def figure_texts(fig: Figure, gid: str | None = None) -> list[str]:
    return [t.get_text() for t in fig.texts if gid is None or t.get_gid() == gid]


@pytest.fixture(scope="module")
def decks() -> tuple[SurveyResults, PdfReader, PdfReader]:
    results = every_kind()
    return results, PdfReader(io.BytesIO(build_slides(results))), PdfReader(io.BytesIO(build_pdf(results)))


def test_slides_are_16_9_an_overview_then_one_per_question(decks: tuple[SurveyResults, PdfReader, PdfReader]) -> None:
    results, slides, _ = decks
    assert len(slides.pages) == 1 + len(results.questions)
    for page in slides.pages:
        assert float(page.mediabox.width) / float(page.mediabox.height) == pytest.approx(16 / 9, abs=0.002)
    overview = text_of(slides, 0)
    for q in results.questions:
        assert f"Q{q.question.number}" in overview and q.question.text in overview
    for i, q in enumerate(results.questions, start=1):
        page = text_of(slides, i)
        assert f"Question {q.question.number} of 7" in page and "23 of 30 invited (76.7%)" in page
    assert "Leading: Option A: extend the programme" in overview and "★ Option A" in text_of(slides, 1)


def test_handout_is_a4_with_an_overview_and_every_answer_in_full(
    decks: tuple[SurveyResults, PdfReader, PdfReader],
) -> None:
    results, _, handout = decks
    for page in handout.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((595.44, 841.68), abs=0.5)
    overview = text_of(handout, 0)
    assert "23 of 30 invited (76.7%)" in overview
    for q in results.questions:
        assert f"{q.question.number}. {q.question.text}" in overview
    everything = " ".join(text_of(handout, i) for i in range(len(handout.pages)))
    assert LONG in everything  # whole: no cap on answers, no ellipsis
    assert everything.count("More time for questions") == 1 and "More time for questions ×7" in everything
    assert all(f"Idea number {i}" in everything for i in range(10))


def test_fonts_are_embedded_truetype_not_type3(decks: tuple[SurveyResults, PdfReader, PdfReader]) -> None:
    _, slides, handout = decks
    for reader in (slides, handout):
        fonts = fonts_of(reader)
        assert fonts
        for font in fonts:
            assert font["/Subtype"] in ("/TrueType", "/Type0"), font["/Subtype"]
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if font["/Subtype"] == "/Type0"
                else font["/FontDescriptor"]
            ).get_object()
            assert "/FontFile2" in descriptor  # the TrueType program itself is embedded


def test_slide_shows_grouped_answers_then_terms_and_points_to_the_handout() -> None:
    results = every_kind()
    q = results.questions[5]
    fig = question_slide(results, q)
    answers = figure_texts(fig, "answer")
    assert "“More time for questions ×7”" in answers
    assert len(answers) < 12  # 12 groups do not fit at projector size ...
    (more,) = figure_texts(fig, "more")
    assert more == f"… and {12 - len(answers)} more in the handout (all answers in full)."  # ... and it says so
    terms = figure_texts(fig, "label")
    assert terms == ["time", "idea"]


def test_below_k_shows_the_notice_and_never_numbers_or_answers() -> None:
    few = samples.free_text([CANARY, "b", "c"], [("b", 2)], text="Tiny?")  # typed visible, but n = 3 < k = 5
    few = TextResult(**{**few.__dict__, "question": samples.header(QuestionKind.TEXT, "Tiny?", 2)})
    results = samples.survey([samples.choice(["A", "B"], [4, 3]), few])
    hidden_q = results.questions[1]
    fig = question_slide(results, hidden_q)
    assert not fig.artists and not fig.axes  # no chart at all: no bars, no lines
    body = [t for t in figure_texts(fig) if t not in figure_texts(fig, "rate") + figure_texts(fig, "footer")]
    assert not any(re.search(r"\d+%|n = ", t) for t in body)
    assert "Not enough responses: closed with fewer than 5 responses." in figure_texts(fig, "hidden")
    for data in (build_slides(results), build_pdf(results)):
        reader = PdfReader(io.BytesIO(data))
        assert CANARY not in " ".join(p.extract_text() for p in reader.pages)
    assert CANARY not in to_csv(results) and CANARY not in to_json(results)
    assert json.loads(to_json(results))["questions"][1]["type"] == "hidden"


def test_exports_carry_question_text_and_grouped_answers_at_or_above_k() -> None:
    results = every_kind()
    rows = list(csv.DictReader(io.StringIO(to_csv(results))))
    assert {r["question_text"] for r in rows if r["question"] == "1"} == {results.questions[0].question.text}
    answers = {r["item"]: r["count"] for r in rows if r["note"].startswith("free-text answer")}
    assert answers["More time for questions"] == "7" and answers[LONG] == "1" and len(answers) == 12
    exported = json.loads(to_json(results))
    assert exported["questions"][5]["question"]["text"] == "What should change?"
    assert sorted(exported["questions"][5]["answers"]) == sorted(results.questions[5].answers)  # type: ignore[union-attr]
    assert exported["questions"][6]["type"] == "hidden"


def test_csv_cells_never_start_a_formula() -> None:
    q = samples.free_text(["=HYPERLINK(\"http://x\")"] * 3 + ["+1", "@SUM(A1)", "-2", "fine"], [])
    opt = samples.choice(["=cmd|' /C calc'!A0", "B"], [4, 3], text="=1+1", position=2)
    rows = list(csv.DictReader(io.StringIO(to_csv(samples.survey([q, opt])))))
    for r in rows:
        assert not r["item"].startswith(("=", "+", "-", "@")) and not r["question_text"].startswith("=")
    assert "'=HYPERLINK(\"http://x\")" in {r["item"] for r in rows}


HOSTILE = [
    "$\\frac{a}{b}$ and $x^2$",  # mathtext
    ") Tj ET %%EOF endstream",  # PDF syntax
    "tab\there\x00nul\x07bell\u202eoverride\ufeffbom",  # control and format characters
    "\\" * 50 + "(" * 50,
    "x" * 2000,  # one unbreakable word
]


def test_hostile_text_renders_literally_and_the_pdfs_stay_whole() -> None:
    q = samples.free_text(HOSTILE, [], text="$5 or $10? ) Tj", position=1)
    c = samples.choice(HOSTILE[:3], [3, 1, 1], text="\x00$x$", position=2)
    results = samples.survey([q, c])
    for data in (build_slides(results), build_pdf(results)):
        reader = PdfReader(io.BytesIO(data))
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert "$\\frac{a}{b}$ and $x^2$" in text and ") Tj ET %%EOF endstream" in text
        assert "\x00" not in text
    assert png_bytes(question_slide(results, q)).startswith(b"\x89PNG")


async def test_posted_slide_is_rendered_again_when_the_response_rate_changes() -> None:
    renderer = MatplotlibChartRenderer(max_workers=1)
    try:
        results = samples.workshop()
        q = results.questions[0]
        assert not isinstance(q, TextResult)
        first = await renderer.question_chart(results, q)  # type: ignore[arg-type]
        more_invited = SurveyResults(**{**results.__dict__, "invited": 40})
        second = await renderer.question_chart(more_invited, q)  # type: ignore[arg-type]
        assert renderer.renders == 2 and first.png != second.png
        slides = await renderer.survey_slides(results)
        assert slides.startswith(b"%PDF") and slides == await renderer.survey_slides(results)
    finally:
        renderer.close()


@pytest.mark.parametrize("options", [3, 12, 20])
def test_a_slide_of_many_long_options_stays_inside_the_page_above_its_footer(options: int) -> None:
    label = ("A rather long option label that goes on and on until it reaches the limit " + "z" * 10)[:75]
    q = samples.choice([f"{i} {label}"[:75] for i in range(options)], list(range(1, options + 1)),
                       text="Which of these long options should we keep? " * 5)  # fmt: skip
    fig = question_slide(samples.survey([q]), q)
    renderer = FigureCanvasAgg(fig).get_renderer()
    floor_px = (FOOTER - 0.1) * fig.dpi  # the footer band, from the bottom edge
    width_px = fig.get_size_inches()[0] * fig.dpi
    body = [t for t in fig.texts if t.get_gid() not in ("footer", "slide-no")]
    for artist in [*body, *fig.artists]:
        box = artist.get_window_extent(renderer)
        assert box.y0 >= floor_px and box.x0 >= 0 and box.x1 <= width_px, (artist, box)
    assert len(figure_texts(fig, "label")) == options  # every option is there
    sizes = {t.get_fontsize() for t in fig.texts if t.get_gid() == "label"}
    assert min(sizes) >= 7  # two columns: twice the size one column would allow


def test_a_handout_chart_of_forty_long_options_stays_on_its_a4_pages() -> None:
    label = ("A rather long option label that goes on and on until it reaches the limit " + "z" * 10)[:75]
    q = samples.choice([f"{i} {label}"[:75] for i in range(40)], list(range(1, 41)), text="Forty?")
    for fig in pages(samples.survey([q])):
        renderer = FigureCanvasAgg(fig).get_renderer()
        footer_px = (HANDOUT_FOOTER - 0.1) * fig.dpi
        body = [t for t in fig.texts if t.get_gid() != "page-no" and t.get_text() != "Policy workshop pre-read"]
        for artist in [*body, *fig.artists]:
            box = artist.get_window_extent(renderer)
            assert box.y0 >= footer_px and box.y1 <= fig.get_size_inches()[1] * fig.dpi, (artist, box)


def test_the_results_notes_are_on_the_overview_slide_and_the_handout_cover() -> None:
    note = "Answers that arrived after the close are not part of this final result."
    results = SurveyResults(**{**samples.workshop().__dict__, "notes": (note,)})
    for data in (build_slides(results), build_pdf(results)):
        assert note in text_of(PdfReader(io.BytesIO(data)), 0)
