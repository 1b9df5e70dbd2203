"""Survey-level wording shared by the slides, the handout and the chart headers."""

from __future__ import annotations

from bot.results import SurveyResults
from charts.textfmt import pct, when


def window(results: SurveyResults) -> str:
    """The time window in the survey's own time zone."""
    tz = results.timezone
    opens = when(results.opens_at, tz) if results.opens_at else "not set"
    closes = when(results.closes_at, tz) if results.closes_at else "not set"
    return f"Open {opens} – {closes} ({tz})"


def responses(results: SurveyResults) -> str:
    if results.respondents is None:
        # Hidden: not even the exact count is shown.
        return f"Fewer than {results.k} responses so far: results are hidden."
    live = " so far" if results.live else ""
    return f"{results.respondents} of {results.invited} {results.invited_word} responded{live}."


def response_rate(results: SurveyResults) -> str:
    """"17 of 20 invited (85%)": the same words on every slide, chart and page."""
    if results.respondents is None:
        return f"fewer than {results.k} responses"
    if results.invited <= 0:
        return f"{results.respondents} responded"
    share = pct(100 * results.respondents / results.invited)
    return f"{results.respondents} of {results.invited} {results.invited_word} ({share})"


def promise(results: SurveyResults) -> str:
    return (
        f"Answers are anonymous. Results are shown only as totals of at least {results.k} people; "
        "a unanimous result reveals everyone's answer."
    )
