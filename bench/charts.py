"""Chart rendering benchmark: prints one JSON line per figure (median of several repetitions).

Every kind's slide (the PNG posted to the channel, 1600 x 900) is timed against its floor, a bare Figure-API
barh PNG of the same pixel size, in the same run, alternately; the target is at most 1.5x the floor.
Times are this process's CPU time (rendering is single-threaded), so other work on a shared machine
does not count, and each figure is the median of --reps runs (at least 5).

Run: python -m bench.charts [--reps N]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.results import HiddenResult, SurveyResults, VisibleResult
from charts import samples
from charts.figures import build_figure
from charts.output import PNG_COMPRESS_LEVEL
from charts.pdf import build_pdf
from charts.renderer import render_question, render_summary
from charts.slides import build_slides, question_slide

TARGET_RATIO = 1.5


def median_ms(fn: Callable[[], object], reps: int) -> float:
    fn()  # warm-up: font loading and caches are a one-off per process
    times = []
    for _ in range(reps):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def paired_ms(fn: Callable[[], object], floor: Callable[[], object], reps: int) -> tuple[float, float]:
    """Medians of `fn` and `floor`, run alternately so that both see the same load on a shared machine."""
    fn(), floor()  # warm-up
    a, b = [], []
    for _ in range(reps):
        start = time.process_time()
        fn()
        a.append(time.process_time() - start)
        start = time.process_time()
        floor()
        b.append(time.process_time() - start)
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def floor_png(width: float, height: float, dpi: float, n_bars: int) -> bytes:
    """The floor: a bare Figure-API barh PNG of the same pixel size, default axes and ticks."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    ax = fig.add_subplot()
    ax.barh(range(n_bars), range(1, n_bars + 1))
    buf = io.BytesIO()
    # Same PNG encoder settings as the charts, so the ratio measures drawing, not zlib.
    FigureCanvasAgg(fig).print_png(buf, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})  # type: ignore[no-untyped-call]
    return buf.getvalue()


def twenty_questions() -> SurveyResults:
    base = samples.workshop().questions
    questions = [
        type(q)(**{**q.__dict__, "question": samples.header(q.question.kind, q.question.text, i + 1)})
        for i, q in enumerate(base[i % len(base)] for i in range(20))
    ]
    return samples.survey(questions)


def emit(figure: str, value: float, unit: str = "ms", **extra: object) -> None:
    print(json.dumps({"bench": "charts", "figure": figure, "value": round(value, 2), "unit": unit, **extra}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=9)
    reps = max(parser.parse_args().reps, 5)
    workshop, toolbox = samples.workshop(), samples.toolbox()
    kinds = [
        *zip(["single", "multi", "scale", "nps", "ranking", "text"], [workshop] * 6, workshop.questions, strict=True),
        *zip(["grid", "lessons"], [toolbox] * 2, toolbox.questions, strict=True),
    ]
    for name, results, question in kinds:
        assert not isinstance(question, HiddenResult)
        q: VisibleResult = question
        fig = question_slide(results, q)
        width, height = fig.get_size_inches()
        # The floor draws as many bars as the chart has rows: options, items, grid rows, lesson categories.
        rows = getattr(q, "options", ()) or getattr(q, "items", ()) or getattr(q, "rows", ())
        bars = max(len(rows) or len(getattr(q, "categories", ())), 3)
        chart, floor = paired_ms(
            lambda q=q, results=results: render_question(results, q),  # type: ignore[misc]
            lambda w=width, h=height, d=fig.dpi, n=bars: floor_png(w, h, d, n),  # type: ignore[misc]
            reps,
        )
        emit(f"{name}_slide_png_ms", chart)
        emit(f"{name}_floor_ms", floor)
        ratio = chart / floor
        emit(f"{name}_ratio", ratio, "x", target=TARGET_RATIO, met=ratio <= TARGET_RATIO, median_of=reps, clock="cpu")
        handout = median_ms(lambda q=q, results=results: build_figure(results, q), reps)  # type: ignore[misc]
        emit(f"{name}_handout_figure_ms", handout)
    emit("overview_slide_png_ms", median_ms(lambda: render_summary(workshop), reps))
    emit("lessons_handout_pdf_ms", median_ms(lambda: build_pdf(toolbox), max(reps // 3, 3)))
    big = twenty_questions()
    emit("slides_pdf_20_questions_ms", median_ms(lambda: build_slides(big), max(reps // 3, 3)))
    emit("handout_pdf_20_questions_ms", median_ms(lambda: build_pdf(big), max(reps // 3, 3)))


if __name__ == "__main__":
    main()
