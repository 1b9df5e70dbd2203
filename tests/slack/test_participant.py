"""The participant's side in Slack (issue 11), through the real Bolt app over signed HTTP and the fake Web
API: answers in words, change one answer and keep the rest, the opt-in copy (and no trace of it in the
database), invitations in the reader's zone, a reminder with a working button, and stale buttons after close."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import aiohttp

from adapters.slack import ids
from adapters.slack.modals import paginate
from bot.contribution import NOT_STORED
from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from charts.renderer import MatplotlibChartRenderer
from tests.slack.conftest import Start
from tests.slack.fake_slack import Call
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness
from tests.storage.dbdump import dump_all, rows_mentioning
from tests.storage.rawfiles import holding, raw_bytes

PEOPLE = MEMBERS[:4]
WHY = "Zebracanary because the handover notes were lost"
QUESTIONS = (
    QuestionSpec(QuestionKind.MULTI, "Which went well?", ("Option A", "Option B", "Option C", "Option D"), 4),
    QuestionSpec(QuestionKind.SCALE, "Overall", scale_min=1, scale_max=5, min_label="poor", max_label="excellent"),
    QuestionSpec(QuestionKind.RANKING, "Rank the fixes", ("X", "Y", "Z")),
    QuestionSpec(QuestionKind.TEXT, "Anything else?", required=False),
    QuestionSpec(QuestionKind.TEXT, "What should change?"),
)


async def open_survey(slack: SlackHarness, description: str = "") -> str:
    spec = SurveySpec(
        title="Lessons learnt",
        description=description,
        questions=QUESTIONS,
        targets=(Target("slack", CHANNEL),),
        k=3,
        closes_at=slack.core.clock.now() + timedelta(days=2),
        timezone="Europe/Brussels",
        roster=tuple(Participant("slack", u) for u in PEOPLE),
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    return survey.id


def dm_to(slack: SlackHarness, user: str) -> Call:
    return next(c for c in reversed(slack.calls("chat.postMessage")) if c.args["channel"] == f"D{user}")


async def modal(slack: SlackHarness, user: str, message: Call) -> dict[str, Any]:
    await slack.click(user, message, ids.OPEN_ANSWER)
    return slack.opened_view()


def initial(view: dict[str, Any], block_id: str) -> Any:
    element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
    if "initial_options" in element:
        return sorted(o["value"] for o in element["initial_options"])
    if "initial_option" in element:
        return element["initial_option"]["value"]
    return element.get("initial_value")


async def get_copy(slack: SlackHarness, user: str, token: str) -> None:
    """Click "Get my copy" on the ephemeral confirmation (in the DM, where the modal was opened from)."""
    action = {"action_id": ids.GET_COPY, "block_id": "copy", "type": "button", "action_ts": "1", "value": token}
    await slack.block_action(user, action, channel=f"D{user}")


def _text(item: Any) -> str:
    text = item.get("text", "") if isinstance(item, dict) else item
    return _text(text) if isinstance(text, dict) else str(text or "")


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """What a person reads in the blocks: section texts, context and button labels."""
    return "\n".join(_text(b) or " ".join(_text(e) for e in b.get("elements", [])) for b in blocks)


async def test_change_one_answer_keep_the_rest_in_words_and_a_copy_without_trace(start_slack: Start) -> None:
    renderer = MatplotlibChartRenderer(max_workers=1)
    slack = await start_slack(renderer=renderer)
    slack.adapter.context.public_url = slack.url  # HTTP mode: the one-time link is served by this server
    survey_id = await open_survey(slack)
    survey = await slack.core.service.get(survey_id)
    q = [f"q|{question.id}" for question in survey.questions]
    user = PEOPLE[0]
    invitation = dm_to(slack, user)
    view = await modal(slack, user, invitation)
    first = {q[0]: ["0", "3"], q[1]: "4", f"{q[2]}|0": "2", f"{q[2]}|1": "0", f"{q[2]}|2": "1", q[4]: WHY}
    await slack.submit_view(user, view, first)  # question 4 (optional) skipped
    confirmation = slack.calls("chat.postEphemeral")[-1].args
    words = block_texts(confirmation["blocks"])
    assert "Option A, Option D" in words and "4 (of 1 = poor … 5 = excellent)" in words
    assert "1. Z  2. X  3. Y" in words and "4. Anything else?\n→ (skipped)" in words and WHY in words
    assert "(0, 3)" not in words and "recorded" in words

    # Reopen: the modal starts from the current answers; change one, keep the rest.
    view = await modal(slack, user, invitation)
    assert initial(view, q[0]) == ["0", "3"] and initial(view, q[1]) == "4" and initial(view, q[4]) == WHY
    assert [initial(view, f"{q[2]}|{r}") for r in range(3)] == ["2", "0", "1"]
    assert initial(view, q[3]) is None  # skipped stays skipped
    await slack.submit_view(user, view, {q[1]: "2"})  # the harness keeps every prefilled value as Slack would
    assert await slack.core.service.own_answers(Participant("slack", user), survey_id) == {
        survey.questions[0].id: (0, 3), survey.questions[1].id: 2, survey.questions[2].id: (2, 0, 1),
        survey.questions[4].id: WHY,
    }  # fmt: skip
    confirmation = slack.calls("chat.postEphemeral")[-1]
    assert "changed" in confirmation.args["text"]

    # The copy: opt-in, from the confirmation's button; the modal holds the text, then a one-time link.
    url = slack.core.config.database_url
    before = dump_all(url)
    token = next(e["value"] for b in confirmation.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    await get_copy(slack, user, token)
    copy_view = slack.calls("views.update")[-1].args["view"]
    text = block_texts(copy_view["blocks"])
    assert "Your contribution to “Lessons learnt”" in text and NOT_STORED in text
    assert "2 (of 1 = poor … 5 = excellent)" in text and WHY in text and "(skipped)" in text
    assert "Europe/Brussels" in text and "memory only" in text
    link = re.search(r"<(http[^|>]+)\|Download the PDF>", text)
    assert link, text
    async with aiohttp.ClientSession() as http:
        async with http.head(link.group(1)) as response:
            assert response.status == 405  # a probe does not use up the one download
        async with http.get(link.group(1)) as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
            assert (await response.read()).startswith(b"%PDF-")
        async with http.get(link.group(1)) as response:
            assert response.status == 404  # once only
    assert slack.adapter.context.copies.held == 0  # nothing of it is left in memory either
    # A second click on the same button finds nothing: the submission was handed out once.
    # (Another user's click on the first token would have found nothing too: CopyDesk.take checks the user.)
    await get_copy(slack, user, token)
    assert "no longer available" in json.dumps(slack.calls("views.open")[-1].args["view"])

    # Canary: the copy left nothing in the database (rows, main file, WAL). The free text is in its
    # ballot as any answer is; what only the copy holds (its framing, the PDF) is nowhere.
    assert dump_all(url) == before
    copy_only = [NOT_STORED, "Your contribution to", "%PDF-", "Download the PDF"]
    assert not holding(raw_bytes(url), copy_only)
    await slack.command(ORGANISER, f"close {survey_id}")
    await slack.core.repository.checkpointed()
    assert not holding(raw_bytes(url), [*copy_only, user])
    assert not rows_mentioning(url, [WHY]).keys() - {"sealed_ballots"}
    renderer.close()


async def test_invitation_in_the_readers_zone_and_a_reminder_with_a_working_button(slack: SlackHarness) -> None:
    slack.fake.zones[PEOPLE[1]] = "America/New_York"
    survey_id = await open_survey(slack)
    invitation = dm_to(slack, PEOPLE[1])
    text = invitation.args["text"] + json.dumps(invitation.args["blocks"])
    # 09:00 UTC in two days is 04:00 in New York (the escape keeps "_" from turning into italics).
    assert "5 questions" in text and "04:00 America/New" in text and "Anonymous" in text
    assert survey_id not in invitation.args["text"] + block_texts(invitation.args["blocks"])
    # A reminder, as the scheduler sends it to those who have not answered, carries the same button.
    assert slack.core.scheduler is not None
    survey = await slack.core.service.get(survey_id)
    sent = await slack.core.scheduler.sender.to_non_respondents(survey, "Please answer by Friday", _alive)
    assert sent == len(PEOPLE)
    reminder = dm_to(slack, PEOPLE[2])
    shown = reminder.args["text"] + block_texts(reminder.args["blocks"])
    assert "Please answer by Friday" in shown and "Closes" not in shown  # the organiser gave the deadline
    assert survey_id not in shown and "Lessons learnt" in shown
    view = await modal(slack, PEOPLE[2], reminder)
    assert view["callback_id"] == ids.ANSWER_VIEW
    plain = await slack.core.scheduler.sender.to_non_respondents(survey, "", _alive)
    assert plain == len(PEOPLE)
    reminder = dm_to(slack, PEOPLE[1])
    assert "It closes Wed 04 Mar 2026 04:00 America/New" in reminder.args["text"]  # said once, in their zone


async def _alive() -> bool:
    return True


async def test_after_close_the_invitation_is_gone_and_a_stale_button_says_closed(slack: SlackHarness) -> None:
    survey_id = await open_survey(slack)
    invitation = dm_to(slack, PEOPLE[3])
    await slack.command(ORGANISER, f"close {survey_id}")
    ref = (invitation.args["channel"], invitation.response["ts"])
    assert ref in {(c.args["channel"], c.args["ts"]) for c in slack.calls("chat.delete")}  # no trail of who was asked
    view = await modal(slack, PEOPLE[3], invitation)  # a client that still shows it
    shown = json.dumps(view)
    assert "is closed" in shown and f"results are posted in <#{CHANNEL}>" in shown and ids.OPEN_ANSWER not in shown


pages_passed: list[list[Any]] = []  # the drafts table after each "Next"


async def _through_pages(
    slack: SlackHarness, user: str, view: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    """Submit each page as Slack would (the prefilled values stay unless `answers` changes them); the seen
    initial values of every page's inputs."""
    seen: dict[str, Any] = {}
    pages_passed.clear()
    while True:
        seen.update({b["block_id"]: initial(view, b["block_id"]) for b in view["blocks"] if b.get("type") == "input"})
        status, body = await slack.submit_view(user, view, answers)
        assert status == 200
        reply = json.loads(body) if body else {}
        if reply.get("response_action") not in ("push", "update") or "view" not in reply:
            return seen
        pages_passed.append(dump_all(slack.core.config.database_url)["drafts"])
        view = dict(reply["view"], id=f"VPAGE{len(seen)}")


