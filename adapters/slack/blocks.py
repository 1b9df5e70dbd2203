"""Block Kit for channel and DM messages and App Home. Slack formatting lives here and in the modal builders.

Nothing built here ever contains a participant's answer: messages show stepped counts and, once at
least k people answered, aggregates only (DESIGN.md rules 5 and 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from adapters.slack import ids
from adapters.slack.escape import fenced, mrkdwn
from bot.anonymity import survey_notice
from bot.domain import QuestionKind, ResultsMode, Status, Survey
from bot.invitation_text import deadline_phrase, mentions_deadline, question_count, reminder_text
from bot.results import SurveyResults
from bot.service import Progress
from bot.tables import question_table, survey_table
from bot.textfmt import status_line
from bot.timeparse import format_local

Block = dict[str, Any]
SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section; leave room for the code fence
MESSAGE_BLOCK_LIMIT = 50
CHECKBOX_LIMIT = 10


# Participant-written text in a mrkdwn field always goes through this one escape (adapters.slack.escape).
esc = mrkdwn


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _mrkdwn_object(text: str) -> dict[str, Any]:
    # verbatim: Slack does not turn bare names, channels or URLs into links; our own <!date^…> still works.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    """A section of mrkdwn the caller wrote, with every participant string inside it escaped."""
    return {"type": "section", "text": _mrkdwn_object(text)}


def plain_section(text: str) -> Block:
    """A section of plain text: it can neither format, link nor ping, whatever it holds."""
    return {"type": "section", "text": plain(text, SECTION_LIMIT)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn_object(text)]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def input_block(block_id: str, label: str, element: dict[str, Any], optional: bool = False, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def multi_picker(action_id: str, options: list[dict[str, Any]], max_selections: int) -> dict[str, Any]:
    """Checkboxes while they fit; beyond Slack's checkbox limit, a multi-select menu."""
    if len(options) <= CHECKBOX_LIMIT:
        return {"type": "checkboxes", "action_id": action_id, "options": options}
    return {
        "type": "multi_static_select",
        "action_id": action_id,
        "options": options,
        "max_selected_items": max_selections,
        "placeholder": plain("Choose"),
    }


def slack_date(moment: datetime, zone: str) -> str:
    """A date each reader sees in their own time zone, with the survey's zone as the fallback text."""
    fallback = esc(format_local(moment, zone))
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _cost(text: str) -> int:
    return len(esc(text))  # escaping lengthens text (& becomes &amp;): measure what is sent


def _split_line(line: str, limit: int) -> list[str]:
    """One very long free-text answer, cut into pieces whose escaped form fits `limit`."""
    pieces: list[str] = []
    current, used = "", 0
    for ch in line:
        cost = _cost(ch)
        if current and used + cost > limit:
            pieces.append(current)
            current, used = "", 0
        current, used = current + ch, used + cost
    return [*pieces, current]


