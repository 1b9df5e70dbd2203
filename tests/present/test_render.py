"""The slides' HTML: hostile text is escaped, nothing below k is drawn, and the waiting screen links the chat."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.present.qr import qr_svg
from adapters.present.render import join_link, page, slides
from bot.domain import Question as Q
from bot.domain import QuestionKind, ResultsMode, Status, Survey, Target
from bot.presenting import PresentView
from bot.results import ChoiceResult, HiddenResult, OptionCount, QuestionHeader, SurveyResults, TextResult
from bot.service import Progress

HOSTILE = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'


def survey(*targets: Target) -> Survey:
    return Survey(
        id="abc1234", title=HOSTILE, status=Status.OPEN, results_mode=ResultsMode.LIVE, k=5, opens_at=None,
        closes_at=None, timezone="UTC", created_by="console:organiser", targets=targets,
        questions=(Q("abc1234-0", 0, QuestionKind.SINGLE, HOSTILE, (HOSTILE, "B")),
                   Q("abc1234-1", 1, QuestionKind.TEXT, "Say?")),
    )  # fmt: skip


def results(*questions: object) -> SurveyResults:
    return SurveyResults("abc1234", HOSTILE, "open", True, datetime.now(UTC), None, None, "UTC", 5, 5, 9,
                         questions)  # type: ignore[arg-type]  # fmt: skip


def header(position: int, kind: QuestionKind) -> QuestionHeader:
    return QuestionHeader(f"abc1234-{position}", position, kind, HOSTILE)


def test_participant_and_organiser_text_is_escaped_everywhere() -> None:
    shown = results(
        ChoiceResult(
            header(0, QuestionKind.SINGLE), 5, (OptionCount(HOSTILE, 3, 60.0), OptionCount("B", 2, 40.0)), False
        ),
        TextResult(header(1, QuestionKind.TEXT), 5, (HOSTILE,) * 5, ()),
    )
    html = page(PresentView(survey(), Progress(5, 9, 5), shown, ""))
    assert "<img" not in html and "<script>alert" not in html and 'onerror="' not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 5
    assert "3 · 60%" in html


def test_below_k_nothing_is_drawn_and_the_chat_is_linked() -> None:
    hidden = results(HiddenResult(header(0, QuestionKind.SINGLE), 5, "n < 5"),
                     HiddenResult(header(1, QuestionKind.TEXT), 5, "n < 5"))  # fmt: skip
    view = PresentView(survey(Target("slack", "C123")), Progress(None, 9, 5), hidden, "")
    html = slides(view, qr_svg(join_link(view.survey.targets) or ""))
    assert 'class="chart' not in html and "%" not in html
    assert html.count("Results appear when at least 5 have answered.") == 2
    assert "fewer than 5 of 9 answered" in html
    assert "https://slack.com/app_redirect?channel=C123" in html and '<svg class="qr-code"' in html
    assert join_link((Target("matrix", "!room:example.org"),)) == "https://matrix.to/#/!room:example.org"
    assert join_link((Target("console", "general"),)) is None


def test_a_final_result_frozen_at_the_last_live_update_says_so_on_the_page_and_in_the_csv() -> None:
    from dataclasses import replace

    from charts.export import to_csv

    note = "Final results of question 1 are those of the last live update: fewer than 5 answers came."
    frozen = replace(
        results(
            ChoiceResult(
                header(0, QuestionKind.SINGLE), 5, (OptionCount("A", 5, 100.0), OptionCount("B", 0, 0.0)), False
            ),
            HiddenResult(header(1, QuestionKind.TEXT), 5, "n < 5"),
        ),
        status="closed",
        live=False,
        notes=(note,),
    )
    assert note in slides(PresentView(survey(), Progress(5, 9, 5), frozen, ""))
    assert note in to_csv(frozen)
