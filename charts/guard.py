"""The k-anonymity gate: below k respondents nothing is drawn, whatever the caller passed in."""

from __future__ import annotations

from bot.errors import CanvassError
from bot.results import HiddenResult, QuestionResult, SurveyResults, VisibleResult, hidden_reason


class HiddenResultError(CanvassError):
    """Raised instead of rendering a result that has fewer than k respondents; the message is user-safe."""


def as_visible(results: SurveyResults, question: QuestionResult) -> VisibleResult | None:
    """The question when it may be shown, else None."""
    # Checked on the numbers too, not only the type: a visible view with n < k is still refused.
    if isinstance(question, HiddenResult) or results.respondents is None:
        return None
    return question if question.respondents >= max(results.k, 1) else None


def is_visible(results: SurveyResults, question: QuestionResult) -> bool:
    return as_visible(results, question) is not None


def ensure_visible(results: SurveyResults, question: QuestionResult) -> VisibleResult:
    visible = as_visible(results, question)
    if visible is None:
        reason = question.reason if isinstance(question, HiddenResult) else hidden_reason(results.k)
        raise HiddenResultError(reason)
    return visible


def visible_questions(results: SurveyResults) -> list[VisibleResult]:
    return [v for q in results.questions if (v := as_visible(results, q)) is not None]