async def test_a_paged_modal_is_prefilled_on_every_page(start_slack: Start) -> None:
    slack = await start_slack(modal_block_limit=9)  # the ranking question needs a page of its own
    survey_id = await open_survey(slack)
    survey = await slack.core.service.get(survey_id)
    assert len(paginate(survey.questions, 9)) >= 2
    q = [f"q|{question.id}" for question in survey.questions]
    user = PEOPLE[1]
    invitation = dm_to(slack, user)
    answers = {q[0]: ["1"], q[1]: "5", f"{q[2]}|0": "0", f"{q[2]}|1": "1", f"{q[2]}|2": "2", q[4]: WHY}
    first = await _through_pages(slack, user, await modal(slack, user, invitation), answers)
    assert len(first) == len(answers) + 1  # every input seen, over several pages; question 4 skipped
    assert all(pages_passed)  # before a first submission, pages passed are a draft (to resume later)
    assert "recorded" in slack.calls("chat.postEphemeral")[-1].args["text"]
    second = await modal(slack, user, invitation)
    assert ids.SAVE_DRAFT not in json.dumps(second) and not second["notify_on_close"]
    seen = await _through_pages(slack, user, second, {})
    assert seen == {**answers, q[3]: None}  # every page starts from the current answers; skipped stays skipped
    # The pages passed waited in memory, never as a draft row joining the answers of one person.
    assert pages_passed and not any(pages_passed)
    assert "changed" in slack.calls("chat.postEphemeral")[-1].args["text"]
    own = await slack.core.service.own_answers(Participant("slack", user), survey_id)
    assert survey.questions[3].id not in own and own[survey.questions[4].id] == WHY


