"""Aggregation against results computed by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.aggregation import aggregate, content_shuffle
from bot.domain import Lesson, Question, QuestionKind
from bot.results import ChoiceResult, HiddenResult, RankingResult, ScaleResult, TextResult
from bot.validation import encode_answer


def q(kind: QuestionKind, options: tuple[str, ...] = (), lo: int = 1, hi: int = 5, max_sel: int = 1) -> Question:
    return Question("s.1", 0, kind, "Q?", options, max_sel, lo, hi)


def grouped(*answers: object) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for answer in answers:
        key = encode_answer(tuple(answer) if isinstance(answer, list) else answer)  # type: ignore[arg-type]
        counts[key] = counts.get(key, 0) + 1
    return list(counts.items())


def test_single_counts_and_percent_of_respondents() -> None:
    result = aggregate(q(QuestionKind.SINGLE, ("A", "B", "C")), grouped(0, 0, 1, 0, 2, 1, 0, 0), k=5)
    assert isinstance(result, ChoiceResult)
    assert [(o.label, o.count) for o in result.options] == [("A", 5), ("B", 2), ("C", 1)]
    assert [round(o.percent, 1) for o in result.options] == [62.5, 25.0, 12.5]
    assert result.respondents == 8 and not result.multi


def test_multi_percentages_may_exceed_100() -> None:
    answers = [[0, 1], [0, 2], [0], [1, 2], [0, 1, 2]]
    result = aggregate(q(QuestionKind.MULTI, ("A", "B", "C"), max_sel=3), grouped(*answers), k=5)
    assert isinstance(result, ChoiceResult) and result.multi
    assert [o.count for o in result.options] == [4, 3, 3]
    assert [o.percent for o in result.options] == [80.0, 60.0, 60.0]
    assert sum(o.percent for o in result.options) == 200.0


def test_likert_distribution_median_mean() -> None:
    result = aggregate(q(QuestionKind.SCALE), grouped(1, 2, 2, 4, 5, 5), k=5)
    assert isinstance(result, ScaleResult)
    assert [b.count for b in result.distribution] == [1, 2, 0, 1, 2]
    assert result.median == 3.0  # even count: mean of the 3rd and 4th values (2 and 4)
    assert result.mean == pytest.approx(19 / 6)
    assert result.nps is None


def test_odd_median() -> None:
    result = aggregate(q(QuestionKind.SCALE), grouped(5, 1, 4, 4, 2), k=5)
    assert isinstance(result, ScaleResult) and result.median == 4.0


def test_nps_is_promoters_minus_detractors() -> None:
    # 10 answers: promoters 9,10,10 (3); passives 7,8 (2); detractors 0,3,5,6,6 (5)
    answers = (9, 10, 10, 7, 8, 0, 3, 5, 6, 6)
    result = aggregate(q(QuestionKind.SCALE, lo=0, hi=10), grouped(*answers), k=5)
    assert isinstance(result, ScaleResult)
    assert result.promoters_percent == 30.0 and result.passives_percent == 20.0 and result.detractors_percent == 50.0
    assert result.nps == -20.0
    assert len(result.distribution) == 11


def test_ranking_borda_and_first_place() -> None:
    # 3 options: 1st = 2 points, 2nd = 1, 3rd = 0
    answers = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [2, 1, 0], [1, 0, 2]]
    result = aggregate(q(QuestionKind.RANKING, ("X", "Y", "Z")), grouped(*answers), k=5)
    assert isinstance(result, RankingResult)
    # X: 2+2+1+0+1 = 6; Y: 1+0+2+1+2 = 6; Z: 0+1+0+2+0 = 3. Tie broken by option order.
    assert [(i.label, i.borda) for i in result.items] == [("X", 6), ("Y", 6), ("Z", 3)]
    assert [i.first_count for i in result.items] == [2, 2, 1]
    assert [i.first_percent for i in result.items] == [40.0, 40.0, 20.0]
    assert result.items[0].mean_borda == pytest.approx(1.2)


def test_text_top_terms_need_two_respondents_and_skip_stop_words() -> None:
    answers = ["Storage and storage again", "More storage please", "The timeline", "timeline matters", "unique"]
    result = aggregate(q(QuestionKind.TEXT), grouped(*answers), k=5)
    assert isinstance(result, TextResult)
    terms = {t.term: t.respondents for t in result.top_terms}
    assert terms == {"storage": 2, "timeline": 2}  # counted once per answer; "unique" has 1; "the" is a stop-word
    assert sorted(result.answers) == sorted(answers)


def test_text_order_depends_on_content_not_arrival() -> None:
    answers = [f"answer number {i}" for i in range(30)]
    shuffled = content_shuffle(answers)
    assert shuffled == content_shuffle(list(reversed(answers)))
    assert shuffled != sorted(answers) and shuffled != answers


@pytest.mark.parametrize("kind", list(QuestionKind))
def test_below_k_is_hidden(kind: QuestionKind) -> None:
    has_options = kind in (QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.RANKING)
    question = replace(
        q(kind, ("A", "B", "C") if has_options else ()),
        rows=("R",) if kind is QuestionKind.GRID else (),
        categories=("C",) if kind is QuestionKind.LESSONS else (),
    )
    answer = {"single": 0, "multi": [0], "scale": 3, "ranking": [0, 1, 2], "text": "hello", "grid": (3,),
              "lessons": (Lesson(0, True, "t"),)}[kind.value]  # fmt: skip
    result = aggregate(question, grouped(*[answer] * 4), k=5)
    assert isinstance(result, HiddenResult)
    assert result.reason == "not enough responses yet (n < 5)"
    assert not isinstance(aggregate(question, grouped(*[answer] * 5), k=5), HiddenResult)
