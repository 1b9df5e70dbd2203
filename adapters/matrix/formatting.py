"""Matrix message content: HTML with a plain-text body for every notice and table."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from adapters.matrix import kinds_prompts
from adapters.matrix.answers import how_to_reply
from bot.anonymity import FREE_TEXT_TRUTH, survey_notice
from bot.domain import Question, QuestionKind, Survey
from bot.ranking_places import place_labels
from bot.results import (
    ChoiceResult,
    GridResult,
    HiddenResult,
    LessonsResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
)
from bot.tables import grid_body, lessons_body, question_table, survey_table
from bot.timeparse import format_local

DM_HINT = "I have sent you a private message: answer there, where only you and I can see it."
CONTROLS = "skip · back · review · save · submit"


# Marks the announcements and results in shared rooms: a vote or reaction there gets the "not counted"
# note, one on any other message (a command's reply, someone else's) none (issue 16).
PUBLIC_MARK = "org.canvass.public"


def public(content: dict[str, Any]) -> dict[str, Any]:
    return {**content, PUBLIC_MARK: True}


def notice_content(body: str, html: str | None = None, msgtype: str = "m.notice") -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": msgtype, "body": body}
    if html is not None:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = html
    return content


def kind_label(question: Question) -> str:
    if question.kind in kinds_prompts.KINDS:
        return kinds_prompts.kind_label(question)
    return {
        QuestionKind.SINGLE: "one choice",
        QuestionKind.MULTI: f"up to {question.max_selections} choices",
        QuestionKind.SCALE: f"scale {question.scale_min}–{question.scale_max}",
        QuestionKind.RANKING: "ranking",
        QuestionKind.TEXT: "free text",
    }[question.kind]


def announcement(survey: Survey) -> dict[str, Any]:
    what = "Poll" if survey.is_poll else "Survey"
    # No internal id: participants read this too; organisers get it in the reply to their command.
    lines = [f"📋 {what}: {survey.title}"]
    html = [f"<p>📋 <strong>{what}: {escape(survey.title)}</strong></p>"]
    if survey.description:
        lines.append(survey.description)
        html.append(f"<p>{escape(survey.description)}</p>")
    items = []
    for q in survey.questions:
        lines.append(f"{q.position + 1}. {q.text} ({kind_label(q)})")
        listed = q.options or q.rows  # a grid's rows are listed like options
        opts = "".join(f"<li>{escape(o)}</li>" for o in listed)
        items.append(f"<li>{escape(q.text)} <em>({kind_label(q)})</em>{f'<ul>{opts}</ul>' if opts else ''}</li>")
        lines.extend(f"   - {o}" for o in listed)
    html.append(f"<ol>{''.join(items)}</ol>")
    if survey.closes_at:
        closes = f"Closes {format_local(survey.closes_at, survey.timezone)}."
        lines.append(closes)
        html.append(f"<p>{escape(closes)}</p>")
    lines += [survey_notice(survey), DM_HINT]
    html += [f"<p>{escape(survey_notice(survey))}</p>", f"<p><strong>{escape(DM_HINT)}</strong></p>"]
    return public(notice_content("\n".join(lines), "".join(html)))


def invitation(survey: Survey, ordinal: str = "", reminder: str = "") -> dict[str, Any]:
    """The first DM of a survey (or a reminder that restarts its flow): the deadline, the number of
    questions and the anonymity notice. No internal id: participants know a survey by its title, and by
    an ordinal ("Survey 2 of 2") while they have more than one open."""
    n = len(survey.questions)
    what = "poll" if survey.is_poll else f"survey of {n} question{'s' if n != 1 else ''}"
    closes = f" It closes {format_local(survey.closes_at, survey.timezone)}." if survey.closes_at else ""
    if reminder:
        head = reminder  # already names the survey and, unless the organiser's text has it, the deadline
    else:
        head = f"Hello! Please answer the {what} “{survey.title}”.{closes}"
    if ordinal:
        number = ordinal.split()[1]
        head = f"{ordinal}: {head} (You have more than one open: reply survey {number} to come back to this one.)"
    extra = "" if survey.is_poll else f"\nI will ask one question at a time. Any time: {CONTROLS}."
    body = f"{head}{extra}\n{survey_notice(survey)}"
    return notice_content(body, escape(body).replace("\n", "<br>"))


def question_prompt(survey: Survey, question: Question, lead: str = "", ordinal: str = "") -> str:
    """One message per question: for a poll, this is the poll's fallback body, with the text reply."""
    where = (
        ""
        if survey.is_poll
        else f"Question {question.position + 1} of {len(survey.questions)} ({kind_label(question)}). "
    )
    if ordinal:
        where = f"{ordinal}, “{survey.title}”. {where}"
    lines = [f"{lead} {where}{question.text}".strip()]
    if question.kind in kinds_prompts.KINDS:
        lines += kinds_prompts.prompt_lines(question)
        if not survey.is_poll:
            lines.append(f"Any time: {CONTROLS}.")
        if question.kind is QuestionKind.LESSONS:
            lines.append(FREE_TEXT_TRUTH[0].upper() + FREE_TEXT_TRUTH[1:] + ".")
        if not question.required and not survey.is_poll:
            lines.append("This question is optional: reply skip to leave it out.")
        return "\n".join(lines)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.RANKING):
        lines += [f"{i + 1}. {o}" for i, o in enumerate(question.options)]
    if question.kind is QuestionKind.SCALE and (question.min_label or question.max_label):
        lines.append(f"{question.scale_min} = {question.min_label}, {question.scale_max} = {question.max_label}")
    hint = how_to_reply(question)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        hint = "click an option, or " + hint
    lines.append(hint[0].upper() + hint[1:] + "." + ("" if survey.is_poll else f" ({CONTROLS})"))
    if question.kind is QuestionKind.TEXT:
        # The notice itself is in the invitation; this truth matters at the moment of writing.
        lines.append(FREE_TEXT_TRUTH[0].upper() + FREE_TEXT_TRUTH[1:] + ".")
    if not question.required and not survey.is_poll:
        lines.append("This question is optional: reply skip to leave it out.")
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def question_html(result: QuestionResult) -> str:
    title = f"<h4>Q{result.question.position + 1}. {escape(result.question.text)}</h4>"
    if isinstance(result, HiddenResult):
        return f"{title}<p>{escape(result.reason)}: nothing is shown.</p>"
    n = f"<p>n = {result.respondents}</p>"
    if isinstance(result, ChoiceResult):
        rows = [(o.label, str(o.count), f"{o.percent:.0f}%") for o in result.options]
        note = "<p>Percent of respondents; the total may exceed 100%.</p>" if result.multi else ""
        return title + n + _table(("option", "n", "%"), rows) + note
    if isinstance(result, ScaleResult):
        rows = [(str(b.value), str(b.count), f"{b.percent:.0f}%") for b in result.distribution]
        summary = (
            f"<p>median {result.median:g}, mean {result.mean:.2f}"
            + (f", NPS {result.nps:+.0f}" if result.nps is not None else "")
            + "</p>"
        )
        return title + n + summary + _table(("value", "n", "%"), rows)
    if isinstance(result, RankingResult):
        ranked = [
            (f"{place}: {it.label}", str(it.borda), f"{it.mean_borda:.2f}", f"{it.first_percent:.0f}%")
            for place, it in zip(place_labels(result), result.items, strict=True)
        ]
        return title + n + _table(("option (by Borda score)", "Borda", "mean", "ranked 1st"), ranked)
    if isinstance(result, (GridResult, LessonsResult)):
        # The plain-text table (bot/tables.py), escaped whole: rows, cells, and every lesson in full.
        body = grid_body(result) if isinstance(result, GridResult) else lessons_body(result)
        return f"{title}{n}<pre>{escape(body)}</pre>"
    terms = ", ".join(f"{t.term} ({t.respondents})" for t in result.top_terms) or "none shared by 2 or more people"
    answers = "".join(f"<li>{escape(a)}</li>" for a in result.answers)
    return f"{title}{n}<p>Top terms: {escape(terms)}</p><p>Answers (shuffled):</p><ul>{answers}</ul>"


def results_table(results: SurveyResults) -> dict[str, Any]:
    when = "live" if results.live else f"closed {format_local(results.closes_at, results.timezone)}"
    count = f"{results.respondents}" if results.respondents is not None else f"fewer than {results.k}"
    head = (
        f"<p><strong>{escape(results.title)}</strong> [<code>{results.survey_id}</code>] ({escape(when)}); "
        f"respondents: {count}</p>"
    )
    notes = "".join(f"<p><em>{escape(note)}</em></p>" for note in results.notes)  # e.g. late answers not shown
    html = head + notes + "".join(question_html(q) for q in results.questions)
    return public(notice_content(survey_table(results), html))


def chart_caption(result: QuestionResult) -> str:
    return question_table(result)
