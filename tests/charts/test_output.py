"""Determinism, the k gate on every path, odd input, alt text and tables, the async renderer."""

from __future__ import annotations

import asyncio
import re
import warnings

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.domain import QuestionKind
from bot.results import ChoiceResult, HiddenResult, VisibleResult
from charts import samples
from charts.alt_text import alt_text, table_text
from charts.figures import build_figure
from charts.guard import HiddenResultError
from charts.output import png_bytes
from charts.pdf import build_pdf, pages
from charts.renderer import MatplotlibChartRenderer
from charts.summary import build_summary_figure


def texts_of(fig: Figure) -> set[str]:
    return {t.get_text() for t in fig.findobj(Text)}


def visible(results_q: object) -> VisibleResult:
    assert not isinstance(results_q, HiddenResult)
    return results_q  # type: ignore[return-value]


def test_png_and_pdf_are_byte_identical_across_renders() -> None:
    results = samples.workshop()
    for q in results.questions:
        assert png_bytes(build_figure(results, q)) == png_bytes(build_figure(results, q))
    pdf = build_pdf(results)
    assert pdf == build_pdf(results)
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf
    png = png_bytes(build_figure(results, results.questions[0]))
    assert b"tIME" not in png and b"Software" not in png


def test_pdf_has_cover_and_one_page_per_question_and_hidden_pages_have_no_chart() -> None:
    results = samples.survey(
        [samples.choice(["A", "B"], [4, 3]), samples.hidden(QuestionKind.SCALE, position=2)]
    )
    figs = pages(results)
    assert len(figs) == 3
    assert len(figs[2].axes) == 0  # hidden question: text only
    page_text = " ".join(t.get_text() for t in figs[2].texts)
    assert "not enough responses" in page_text.lower() and "%" not in page_text
    cover = " ".join(t.get_text() for t in figs[0].texts)
    assert "Europe/Brussels" in cover and "7 of 30 invited responded" in cover


def test_all_hidden_produces_no_image_anywhere() -> None:
    results = samples.survey(
        [samples.hidden(), samples.hidden(QuestionKind.SCALE, position=2)], respondents=None
    )
    assert results.hidden
    assert build_summary_figure(results) is None
    figs = pages(results)
    assert all(len(f.axes) == 0 for f in figs)
    assert not any(re.search(r"\d+(\.\d+)?%", t.get_text()) for f in figs for t in f.texts)
    assert b"/Subtype /Image" not in build_pdf(results)


def test_summary_holds_choice_and_scale_questions_only() -> None:
    results = samples.workshop()
    fig = build_summary_figure(results)
    assert fig is not None
    joined = " ".join(t.get_text() for t in fig.texts if t.get_gid() == "title")
    assert "Rank these criteria" not in joined and "main obstacle" not in joined
    assert "fit for purpose" in joined and "Which topics" in joined


def test_alt_text_and_table_state_the_numbers() -> None:
    q = samples.choice(["Yes", "No"], [5, 2], text="Adopt?")
    results = samples.survey([q])
    alt = alt_text(results, q)
    assert "Adopt?" in alt and "n = 7" in alt and "Yes: 5 (71.4%)" in alt and "No: 2 (28.6%)" in alt
    table = table_text(results, q)
    assert re.search(r"Yes\s+5\s+71\.4%", table) and re.search(r"No\s+2\s+28\.6%", table)
    scale = samples.scale([1, 2, 4, 2, 1])
    assert "3: 4 (40%)" in alt_text(samples.survey([scale]), scale)
    nps = samples.scale([1, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2], lo=0)
    assert "NPS +0" in alt_text(samples.survey([nps]), nps)


def test_text_table_lists_the_shuffled_answers() -> None:
    q = samples.free_text(["first answer", "second  answer", "third", "fourth", "fifth"], [])
    table = table_text(samples.survey([q]), q)
    assert "- first answer\n- second answer\n- third\n- fourth\n- fifth" in table


def test_dollar_signs_and_carets_are_literal_not_mathtext() -> None:
    labels = ["Costs $5 or $10", "50% off", "a_b^c"]
    q = samples.choice(labels, [3, 2, 1], text=" / ".join(labels))
    fig = build_figure(samples.survey([q], k=3), q)
    assert texts_of(fig) >= set(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a mathtext parse of "$5 or $" would warn or raise
        assert png_bytes(fig).startswith(b"\x89PNG")


def test_everyone_chose_the_same_option() -> None:
    q = samples.choice(["All", "None"], [9, 0])
    assert isinstance(q, ChoiceResult)
    results = samples.survey([q])
    assert png_bytes(build_figure(results, q))
    assert "All: 9 (100%)" in alt_text(results, q)
    unanimous_scale = samples.scale([0, 0, 0, 0, 9])
    assert png_bytes(build_figure(samples.survey([unanimous_scale]), unanimous_scale))


async def test_renderer_caches_and_refuses_hidden_results() -> None:
    renderer = MatplotlibChartRenderer(max_workers=2, cache_size=4)
    try:
        results = samples.workshop()
        q = visible(results.questions[0])
        first, second = await asyncio.gather(
            renderer.question_chart(results, q), renderer.question_chart(results, q)
        )
        assert first == second and renderer.renders == 1
        assert first.png.startswith(b"\x89PNG") and "47.8%" in first.alt_text and "47.8%" in first.table_text
        await renderer.question_chart(results, q)
        assert renderer.renders == 1  # unchanged result: not rendered again
        pdf = await renderer.survey_pdf(results)
        assert pdf == await renderer.survey_pdf(results) and renderer.renders == 2
        summary = await renderer.summary_chart(results)
        assert summary is not None and summary.png.startswith(b"\x89PNG")

        hidden = samples.survey([samples.hidden()], respondents=None)
        with pytest.raises(HiddenResultError):
            await renderer.question_chart(hidden, hidden.questions[0])  # type: ignore[arg-type]
        assert await renderer.summary_chart(hidden) is None
    finally:
        renderer.close()


async def test_renderer_cache_is_bounded() -> None:
    renderer = MatplotlibChartRenderer(max_workers=1, cache_size=2)
    try:
        results = samples.workshop()
        qs = [visible(q) for q in results.questions[:3]]
        for q in qs:
            await renderer.question_chart(results, q)
        await renderer.question_chart(results, qs[0])  # evicted (least recently used): rendered again
        assert renderer.renders == 4
    finally:
        renderer.close()