async def test_without_a_public_url_or_in_socket_mode_the_copy_is_the_text_alone(start_slack: Start) -> None:
    renderer = MatplotlibChartRenderer(max_workers=1)
    slack = await start_slack(renderer=renderer)
    survey_id = await open_survey(slack)
    survey = await slack.core.service.get(survey_id)
    q = [f"q|{question.id}" for question in survey.questions]
    answers = {q[0]: ["1"], q[1]: "3", f"{q[2]}|0": "0", f"{q[2]}|1": "1", f"{q[2]}|2": "2", q[4]: WHY}
    for mode, reason in (("http", "has not set [slack] public_url"), ("socket", "exports can read DMs")):
        slack.adapter.context.mode = mode
        user = PEOPLE[0] if mode == "http" else PEOPLE[1]
        await slack.submit_view(user, await modal(slack, user, dm_to(slack, user)), answers)
        confirmation = slack.calls("chat.postEphemeral")[-1]
        token = next(e["value"] for b in confirmation.args["blocks"] if b["type"] == "actions" for e in b["elements"])
        await get_copy(slack, user, token)
        shown = block_texts(slack.calls("views.open")[-1].args["view"]["blocks"])
        assert reason in shown and WHY in shown and "Download the PDF" not in shown
    assert not slack.calls("files.getUploadURLExternal")  # no DM upload, ever
    renderer.close()
