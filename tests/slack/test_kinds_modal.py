"""Grid and lessons questions answered in the Slack modal, through the real Bolt app over signed HTTP:
a select per grid row, lessons added with *Add another lesson* and removed again, a draft, and bad
input (a rating out of range, a lesson without a category, an 11th lesson) refused on the offending
block with nothing stored."""

from __future__ import annotations

import copy
import json
from typing import Any

from adapters.slack import kinds_modal
from adapters.slack.modals import answer_modal, paginate, room_of
from bot.domain import (
    Participant,
    Question,
    QuestionKind,
    QuestionSpec,
    ResultsMode,
    Status,
    Survey,
    SurveySpec,
    Target,
)
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness, fill
from tests.slack.markup import live_markup, texts_of

ROWS = ("Sanctions", "Mediation", "Travel bans", "Asset freezes")
CATEGORIES = ("process", "measures", "effect")
VOTER = MEMBERS[0]


async def kinds_survey(slack: SlackHarness) -> tuple[str, str, str]:
    spec = SurveySpec(
        title="Lessons learnt",
        questions=(
            QuestionSpec(
                QuestionKind.GRID,
                "Rate each of these measures",
                rows=ROWS,
                min_label="not effective",
                max_label="very effective",
                required=False,
            ),
            QuestionSpec(QuestionKind.LESSONS, "What did we learn?", categories=CATEGORIES),
        ),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=tuple(Participant("slack", u) for u in MEMBERS[:3]),
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    grid, lessons = survey.questions
    return survey.id, grid.id, lessons.id


async def open_modal(slack: SlackHarness) -> dict[str, Any]:
    await slack.click(VOTER, slack.last("chat.postMessage", channel=f"D{VOTER}"), "canvass_open_answer")
    return slack.opened_view()


def lesson_keys(view: dict[str, Any], qid: str) -> list[str]:
    prefix = f"q|{qid}|L"
    return [
        b["block_id"][len(prefix) :].split("|")[0] for b in view["blocks"] if b.get("block_id", "").endswith("|head")
    ]


def lesson(
    qid: str, key: str, category: str | None, polarity: str | None, title: str, desc: str = ""
) -> dict[str, Any]:
    base = f"q|{qid}|L{key}|"
    return {base + "cat": category, base + "pol": polarity, base + "title": title, base + "desc": desc}


def grid(qid: str, *ratings: str | None) -> dict[str, Any]:
    return {f"q|{qid}|{i}": r for i, r in enumerate(ratings)}


async def press(
    slack: SlackHarness, view: dict[str, Any], action_id: str, value: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """Press a button inside the open modal with `answers` typed in; returns the updated view."""
    before = len(slack.calls("views.update"))
    block = next(
        b for b in view["blocks"] for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("action_id") == action_id and e.get("value") == value
    )  # fmt: skip
    action = {"action_id": action_id, "block_id": block["block_id"], "type": "button", "value": value, "action_ts": "1"}
    await slack.block_action(VOTER, action, view=view, state=fill(view, answers))
    updates = slack.calls("views.update")
    assert len(updates) == before + 1, "the modal was not updated"
    return dict(updates[-1].response["view"])


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)


async def test_grid_and_lessons_answered_with_add_another_and_remove(slack: SlackHarness) -> None:
    survey_id, gid, lid = await kinds_survey(slack)
    view = await open_modal(slack)
    # One select per row, labelled with the row, its options the scale with the end labels.
    rows = [b for b in view["blocks"] if b.get("block_id", "").startswith(f"q|{gid}|")]
    assert [b["label"]["text"] for b in rows] == list(ROWS)
    assert all(b["optional"] for b in rows)  # an optional grid: any row may stay empty
    texts = [o["text"]["text"] for o in rows[0]["element"]["options"]]
    assert texts == ["1 · not effective", "2", "3", "4", "5 · very effective"]
    # One lesson to start with; its polarity says what + and - mean.
    (first,) = lesson_keys(view, lid)
    polarity = element(view, f"q|{lid}|L{first}|pol")
    assert [o["text"]["text"] for o in polarity["options"]] == [
        "Positive: practice to replicate",
        "Negative: room for improvement",
    ]

    typed = {
        **grid(gid, "4", "3", None, "2"),
        **lesson(lid, first, "0", "positive", "Early warning worked", "Two weeks ahead"),
    }
    view = await press(slack, view, "canvass_lesson_add", lid, typed)
    keys = lesson_keys(view, lid)
    assert len(keys) == 2 and keys[0] == first
    # Everything typed before the click is still there.
    assert element(view, f"q|{lid}|L{first}|title")["initial_value"] == "Early warning worked"
    assert element(view, f"q|{lid}|L{first}|cat")["initial_option"]["value"] == "0"
    assert element(view, f"q|{gid}|1")["initial_option"]["value"] == "3"
    assert "initial_option" not in element(view, f"q|{gid}|2")

    # A third lesson, then the middle one removed: the third keeps its own text, under its own key.
    typed |= lesson(lid, keys[1], "2", "negative", "Too slow to agree")
    view = await press(slack, view, "canvass_lesson_add", lid, typed)
    third = lesson_keys(view, lid)[2]
    typed |= lesson(lid, third, "1", "negative", "Bans came late", "They leaked")
    view = await press(slack, view, "canvass_lesson_remove", f"{lid}|{keys[1]}", typed)
    assert lesson_keys(view, lid) == [first, third]
    assert element(view, f"q|{lid}|L{third}|title")["initial_value"] == "Bans came late"
    assert "Lesson 2" in json.dumps(view["blocks"])  # renumbered for the reader

    _, body = await slack.submit_view(VOTER, view, {k: v for k, v in typed.items() if f"L{keys[1]}|" not in k})
    assert json.loads(body) == {"response_action": "clear"}, body
    assert await slack.core.repository.answer_counts(gid, False) == [("[4,3,null,2]", 1)]
    ((stored, count),) = await slack.core.repository.answer_counts(lid, False)
    assert count == 1
    assert [(e["category"], e["positive"], e["title"]) for e in json.loads(stored)] == [
        (0, True, "Early warning worked"),
        (1, False, "Bans came late"),
    ]
    assert await slack.core.repository.respondent_count(survey_id) == 1


async def test_a_draft_keeps_complete_lessons_and_the_screen_keeps_the_rest(slack: SlackHarness) -> None:
    survey_id, gid, lid = await kinds_survey(slack)
    view = await open_modal(slack)
    (first,) = lesson_keys(view, lid)
    typed = {**grid(gid, "5", None, None, None), **lesson(lid, first, "1", "positive", "Clear mandate")}
    view = await press(slack, view, "canvass_lesson_add", lid, typed)
    second = lesson_keys(view, lid)[1]
    typed |= lesson(lid, second, None, None, "Half written")  # no category yet
    view = await press(slack, view, "canvass_save_draft", survey_id, typed)
    assert "Draft saved" in json.dumps(view["blocks"])
    assert element(view, f"q|{lid}|L{second}|title")["initial_value"] == "Half written"  # still on screen
    # Opened again later: the draft holds the grid and the complete lesson only.
    view = await open_modal(slack)
    assert element(view, f"q|{gid}|0")["initial_option"]["value"] == "5"
    (only,) = lesson_keys(view, lid)
    assert element(view, f"q|{lid}|L{only}|title")["initial_value"] == "Clear mandate"
    assert element(view, f"q|{lid}|L{only}|cat")["initial_option"]["value"] == "1"


async def test_bad_grid_row_lesson_without_category_and_an_11th_lesson_are_refused(slack: SlackHarness) -> None:
    survey_id, gid, lid = await kinds_survey(slack)
    view = await open_modal(slack)
    (first,) = lesson_keys(view, lid)
    good = lesson(lid, first, "0", "positive", "Early warning worked")

    # A rating that is not on the scale (a forged option): refused on that row's block.
    _, body = await slack.submit_view(VOTER, view, {**grid(gid, "4", "9", None, None), **good})
    reply = json.loads(body)
    assert reply["response_action"] == "errors"
    assert reply["errors"] == {f"q|{gid}|1": "Question 1: row 2 ‘Mediation’: the rating must be from 1 to 5 (got 9)"}

    # A lesson without a category: refused on its category.
    _, body = await slack.submit_view(VOTER, view, lesson(lid, first, None, "negative", "No category"))
    errors = json.loads(body)["errors"]
    assert list(errors) == [f"q|{lid}|L{first}|cat"] and "choose a category" in errors[f"q|{lid}|L{first}|cat"]

    # Add another stops at ten lessons, with a note saying why.
    typed = dict(good)
    for n in range(9):
        view = await press(slack, view, "canvass_lesson_add", lid, typed)
        newest = lesson_keys(view, lid)[-1]
        typed |= lesson(lid, newest, str(n % 3), "negative", f"Lesson {n + 2}")
    assert len(lesson_keys(view, lid)) == 10
    view = await press(slack, view, "canvass_lesson_add", lid, typed)
    assert len(lesson_keys(view, lid)) == 10
    assert "10 lessons is the most" in json.dumps(view["blocks"])
    assert len(view["blocks"]) <= 100

    # An 11th lesson anyway (a forged view): refused on a lesson block, with the limit in the message.
    forged = copy.deepcopy(view)
    last = lesson_keys(view, lid)[-1]
    extra = [copy.deepcopy(b) for b in view["blocks"] if b.get("block_id", "").startswith(f"q|{lid}|L{last}|")]
    for block in extra:
        block["block_id"] = block["block_id"].replace(f"|L{last}|", "|L99|")
    at = forged["blocks"].index(next(b for b in forged["blocks"] if b.get("block_id") == f"q|{lid}|add"))
    forged["blocks"][at:at] = extra
    _, body = await slack.submit_view(VOTER, forged, typed | lesson(lid, "99", "0", "positive", "One too many"))
    errors = json.loads(body)["errors"]
    ((where, message),) = errors.items()
    assert where.startswith(f"q|{lid}|L") and "at most 10 lessons (got 11)" in message

    # Nothing of it was stored.
    assert await slack.core.repository.respondent_count(survey_id) == 0
    assert await slack.core.repository.answer_counts(gid, False) == []
    assert await slack.core.repository.answer_counts(lid, False) == []


async def test_hostile_rows_labels_and_categories_reach_the_modal_inert(slack: SlackHarness) -> None:
    hostile = "<!here> *boldx* `codex`"
    spec = SurveySpec(
        title="Hostile kinds",
        questions=(
            QuestionSpec(
                QuestionKind.GRID,
                f"Rate {hostile}",
                rows=(f"<@U123> {hostile}", "plain"),
                min_label="<https://evil.example|bad>",
                max_label="_italx_",
            ),
            QuestionSpec(QuestionKind.LESSONS, f"Lessons {hostile}", categories=(hostile, "~strikex~")),
        ),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=(Participant("slack", VOTER),),
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    view = await open_modal(slack)
    await press(slack, view, "canvass_lesson_add", survey.questions[1].id, {})
    sent = [
        text
        for method in ("views.open", "views.update")
        for c in slack.calls(method)
        for text in texts_of(method, c.args)
    ]
    words = ("boldx", "codex", "italx", "strikex")
    assert [p for text in sent for p in live_markup(text, words)] == []
    assert any("&lt;!here&gt;" in text for text in sent)  # not vacuous: the question text is there, escaped


def test_every_page_fits_slacks_block_limit_with_lessons_at_their_most() -> None:
    questions = [
        Question("g", 0, QuestionKind.GRID, "Grid", rows=tuple(f"row {i}" for i in range(20))),
        Question("l", 1, QuestionKind.LESSONS, "Lessons", categories=CATEGORIES),
        Question("m", 2, QuestionKind.LESSONS, "Many lessons", categories=CATEGORIES, max_entries=50),
        *(Question(f"s{i}", 3 + i, QuestionKind.SINGLE, f"Single {i}", options=("a", "b")) for i in range(40)),
    ]
    survey = Survey("sv1", "Big", Status.OPEN, tuple(questions), (), ResultsMode.AFTER_CLOSE, 3, None, None, "UTC", "x")
    pages = paginate(survey.questions)
    assert len(pages) > 1
    for number, page in enumerate(pages):
        forms = {
            q.id: kinds_modal.LessonsForm(
                tuple(kinds_modal.Entry(i) for i in range(kinds_modal.capacity(q, room_of(100))))
            )
            for q in page
            if q.kind is QuestionKind.LESSONS
        }
        view = answer_modal(survey, number, {}, "", answered_before=True, status="x", forms=forms)
        assert len(view["blocks"]) <= 100, (number, len(view["blocks"]))
    many = questions[2]
    assert kinds_modal.capacity(many, room_of(100)) == 18  # what one page holds; the README says so
