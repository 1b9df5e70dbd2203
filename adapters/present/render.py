"""The presenter page as HTML: one slide per question, charts as SVG bars beside accessible text.

Every string a participant or organiser wrote goes through `html.escape`; no inline style or script
is emitted (the page's CSP forbids them), so SVG sizes are presentation attributes, never `style`.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from bot.domain import Target
from bot.presenting import PresentView
from bot.ranking_places import place_labels
from bot.results import (
    ChoiceResult,
    GridResult,
    HiddenResult,
    LessonsResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    TextResult,
)

MAX_TEXT_ANSWERS = 8  # on a projector; the rest stay in the chat's export


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def _bar(fraction: float) -> str:
    width = max(0.0, min(1.0, fraction)) * 100
    return (
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        f'<rect class="track" width="100" height="10"/><rect class="fill" width="{width:.2f}" height="10"/></svg>'
    )


def _row(label: str, value: str, fraction: float) -> str:
    return (
        f'<li class="row"><span class="label">{_e(label)}</span>{_bar(fraction)}'
        f'<span class="value">{_e(value)}</span></li>'
    )


def _density(rows: int) -> str:
    """Many options: labels go above their bars, and past 10 into two columns, so 20 fit one screen."""
    return "" if rows <= 6 else " dense" if rows <= 10 else " dense two-columns"


def _choice(result: ChoiceResult) -> str:
    rows = "".join(_row(o.label, f"{o.count} · {_pct(o.percent)}", o.percent / 100) for o in result.options)
    note = ""
    if result.multi:
        note = '<p class="note">People could choose several options, so the total is above 100%.</p>'
    return (
        f'<ul class="chart{_density(len(result.options))}" aria-label="Answers, with the count and share of each">'
        f"{rows}</ul>{note}"
    )


def _scale(result: ScaleResult) -> str:
    top = max((b.count for b in result.distribution), default=0) or 1
    rows = "".join(_row(str(b.value), f"{b.count} · {_pct(b.percent)}", b.count / top) for b in result.distribution)
    facts = [f"median {result.median:g}", f"mean {result.mean:.1f}"]
    if result.nps is not None:
        facts.append(f"NPS {result.nps:+.0f}")
    ends = ""
    if result.min_label or result.max_label:
        ends = (
            f'<p class="ends"><span>{result.scale_min} = {_e(result.min_label)}</span>'
            f"<span>{result.scale_max} = {_e(result.max_label)}</span></p>"
        )
    return (
        f'<ul class="chart scale{" compact" if len(result.distribution) > 7 else ""}" '
        f'aria-label="Ratings, with the count and share of each">{rows}</ul>{ends}'
        f'<p class="facts">{_e(" · ".join(facts))}</p>'
    )


def _ranking(result: RankingResult) -> str:
    top = result.max_borda_per_respondent or 1
    rows = "".join(
        _row(
            f"{place}: {item.label}", f"score {item.mean_borda:.1f} · first {_pct(item.first_percent)}",
            item.mean_borda / top,
        )
        for place, item in zip(place_labels(result), result.items, strict=True)
    )
    return f'<ol class="chart{_density(len(result.items))}" aria-label="Options by Borda score, best first">{rows}</ol>'


def _text(result: TextResult) -> str:
    shown = result.answers[:MAX_TEXT_ANSWERS]
    items = "".join(f"<li>{_e(answer)}</li>" for answer in shown)
    more = len(result.answers) - len(shown)
    extra = f'<p class="note">and {more} more in the chat’s results.</p>' if more > 0 else ""
    terms = ""
    if result.top_terms:
        terms = '<p class="facts">Frequent terms: ' + _e(", ".join(t.term for t in result.top_terms[:8])) + "</p>"
    return f'<ul class="answers" aria-label="Answers, in shuffled order">{items}</ul>{extra}{terms}'


def _grid(result: GridResult) -> str:
    """Each row's mean as a bar over the scale; a row under k says so and shows no number."""
    span = (result.scale_max - result.scale_min) or 1
    rows = "".join(
        _row(r.label, f"withheld (n < {result.k})", 0.0)
        if r.mean is None
        else _row(
            r.label, f"mean {r.mean:.1f} · median {r.median:g} · n {r.respondents}", (r.mean - result.scale_min) / span
        )
        for r in result.rows
    )
    return (
        f'<ul class="chart{_density(len(result.rows))}" aria-label="Items, with the mean rating of each">{rows}</ul>'
        f'<p class="facts">{_e(f"scale {result.scale_min}–{result.scale_max}")}</p>'
    )


