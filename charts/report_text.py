"""Survey-level wording shared by the PDF cover and the summary image."""

from __future__ import annotations

from bot.results import SurveyResults
from charts.textfmt import when


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
    return f"{results.respondents} of {results.invited} invited responded{live}."


def promise(results: SurveyResults) -> str:
    return (
        f"Answers are anonymous. Results are shown only as totals of at least {results.k} people; "
        "a unanimous result reveals everyone's answer."
    )