def code_chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split a table into pieces that each fit one section once escaped, breaking at line ends."""
    pieces: list[str] = []
    current, used = "", 0
    for whole in text.splitlines():
        for line in _split_line(whole, limit) if _cost(whole) > limit else [whole]:
            cost = _cost(line)
            if current and used + cost + 1 > limit:
                pieces.append(current)
                current, used = "", 0
            current, used = (f"{current}\n{line}", used + cost + 1) if current else (line, cost)
    if current:
        pieces.append(current)
    return pieces


def code_sections(text: str) -> list[Block]:
    return [section(fenced(piece)) for piece in code_chunks(text)]


# -- quick polls in a channel --------------------------------------------------------------------


def _vote_value(survey: Survey, answer: int) -> str:
    return f"{survey.id}|{survey.questions[0].id}|{answer}"


def _answer_blocks(survey: Survey) -> list[Block]:
    q = survey.questions[0]
    if q.kind is QuestionKind.SINGLE:
        buttons = [
            button(text, f"{ids.VOTE}:{i}", _vote_value(survey, i)) for i, text in enumerate(q.options)
        ]
        return [{"type": "actions", "block_id": f"vote|{survey.id}", "elements": buttons}]
    if q.kind is QuestionKind.SCALE:
        buttons = [button(str(v), f"{ids.VOTE}:{v}", _vote_value(survey, v)) for v in q.scale_values]
        blocks: list[Block] = [{"type": "actions", "block_id": f"vote|{survey.id}", "elements": buttons}]
        if q.min_label or q.max_label:
            blocks.append(context(esc(f"{q.scale_min} = {q.min_label} · {q.scale_max} = {q.max_label}")))
        return blocks
    if q.kind is QuestionKind.MULTI:
        options = [option(text, str(i)) for i, text in enumerate(q.options)]
        picker = multi_picker(ids.MULTI_PICK, options, q.max_selections)
        submit = button("Submit", ids.MULTI_SUBMIT, f"{survey.id}|{q.id}", style="primary")
        return [
            {"type": "actions", "block_id": f"{ids.MULTI_BLOCK}|{survey.id}", "elements": [picker, submit]},
            context(f"Choose up to {q.max_selections}, then Submit."),
        ]
    label = "Rank the options" if q.kind is QuestionKind.RANKING else "Answer"
    return [
        {
            "type": "actions",
            "block_id": f"open|{survey.id}",
            "elements": [button(label, ids.OPEN_ANSWER, survey.id, style="primary")],
        }
    ]


def _deadline(survey: Survey, reader_zone: str | None = None) -> str:
    if survey.closes_at is None:
        return "No deadline: closes when an organiser closes it"
    verb = "Closed" if survey.status is Status.CLOSED else "Closes"
    fallback_zone = survey.timezone
    if reader_zone and deadline_phrase(survey, reader_zone) != deadline_phrase(survey):
        fallback_zone = reader_zone  # a valid zone Slack gave for this reader
    return f"{verb} {slack_date(survey.closes_at, fallback_zone)}"


def poll_message(survey: Survey, progress: Progress, live: SurveyResults | None) -> tuple[str, list[Block]]:
    """The channel message of a one-question poll: answer controls, stepped count, deadline, notice."""
    q = survey.questions[0]
    head = f"*{esc(survey.title)}*"
    if q.text != survey.title:
        head += f"\n{esc(q.text)}"
    blocks: list[Block] = [section(head)]
    if survey.description:
        blocks.append(context(esc(survey.description)))
    if survey.status is Status.OPEN:
        blocks.extend(_answer_blocks(survey))
        blocks.append(context("Your answer goes only to Canvass; nobody in the channel sees it."))
    blocks.append(context(f"{esc(progress.describe())} · {_deadline(survey)}"))  # no internal id (issue 16)
    blocks.append(context(esc(survey_notice(survey))))
    if live is not None and not live.hidden:
        blocks.append(section("*Live results*"))
        blocks.extend(code_sections(survey_table(live)))
    if survey.status is Status.CLOSED:
        after = (
            "Results are posted below."
            if survey.results_mode is not ResultsMode.ORGANISERS
            else ("Results go to the organisers only.")
        )
        blocks.append(context(f"This poll is closed. {after}"))
    return esc(f"Poll: {survey.title}"), blocks[:MESSAGE_BLOCK_LIMIT]


def survey_announcement(survey: Survey, progress: Progress) -> tuple[str, list[Block]]:
    """A multi-question survey in the channel: participants answer from their DM, never here."""
    blocks: list[Block] = [section(f"📋 *{esc(survey.title)}* ({len(survey.questions)} questions)")]
    if survey.description:
        blocks.append(context(esc(survey.description)))
    if survey.status is Status.OPEN:
        blocks.append(
            context("Each participant got a direct message with a Start button. Answers are private.")
        )
    blocks.append(context(f"{esc(progress.describe())} · {_deadline(survey)}"))  # no internal id (issue 16)
    blocks.append(context(esc(survey_notice(survey))))
    return esc(f"Survey: {survey.title}"), blocks


def announcement(survey: Survey, progress: Progress, live: SurveyResults | None) -> tuple[str, list[Block]]:
    return poll_message(survey, progress, live) if survey.is_poll else survey_announcement(survey, progress)


def invitation(survey: Survey, reader_zone: str | None = None, reminder: str | None = None) -> tuple[str, list[Block]]:
    """The DM that starts a survey (or, with `reminder`, reminds of it): a Start button opening the private
    modal, the number of questions, the deadline in the reader's zone (once: not when the organiser's own
    text gives it), the anonymity notice. Never the raw survey id."""
    count = question_count(survey)
    if reminder is not None:
        head_text = reminder_text(survey, reminder, reader_zone)
        head = esc(head_text)
        given = True  # reminder_text said the deadline, or the organiser did
    else:
        head_text = f"You are invited to answer “{survey.title}” ({count})."
        head = f"You are invited to answer *{esc(survey.title)}* ({count})."
        given = mentions_deadline(survey.description, survey)
    blocks: list[Block] = [section(head)]
    if survey.description and reminder is None:
        blocks.append(context(esc(survey.description)))
    label = "Start" if reminder is None else "Answer"
    blocks.append(
        {
            "type": "actions",
            "block_id": f"open|{survey.id}",
            "elements": [button(label, ids.OPEN_ANSWER, survey.id, style="primary")],
        }
    )
    tail = "You can save a draft and come back, and change your answers until close."
    if not given:
        when = _deadline(survey, reader_zone)
        tail = f"{when} · {tail}"
        head_text = f"{head_text} It {deadline_phrase(survey, reader_zone)}."
    blocks.append(context(tail))
    blocks.append(context(esc(survey_notice(survey))))
    return esc(head_text), blocks


# -- results -------------------------------------------------------------------------------------


def results_header(results: SurveyResults) -> tuple[str, list[Block]]:
    count = f"{results.respondents}" if results.respondents is not None else f"fewer than {results.k}"
    invited = f" of {results.invited} invited" if results.invited else ""
    # The close time reads exactly as on the charts and in the tables (one function in the core).
    when = status_line(results)
    text = esc(f"📊 Results of “{results.title}” [{results.survey_id}] ({when}): {count}{invited} responded.")
    return text, [
        section(text),
        *(context(esc(note)) for note in results.notes),  # e.g. why late answers are not shown
        context(f"Totals of at least {results.k} people only; answers are anonymous."),
    ]


def question_results(result: Any) -> tuple[str, list[Block]]:
    table = question_table(result)
    return esc(table.splitlines()[0]), code_sections(table)[:MESSAGE_BLOCK_LIMIT]


def chart_comment(table_text: str) -> str:
    """The numbers beside a chart (a file comment is mrkdwn): free-text answers are in them."""
    return fenced(table_text)


# -- App Home ------------------------------------------------------------------------------------


def home_view(
    pending: Sequence[Survey],
    organised: Sequence[tuple[Survey, Progress]],
    is_organiser: bool,
) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": plain("Canvass", 150)}]
    blocks.append(section("*Waiting for your answer*"))
    if not pending:
        blocks.append(context("Nothing to answer right now."))
    for survey in pending[:20]:
        closes = f" · {_deadline(survey)}" if survey.closes_at else ""
        blocks.append(
            {
                "type": "section",
                "block_id": f"pending|{survey.id}",
                "text": _mrkdwn_object(f"*{esc(survey.title)}*{closes}"),
                "accessory": button("Answer", ids.OPEN_ANSWER, survey.id, style="primary"),
            }
        )
    if is_organiser:
        blocks.append({"type": "divider"})
        blocks.append(section("*Your surveys and polls*"))
        if not organised:
            blocks.append(context("None yet. Start one with `/canvass new` or `/canvass poll`."))
        for survey, progress in organised[:15]:
            blocks.append(
                section(f"*{esc(survey.title)}* `{survey.id}` · {survey.status} · {esc(progress.describe())}")
            )
            actions = [button("Results", ids.HOME_RESULTS, survey.id)]
            if survey.status is Status.OPEN:
                actions = [
                    button("Close now", ids.HOME_CLOSE, survey.id, style="danger"),
                    *actions,
                    button("Remind non-respondents", ids.HOME_REMIND, survey.id),
                ]
            blocks.append({"type": "actions", "block_id": f"manage|{survey.id}", "elements": actions})
    blocks.append(
        context("🔒 Answers are stored without any link to you and shown only as totals of several people.")
    )
    return {"type": "home", "blocks": blocks[:100]}
