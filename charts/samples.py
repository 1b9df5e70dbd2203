"""Sample result views for the benchmark, tests and demos (aggregates only, made up)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain import QuestionKind
from bot.results import (
    ChoiceResult,
    HiddenResult,
    OptionCount,
    QuestionHeader,
    QuestionResult,
    RankedOption,
    RankingResult,
    ScaleBucket,
    ScaleResult,
    SurveyResults,
    TermCount,
    TextResult,
    hidden_reason,
)

CLOSE = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 15:00 in Brussels


def header(kind: QuestionKind, text: str = "", position: int = 1) -> QuestionHeader:
    return QuestionHeader(
        id=f"q{position}",
        position=position - 1,  # samples count from 1, as people do; the core counts from 0
        kind=kind,
        text=text or f"Sample {kind.value} question number {position}?",
    )


def choice(
    labels: list[str],
    counts: list[int],
    respondents: int | None = None,
    multi: bool = False,
    text: str = "",
    position: int = 1,
) -> ChoiceResult:
    n = respondents if respondents is not None else sum(counts)
    kind = QuestionKind.MULTI if multi else QuestionKind.SINGLE
    return ChoiceResult(
        header(kind, text, position),
        n,
        tuple(OptionCount(lbl, c, 100 * c / n) for lbl, c in zip(labels, counts, strict=True)),
        multi,
    )


def scale(
    counts: list[int],
    lo: int = 1,
    text: str = "",
    position: int = 1,
    min_label: str = "Strongly disagree",
    max_label: str = "Strongly agree",
) -> ScaleResult:
    n = sum(counts)
    values = [v for v, c in zip(range(lo, lo + len(counts)), counts, strict=True) for _ in range(c)]
    mid = len(values) // 2
    median = float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    dist = tuple(ScaleBucket(lo + i, c, 100 * c / n) for i, c in enumerate(counts))
    hi = lo + len(counts) - 1
    nps = pro = pas = det = None
    if lo == 0 and hi == 10:
        det, pas, pro = (100 * sum(counts[a:b]) / n for a, b in ((0, 7), (7, 9), (9, 11)))
        nps = pro - det
    return ScaleResult(
        header(QuestionKind.SCALE, text, position),
        n,
        dist,
        median,
        sum(values) / n,
        lo,
        hi,
        min_label,
        max_label,
        nps,
        pro,
        pas,
        det,
    )


def ranking(labels: list[str], orders: list[list[int]], text: str = "", position: int = 1) -> RankingResult:
    """`orders`: one list of option indexes per respondent, best first."""
    n_opt, n = len(labels), len(orders)
    borda = [0] * n_opt
    first = [0] * n_opt
    for order in orders:
        first[order[0]] += 1
        for pos, opt in enumerate(order):
            borda[opt] += n_opt - 1 - pos
    ranked = sorted(range(n_opt), key=lambda i: (-borda[i], i))
    items = tuple(RankedOption(labels[i], borda[i], borda[i] / n, first[i], 100 * first[i] / n) for i in ranked)
    return RankingResult(header(QuestionKind.RANKING, text, position), n, items, n_opt - 1)


def free_text(answers: list[str], terms: list[tuple[str, int]], text: str = "", position: int = 1) -> TextResult:
    return TextResult(
        header(QuestionKind.TEXT, text, position),
        len(answers),
        tuple(answers),
        tuple(TermCount(t, c) for t, c in terms),
    )


def hidden(kind: QuestionKind = QuestionKind.SINGLE, k: int = 5, position: int = 1) -> HiddenResult:
    return HiddenResult(header(kind, "", position), k, hidden_reason(k))


def survey(
    questions: list[QuestionResult],
    respondents: int | None = None,
    k: int = 5,
    live: bool = False,
    title: str = "Policy workshop pre-read",
) -> SurveyResults:
    visible = [q for q in questions if not isinstance(q, HiddenResult)]
    if respondents is None and visible:
        respondents = max(q.respondents for q in visible)
    return SurveyResults(
        survey_id="s1",
        title=title,
        status="open" if live else "closed",
        live=live,
        as_of=CLOSE,
        opens_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
        closes_at=CLOSE,
        timezone="Europe/Brussels",
        k=k,
        respondents=respondents,
        invited=30,
        questions=tuple(questions),
    )


def workshop() -> SurveyResults:
    """One question of each kind, as in a pre-meeting questionnaire."""
    return survey(
        [
            choice(
                ["Option A: extend the programme", "Option B: pause and review", "Option C: stop"],
                [11, 8, 4],
                text="Which option should the council prefer for the 2027 budget cycle?",
                position=1,
            ),
            choice(
                ["Climate", "Migration", "Energy prices", "Digital single market", "Defence"],
                [15, 9, 12, 5, 7],
                respondents=23,
                multi=True,
                text="Which topics should the next session cover?",
                position=2,
            ),
            scale([2, 3, 5, 9, 4], text="The current framework is fit for purpose.", position=3),
            scale(
                [1, 1, 0, 2, 1, 2, 3, 4, 3, 4, 2],
                lo=0,
                min_label="Not at all likely",
                max_label="Extremely likely",
                text="How likely are you to recommend this format to a colleague?",
                position=4,
            ),
            ranking(
                ["Speed", "Cost", "Legitimacy", "Simplicity"],
                [[2, 0, 1, 3]] * 9 + [[0, 2, 3, 1]] * 7 + [[1, 3, 2, 0]] * 7,
                text="Rank these criteria by importance.",
                position=5,
            ),
            free_text(
                [f"Answer {i}: we need clearer budget rules and earlier consultation." for i in range(12)],
                [("budget", 9), ("consultation", 6), ("rules", 5), ("earlier", 3)],
                text="What is the main obstacle today?",
                position=6,
            ),
        ]
    )


TOOLBOX_ROWS = (
    "Political and diplomatic démarches",
    "Restrictive measures (sanctions)",
    "Mediation support",
    "Strategic communication",
    "Early-warning and conflict analysis",
)
TOOLBOX_CATEGORIES = ("process", "measures", "effect")
WHERE = ("Noted in the debrief", "Raised by the desk officers", "Seen in the first weeks", "Clear from the reports")


def toolbox(k: int = 5) -> SurveyResults:
    """A lessons-learnt questionnaire on a diplomatic toolbox: a grid and a lessons question, counted by the real
    aggregation from made-up ballots (12 delegations; the last row is rated by too few to be shown)."""
    from bot.aggregation import aggregate
    from bot.domain import Lesson, Question
    from bot.validation import encode_answer

    grid = Question("q1", 0, QuestionKind.GRID, "How effective was each instrument of the toolbox in this crisis?",
                    min_label="Not effective", max_label="Very effective", required=False,
                    rows=TOOLBOX_ROWS)  # fmt: skip
    lessons = Question("q2", 1, QuestionKind.LESSONS, "Which lessons should the next crisis response keep or change?",
                       categories=TOOLBOX_CATEGORIES)  # fmt: skip
    ratings = [(4, 3, 5, 2, None), (5, 2, 4, 3, None), (3, 3, 4, 2, 4), (4, 1, 5, 3, None), (2, 2, 3, 1, None),
               (4, 3, 4, 4, 5), (5, 2, 5, 3, None), (3, 4, 4, 2, None), (4, 2, 3, 3, None), (4, 3, 5, 2, None),
               (2, 1, 4, 3, 3), (5, 3, 4, 2, None)]  # fmt: skip
    pool = {
        (0, True): ["Early coordination call worked", "One lead per capital", "Shared situation picture"],
        (0, False): ["Too many parallel formats", "Late consultation of missions", "Unclear mandate at first"],
        (1, True): ["Targeted listings were quick", "Clear messaging with partners"],
        (1, False): ["Humanitarian exemptions came late", "Enforcement varied by country"],
        (2, True): ["Mediation kept channels open"],
        (2, False): ["Effect hard to measure", "No baseline before the measures"],
    }
    cells = list(pool)
    entries = []
    for i in range(len(ratings)):
        picks = [cells[(i + j * 2) % len(cells)] for j in range(1 + i % 3)] + [(0, True) if i % 2 else (0, False)]
        entries.append(tuple(
            Lesson(c, p, pool[(c, p)][(i + n) % len(pool[(c, p)])],
                   f"{WHERE[i % len(WHERE)]}: what happened, and why it matters next time." if n % 2 == 0 else "")
            for n, (c, p) in enumerate(dict.fromkeys(picks))
        ))  # fmt: skip
    counted = [
        aggregate(grid, [(encode_answer(r), 1) for r in ratings], k),
        aggregate(lessons, [(encode_answer(e), 1) for e in entries], k),
    ]
    return survey(counted, respondents=len(ratings), k=k, title="Lessons learnt: the crisis toolbox")
