"""End to end: an organiser builds a survey in the modal (one question of each kind) for 30 people;
they answer from their DMs (some change their minds, one saves a draft and resumes); it closes;
charts with alt text go to the channel, their numbers equal the aggregation, and nothing links
anyone to an answer."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bot.domain import QuestionKind, Status
from charts.renderer import MatplotlibChartRenderer
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness

SINGLE = ["Agree", "Neutral", "Disagree"]
MULTI = ["Budget", "Timeline", "Staffing", "Scope"]
RANKED = ["Option A", "Option B", "Option C"]
PEOPLE = MEMBERS  # U0001..U0030


def answers_of(i: int) -> dict[str, Any]:
    """Person i's final answers, as option values in the modal."""
    return {
        "single": str(i % 3),
        "multi": sorted({str(i % 4), str((i + 1) % 4)}),
        "scale": str(1 + i % 5),
        "ranking": [str((i + r) % 3) for r in range(3)],
        "text": f"Thought {i}: more time for questions",
    }


async def build_survey(slack: SlackHarness) -> str:
    await slack.command(ORGANISER, "new")
    view = slack.opened_view()
    assert view["callback_id"] == "canvass_builder"
    for _ in range(4):
        await slack.block_action(
            ORGANISER,
            {
                "action_id": "canvass_builder_add",
                "block_id": "b_add",
                "type": "button",
                "value": "",
                "action_ts": "1",
            },
            view=view,
        )
        view = slack.calls("views.update")[-1].response["view"]
    kinds = ["single", "multi", "scale", "ranking", "text"]
    texts = [
        "Do you agree with the proposal?",
        "Which risks matter most?",
        "How confident are you?",
        "Rank the options",
        "What should the meeting discuss?",
    ]
    options = {0: SINGLE, 1: MULTI, 3: RANKED}
    values: dict[str, Any] = {
        "b_title": "Pre-meeting questionnaire",
        "b_desc": "Before Thursday's session.",
        "b_mode": "after_close",
        "b_k": "5",
        "b_closes": "in 2d",
        "b_people": PEOPLE,
    }
    for i, kind in enumerate(kinds):
        values[f"b_q{i}_kind"] = kind
        values[f"b_q{i}_text"] = texts[i]
        if i in options:
            values[f"b_q{i}_options"] = "\n".join(options[i])
    values["b_q1_details"] = "2"
    values["b_q2_details"] = "1-5 Not at all | Fully"
    status, body = await slack.submit_view(ORGANISER, view, values)
    assert status == 200 and body == ""  # accepted: the modal closes
    await slack.settle()
    surveys = await slack.core.service.list_surveys([Status.OPEN])
    assert len(surveys) == 1
    return surveys[0].id


def modal_answers(view: dict[str, Any], qids: dict[str, str], chosen: dict[str, Any]) -> dict[str, Any]:
    """Block ids of the answer modal mapped to `chosen` answers (keys as in `answers_of`)."""
    out: dict[str, Any] = {}
    for key, value in chosen.items():
        if key == "ranking":
            for rank, pick in enumerate(value):
                out[f"q|{qids[key]}|{rank}"] = pick
        else:
            out[f"q|{qids[key]}"] = value
    return out


async def open_from_dm(slack: SlackHarness, user: str) -> dict[str, Any]:
    invitation = slack.last("chat.postMessage", channel=f"D{user}")
    await slack.click(user, invitation, "canvass_open_answer")
    view = slack.opened_view()
    assert view["callback_id"] == "canvass_answer"
    return view


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        for key in ("initial_option", "initial_options", "initial_value"):
            if key in element:
                found[block["block_id"]] = element[key]
    return found


def states(alt: str, counts: dict[str, int]) -> bool:
    """The real renderer's alt text reads "label: count (percent)" for every bar or segment."""
    return all(f"{label}: {count} (" in alt for label, count in counts.items())