def _lessons(result: LessonsResult) -> str:
    top = max(result.respondents, 1)
    rows = []
    for i, label in enumerate(result.categories):
        for positive in (True, False):
            count = result.cell(i, positive).respondents
            value = str(count) if count is not None else f"<{result.k}"
            rows.append(_row(f"{label} · {'positive' if positive else 'negative'}", value, (count or 0) / top))
    return (
        f'<ul class="chart dense" aria-label="Respondents who filed a lesson, per category and polarity">'
        f'{"".join(rows)}</ul><p class="note">{result.entry_count} lessons: see the handout.'
        f'{_e(" " + result.withheld_note) if result.withheld_note else ""}</p>'
    )


def _body(result: QuestionResult, k: int) -> str:
    if isinstance(result, HiddenResult):
        return f'<p class="waiting" role="status">Results appear when at least {k} have answered.</p>'
    if isinstance(result, ChoiceResult):
        return _choice(result)
    if isinstance(result, ScaleResult):
        return _scale(result)
    if isinstance(result, RankingResult):
        return _ranking(result)
    if isinstance(result, GridResult):
        return _grid(result)
    if isinstance(result, LessonsResult):
        return _lessons(result)
    return _text(result)


def join_link(targets: tuple[Target, ...]) -> str | None:
    """Where participants open the survey in their chat client (the first target with a link)."""
    for target in targets:
        if target.platform == "slack":
            return f"https://slack.com/app_redirect?channel={quote(target.channel, safe='')}"
        if target.platform == "matrix":
            return f"https://matrix.to/#/{quote(target.channel, safe='!:@#')}"
    return None


def _status(view: PresentView) -> str:
    if view.closed:
        return "Final results"
    return "Live" if view.results is not None else str(view.survey.status).capitalize()


def slides(view: PresentView, qr_svg: str | None = None) -> str:
    """The slides' HTML (also what the event stream sends): one <section> per question."""
    survey = view.survey
    count = len(survey.questions)
    status = _status(view)
    progress = view.progress.describe()
    # Why a final result is the last live update, say: the room is told the truth as the chat is.
    notes = "".join(f'<span class="note"> · {_e(n)}</span>' for n in (view.results.notes if view.results else ()))
    parts = []
    for q in survey.questions:
        result = view.results.questions[q.position] if view.results is not None else None
        if result is None:
            body = f'<p class="waiting" role="status">{_e(view.notice)}</p>'
        else:
            body = _body(result, survey.k)
        waiting = result is None or isinstance(result, HiddenResult)
        join = ""
        link = join_link(survey.targets)
        if waiting and link and not view.closed:
            code = f'<div class="qr" role="img" aria-label="QR code of the link">{qr_svg}</div>' if qr_svg else ""
            join = f'<div class="join">{code}<p>Answer in your chat: <span class="link">{_e(link)}</span></p></div>'
        parts.append(
            f'<section class="slide" data-index="{q.position}" aria-labelledby="q{q.position}" '
            f'aria-roledescription="slide">'
            f'<header class="meta"><span class="title">{_e(survey.title)}</span>'
            f'<span class="position">Question {q.position + 1} of {count}</span>'
            f'<span class="status" data-status="{_e(status)}">{_e(status)}</span></header>'
            f'<h1 id="q{q.position}" class="question{" long" if len(q.text) > 120 else ""}">{_e(q.text)}</h1>'
            f'<div class="body">{body}{join}</div>'
            f'<footer class="progress" aria-live="polite">{_e(progress)}{notes}</footer></section>'
        )
    return "".join(parts)


def page(view: PresentView, qr_svg: str | None = None) -> str:
    return (
        '<!doctype html><html lang="en" data-theme="light"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(view.survey.title)} · Canvass</title>"
        '<link rel="stylesheet" href="/present/static/present.css">'
        '<script src="/present/static/present.js" defer></script></head>'
        '<body><div id="slides" class="slides">'
        f"{slides(view, qr_svg)}</div>"
        '<nav class="controls" aria-label="Presenter controls">'
        '<button type="button" id="prev" aria-label="Previous question">‹</button>'
        '<button type="button" id="overview" aria-label="Overview of all questions (O)">O</button>'
        '<button type="button" id="theme" aria-label="Switch between light and high-contrast theme (C)">C</button>'
        '<button type="button" id="next" aria-label="Next question">›</button></nav>'
        '<p id="connection" class="connection" role="status" hidden>Reconnecting…</p>'
        "</body></html>"
    )
