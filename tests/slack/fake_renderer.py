"""A stand-in ChartRenderer until the charts branch lands: a tiny PNG, alt text stating the numbers."""

from __future__ import annotations

from bot.ports import RenderedChart
from bot.results import ChoiceResult, RankingResult, ScaleResult, SurveyResults, TextResult, VisibleResult
from bot.tables import question_table

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a5b2050000000049454e44ae426082"
)


def alt_text(question: VisibleResult) -> str:
    head = f"Q{question.question.position + 1}, n={question.respondents}: "
    if isinstance(question, ChoiceResult):
        return head + "; ".join(f"{o.label}={o.count}" for o in question.options)
    if isinstance(question, ScaleResult):
        return head + "; ".join(f"{b.value}={b.count}" for b in question.distribution)
    if isinstance(question, RankingResult):
        return head + "; ".join(f"{item.label}={item.borda}" for item in question.items)
    assert isinstance(question, TextResult)
    return head + f"{len(question.answers)} answers"


class FakeChartRenderer:
    def __init__(self) -> None:
        self.rendered = 0

    async def question_chart(self, results: SurveyResults, question: VisibleResult) -> RenderedChart:
        self.rendered += 1
        return RenderedChart(PNG, alt_text(question), question_table(question))

    async def survey_pdf(self, results: SurveyResults) -> bytes:
        return b"%PDF-1.4\n"

    async def summary_chart(self, results: SurveyResults) -> RenderedChart | None:
        return None
