"""Chart figures, read through their artists (bars, texts, colours), not pixels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bot.results import ChoiceResult, ScaleResult
from charts import palette, samples
from charts.bars import VALUES_LABEL
from charts.columns import COLUMNS_LABEL
from charts.figures import MULTI_NOTE, build_figure
from charts.guard import HiddenResultError
from charts.scale import SEGMENTS_LABEL


def texts(fig: Figure, gid: str | None = None) -> list[str]:
    found = [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_gid"))]
    return [t.get_text() for t in found if t.get_text() and (gid is None or t.get_gid() == gid)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Bar:
    """One rectangle of a bar collection, read back from its path (axes data units)."""

    x: float
    y: float
    width: float
    height: float
    colour: str

    def get_x(self) -> float:
        return self.x

    def get_y(self) -> float:
        return self.y

    def get_width(self) -> float:
        return self.width

    def get_height(self) -> float:
        return self.height

    def get_facecolor(self) -> str:
        return self.colour


def container(fig: Figure, label: str) -> list[Bar]:
    """The rectangles of one bar collection, in inches from the figure's top-left corner."""
    for c in fig.artists:
        if isinstance(c, PolyCollection) and c.get_label() == label:
            colours = [to_hex(f) for f in c.get_facecolors()]
            bars = []
            for i, path in enumerate(c.get_paths()):
                (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
                bars.append(Bar(float(x0), float(y0), float(x1 - x0), float(y1 - y0), colours[i % len(colours)]))
            return bars
    raise AssertionError(f"no bar collection {label!r}")


def bar_percents(fig: Figure) -> list[float]:
    """Bar lengths as a percentage of their grey 0–100% track."""
    track = container(fig, "track")[0].get_width()
    return [100 * b.get_width() / track for b in container(fig, VALUES_LABEL)]


def shares(bars: list[Bar]) -> list[float]:
    """Segment widths as percentages of the whole stacked bar."""
    total = sum(b.get_width() for b in bars)
    return [100 * b.get_width() / total for b in bars]


def line_x(fig: Figure, gid: str) -> list[float]:
    return [float(a.get_xdata()[0]) for a in fig.artists if isinstance(a, Line2D) and a.get_gid() == gid]  # type: ignore[index]


def test_single_bars_follow_option_order_and_percentages() -> None:
    q = samples.choice(["Yes", "No", "Abstain"], [6, 3, 1])
    fig = build_figure(samples.survey([q]), q)
    bars = container(fig, VALUES_LABEL)
    assert bar_percents(fig) == pytest.approx([60.0, 30.0, 10.0])
    # Option order top to bottom (y grows downwards in the bar axes).
    assert [b.get_y() for b in bars] == sorted(b.get_y() for b in bars)
    assert texts(fig, "label") == ["★ Yes", "No", "Abstain"]  # the leading option is marked, not only coloured
    assert texts(fig, "numbers") == ["6 (60%)", "3 (30%)", "1 (10%)"]
    assert [to_hex(b.get_facecolor()).upper() for b in bars] == [palette.LEAD, palette.BAR, palette.BAR]


def test_tied_leaders_are_all_marked_and_nobody_chose_marks_none() -> None:
    q = samples.choice(["A", "B", "C"], [3, 3, 1])
    assert texts(build_figure(samples.survey([q], k=3), q), "label") == ["★ A", "★ B", "C"]
    empty = samples.choice(["A", "B"], [0, 0], respondents=5)
    assert texts(build_figure(samples.survey([empty]), empty), "label") == ["A", "B"]


def test_header_shows_question_n_and_close_time_or_live() -> None:
    q = samples.choice(["A", "B"], [4, 3], text="Which one?")
    closed = build_figure(samples.survey([q]), q)
    assert "Which one?" in texts(closed, "title")
    assert texts(closed, "subtitle") == ["n = 7 respondents · 7 of 30 invited (23.3%) · closed 10 Mar 2026 15:00 CET"]
    live = build_figure(samples.survey([q], live=True), q)
    assert texts(live, "subtitle")[0].startswith("n = 7 respondents · 7 of 30 invited (23.3%) · live")


def test_multi_uses_percent_of_respondents_and_says_total_may_exceed_100() -> None:
    q = samples.choice(["Climate", "Energy", "Defence"], [8, 6, 5], respondents=10, multi=True)
    fig = build_figure(samples.survey([q]), q)
    assert bar_percents(fig) == pytest.approx([80, 60, 50])
    assert texts(fig, "numbers") == ["8 (80%)", "6 (60%)", "5 (50%)"]
    assert " ".join(texts(fig, "note")).replace("\n", " ") == MULTI_NOTE


def test_scale_is_centred_on_the_neutral_point_and_marks_the_median() -> None:
    q = samples.scale([1, 2, 4, 2, 1])  # symmetric 1..5, neutral 3, n = 10
    assert isinstance(q, ScaleResult)
    fig = build_figure(samples.survey([q]), q)
    segs = container(fig, SEGMENTS_LABEL)
    assert shares(segs) == pytest.approx([10, 20, 40, 20, 10])
    neutral = segs[2]
    (neutral_x,) = line_x(fig, "neutral")
    assert neutral.get_x() + neutral.get_width() / 2 == pytest.approx(neutral_x)  # centred on the neutral point
    assert to_hex(neutral.get_facecolor()).upper() == palette.NEUTRAL
    assert [to_hex(s.get_facecolor()).upper() for s in segs] == palette.diverging(5)
    # Every value has its column with the count and percentage beside it.
    assert texts(fig, "column") == ["1\n1 (10%)", "2\n2 (20%)", "3\n4 (40%)", "4\n2 (20%)", "5\n1 (10%)"]
    heights = [b.get_height() for b in container(fig, COLUMNS_LABEL)]
    assert heights[2] == max(heights) and heights[0] == pytest.approx(heights[4])  # tallest at the neutral 3
    assert line_x(fig, "median") == pytest.approx([neutral_x])  # symmetric: the median is the neutral point
    # Median and neutral point are named, not bare lines.
    assert texts(fig, "median-label") == ["median 3"] and texts(fig, "column-median") == ["▲ median 3"]
    assert texts(fig, "neutral-label") == ["neutral 3"]
    assert texts(fig, "end") == ["← 1 = Strongly disagree", "5 = Strongly agree →"]


def test_even_scale_has_no_grey_and_centre_between_middle_values() -> None:
    q = samples.scale([1, 3, 3, 1], min_label="", max_label="")
    fig = build_figure(samples.survey([q]), q)
    segs = container(fig, SEGMENTS_LABEL)
    assert [segs[2].get_x()] == pytest.approx(line_x(fig, "neutral"))
    assert palette.NEUTRAL not in {to_hex(s.get_facecolor()).upper() for s in segs}


def test_nps_has_three_segments_and_the_score() -> None:
    # 0..10: detractors 0-6 = 4, passives 7-8 = 2, promoters 9-10 = 4 -> NPS 0
    q = samples.scale([1, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2], lo=0)
    fig = build_figure(samples.survey([q]), q)
    segs = container(fig, SEGMENTS_LABEL)
    assert shares(segs) == pytest.approx([40, 20, 40])
    assert [to_hex(s.get_facecolor()).upper() for s in segs] == [
        palette.DETRACTORS,
        palette.PASSIVES,
        palette.PROMOTERS,
    ]
    assert texts(fig, "nps") == ["NPS +0"]
    groups = ["Detractors (0–6): 4 (40%)", "Passives (7–8): 2 (20%)", "Promoters (9–10): 4 (40%)"]
    stats = "NPS = % promoters − % detractors · median 7.5 · mean 6.8"
    assert texts(fig, "key") == ["   ·   ".join(groups) + "\n" + stats]
    # The 0–10 distribution too, in the groups' colours.
    assert [t.split("\n")[0] for t in texts(fig, "column")] == [str(v) for v in range(11)]
    assert texts(fig, "column")[9] == "9\n2 (20%)"
    colours = [to_hex(b.get_facecolor()).upper() for b in container(fig, COLUMNS_LABEL)]
    assert colours == [palette.DETRACTORS] * 7 + [palette.PASSIVES] * 2 + [palette.PROMOTERS] * 2


def test_ranking_is_sorted_by_borda_with_first_place_share() -> None:
    q = samples.ranking(["A", "B", "C"], [[1, 0, 2]] * 3 + [[0, 1, 2]] * 2)
    fig = build_figure(samples.survey([q]), q)
    # B: 3*2 + 2*1 = 8, A: 3*1 + 2*2 = 7, C: 0; max = 2 per respondent * 5 = 10
    assert texts(fig, "label") == ["★ 1st: B", "2nd: A", "3rd: C"]
    assert bar_percents(fig) == pytest.approx([80, 70, 0])
    assert texts(fig, "numbers") == ["8 pts · 1st: 3 (60%)", "7 pts · 1st: 2 (40%)", "0 pts · 1st: 0 (0%)"]


def test_text_shows_top_terms_only() -> None:
    q = samples.free_text(
        ["secret answer one", "budget", "budget rules", "rules", "x"], [("budget", 2), ("rules", 2)]
    )
    fig = build_figure(samples.survey([q]), q)
    assert texts(fig, "label") == ["budget", "rules"]
    assert texts(fig, "numbers") == ["2 (40%)", "2 (40%)"]
    assert not any("secret" in t for t in texts(fig))


def test_hidden_or_below_k_builds_no_figure() -> None:
    hidden = samples.hidden()
    with pytest.raises(HiddenResultError, match=r"n < 5"):
        build_figure(samples.survey([hidden], respondents=None), hidden)
    few = samples.choice(["A", "B"], [2, 1])  # a "visible" view with n = 3 < k = 5 is still refused
    with pytest.raises(HiddenResultError):
        build_figure(samples.survey([few], k=5), few)


def test_long_labels_are_wrapped() -> None:
    label = ("A rather long option label that goes on and on until it reaches the limit " + "z" * 10)[:75]
    assert len(label) == 75
    q = samples.choice([label] * 20, list(range(1, 21)))
    assert isinstance(q, ChoiceResult)
    fig = build_figure(samples.survey([q]), q)
    assert len(container(fig, VALUES_LABEL)) == 20
    assert all(ln.replace("\n", " ").removeprefix("★ ") == label for ln in texts(fig, "label"))
    width_in = fig.get_size_inches()[0]
    for t in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == "label"):
        longest = max(len(line) for line in t.get_text().split("\n"))  # type: ignore[attr-defined]
        assert longest * 10 * 0.6 / 72 < width_in  # each line fits the figure width at 10 pt