async def test_survey_through_slack_end_to_end(start_slack: Any, tmp_path: Path) -> None:
    renderer = MatplotlibChartRenderer(max_workers=1)
    slack: SlackHarness = await start_slack(renderer=renderer)
    survey_id = await build_survey(slack)
    survey = await slack.core.service.get(survey_id)
    # The builder's five kinds; grid and lessons (rows, categories) come from survey files.
    builder_kinds = [k for k in QuestionKind if k not in (QuestionKind.GRID, QuestionKind.LESSONS)]
    assert [q.kind for q in survey.questions] == builder_kinds
    qids = dict(
        zip(["single", "multi", "scale", "ranking", "text"], [q.id for q in survey.questions], strict=True)
    )

    # 2. One DM with a Start button per invited person; the channel hears about it without buttons.
    dms = [c for c in slack.calls("chat.postMessage") if c.args["channel"].startswith("D")]
    assert sorted(c.args["channel"] for c in dms) == sorted(f"D{u}" for u in PEOPLE)
    assert all("canvass_open_answer" in json.dumps(c.args["blocks"]) for c in dms)
    announcement = slack.last("chat.postMessage", channel=CHANNEL)
    assert "canvass_vote" not in json.dumps(announcement.args["blocks"])
    assert "Anonymous" in json.dumps(announcement.args["blocks"])

    # 3. Everyone answers; three change their minds; the last one saves a draft and resumes.
    changers = PEOPLE[:3]
    drafter = PEOPLE[-1]
    for i, user in enumerate(PEOPLE, start=1):
        if user == drafter:
            continue
        first = answers_of(i + 1) if user in changers else answers_of(i)
        view = await open_from_dm(slack, user)
        _status, body = await slack.submit_view(user, view, modal_answers(view, qids, first))
        assert json.loads(body) == {"response_action": "clear"}, body
    for i, user in enumerate(changers, start=1):
        view = await open_from_dm(slack, user)
        assert "answered already" in json.dumps(view["blocks"])
        await slack.submit_view(user, view, modal_answers(view, qids, answers_of(i)))
        assert "changed" in slack.ephemerals_to(user)[-1]

    n = len(PEOPLE)
    final = answers_of(n)
    view = await open_from_dm(slack, drafter)
    partial = {k: final[k] for k in ("single", "scale")}
    await slack.close_view(drafter, view, modal_answers(view, qids, partial))  # closing keeps a draft
    view = await open_from_dm(slack, drafter)
    prefilled = initial_values(view)
    assert prefilled[f"q|{qids['single']}"]["value"] == final["single"]
    assert prefilled[f"q|{qids['scale']}"]["value"] == final["scale"]
    rest = {k: final[k] for k in ("multi", "ranking", "text")}
    await slack.block_action(
        drafter,
        {
            "action_id": "canvass_save_draft",
            "block_id": "draft",
            "type": "button",
            "value": survey_id,
            "action_ts": "2",
        },
        view=view,
        state=_state(view, modal_answers(view, qids, rest)),
    )
    saved_view = slack.calls("views.update")[-1].args["view"]
    assert "Draft saved" in json.dumps(saved_view["blocks"])
    view = await open_from_dm(slack, drafter)
    assert len(initial_values(view)) == 7  # every question prefilled (ranking uses three blocks)
    _, body = await slack.submit_view(drafter, view, {})
    assert json.loads(body) == {"response_action": "clear"}
    assert (await slack.core.service.progress(survey_id)).describe() == f"30+ of {n} answered"

    # Ephemeral confirmations go to each voter alone, one per submission, and never repeat an answer.
    opened = slack.ephemerals_to(ORGANISER)
    assert len(opened) == 1 and opened[0].startswith("Opened")
    ephemerals = [c for c in slack.calls("chat.postEphemeral") if c.args["user"] != ORGANISER]
    assert len(ephemerals) == n + len(changers)
    for call in ephemerals:
        assert call.args["channel"] == f"D{call.args['user']}"
        assert "Thought" not in call.args["text"] and not any(o in call.args["text"] for o in SINGLE + MULTI)

    # 4. Close; 5. the charts reach the channel with alt text whose numbers equal the aggregation.
    await slack.command(ORGANISER, f"close {survey_id}")
    uploads = [f for f in slack.fake.files.values() if f.completed]
    assert len(uploads) == 5 == renderer.renders
    assert all(f.channel == CHANNEL and f.data.startswith(b"\x89PNG") and f.alt_txt for f in uploads)
    by_question = {
        q.position + 1: next(f for f in uploads if q.text in f.alt_txt) for q in survey.questions
    }
    answers = [answers_of(i) for i in range(1, n + 1)]
    single = Counter(SINGLE[int(a["single"])] for a in answers)
    assert states(by_question[1].alt_txt, {label: single[label] for label in SINGLE})
    multi = Counter(MULTI[int(v)] for a in answers for v in a["multi"])
    assert states(by_question[2].alt_txt, {label: multi[label] for label in MULTI})
    scale = Counter(int(a["scale"]) for a in answers)
    assert states(by_question[3].alt_txt, {str(v): scale[v] for v in range(1, 6)})
    borda: Counter[str] = Counter()
    for a in answers:
        for rank, pick in enumerate(a["ranking"]):
            borda[RANKED[int(pick)]] += 2 - rank
    assert all(f"{label}: {points} Borda points" in by_question[4].alt_txt for label, points in borda.items())
    assert f"{n} answers are listed" in by_question[5].alt_txt
    assert f"n = {n}" in by_question[1].initial_comment  # the numbers as a table beside the chart
    header = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL][-1]
    assert f"{n} of {n} invited responded" in header.args["text"]

    # 6. Nothing posted in the channel, and nothing stored, names anyone.
    public = [c for c in slack.calls("chat.postMessage") if not c.args["channel"].startswith("D")]
    public += slack.calls("chat.update")
    posted = json.dumps([c.args for c in public]) + json.dumps([f.__dict__ for f in uploads], default=str)
    posted += json.dumps(slack.fake.responses)
    assert not any(user in posted for user in PEOPLE)
    await slack.core.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("canvass.db*"))
    assert stored, "the database file should exist"
    assert not any(user.encode() in stored for user in PEOPLE)


def _state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    from tests.slack.harness import fill

    return fill(view, answers)
