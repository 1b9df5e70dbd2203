"""Break 11 (issue 10): participant text can never ping, link, format or close a code block in Slack.

Hostile free-text answers from several participants, and a hostile title, description and options,
go through the real Bolt app; every mrkdwn string the bot then sent (channel messages, the results
tables and file comments at close, DMs, ephemerals, App Home, modals, slash command replies) is read
the way Slack would read it."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import blocks
from adapters.slack.escape import mrkdwn
from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from charts.renderer import MatplotlibChartRenderer
from tests.slack.harness import CHANNEL, MEMBERS, ORGANISER, SlackHarness
from tests.slack.markup import CHAT_METHODS, live_markup, texts_of

WORDS = ("boldx", "italx", "strikex", "codex")  # formatting around these would be the participant's
HOSTILE = [
    "<!here> the meeting is cancelled",
    "<!channel> see",
    "<@U123> said it",
    "log in at <https://evil.example/login|your bank>",
    "``` closes the table <!here> *boldx* ```",
    "*boldx* _italx_ ~strikex~ `codex`",
    "@here @channel and @everyone",
    "R&D < budget > & <!subteam^S123>",
]
VOTERS = MEMBERS[: len(HOSTILE)]
TOKENS = ["<", ">", "&", "*", "_", "~", "`", "```", "|", "\n", " ", "a", "é", "<!here>", "@here", "<@U1>",
          "&amp;", "&lt;", "<https://x.example|y>", "boldx", ":", "!", "#C1"]  # fmt: skip


async def hostile_survey(slack: SlackHarness) -> str:
    spec = SurveySpec(
        title="<!channel> *boldx* Budget & plans",
        description="`codex` read <https://evil.example|the memo>",
        questions=(
            QuestionSpec(QuestionKind.TEXT, "What <!here> should change?"),
            QuestionSpec(QuestionKind.SINGLE, "Pick ~strikex~", ("<@U123>", "*boldx*", "plain")),
        ),
        targets=(Target("slack", CHANNEL),),
        k=3,
        roster=tuple(Participant("slack", u) for u in VOTERS),
    )
    survey = await slack.core.service.create_survey(slack.adapter.context.actor(ORGANISER), spec)
    await slack.core.delivery.open(None, survey.id)
    return survey.id


async def answer_all(slack: SlackHarness, survey_id: str) -> None:
    survey = await slack.core.service.get(survey_id)
    text_q, single_q = survey.questions
    for i, user in enumerate(VOTERS):
        invitation = slack.last("chat.postMessage", channel=f"D{user}")
        await slack.click(user, invitation, "canvass_open_answer")
        view = slack.opened_view()
        _, body = await slack.submit_view(user, view, {f"q|{text_q.id}": HOSTILE[i], f"q|{single_q.id}": str(i % 3)})
        assert json.loads(body) == {"response_action": "clear"}, body


def everything_sent(slack: SlackHarness) -> list[tuple[str, str]]:
    sent = [(c.method, text) for c in slack.fake.calls if c.status == 200 for text in texts_of(c.method, c.args)]
    sent += [("files.comment", f.initial_comment) for f in slack.fake.files.values() if f.initial_comment]
    sent += [("response_url", str(r.get("text") or "")) for r in slack.fake.responses]
    return sent


@pytest.mark.parametrize("charts", [False, True], ids=["tables", "charts"])
async def test_hostile_answers_and_titles_reach_slack_inert(start_slack: Any, charts: bool) -> None:
    renderer = MatplotlibChartRenderer(max_workers=1) if charts else None
    slack: SlackHarness = await start_slack(renderer=renderer)
    survey_id = await hostile_survey(slack)
    await answer_all(slack, survey_id)
    await slack.home_opened(ORGANISER, "EvHome")
    await slack.command(ORGANISER, f"close {survey_id}")
    await slack.command(ORGANISER, "list")

    sent = everything_sent(slack)
    problems = [(where, p, text[:120]) for where, text in sent for p in live_markup(text, WORDS)]
    assert problems == []
    # Not vacuous: the answers did reach the channel, escaped (as a table, or as the comment of a chart).
    results = " ".join(text for where, text in sent if where in ("chat.postMessage", "files.comment"))
    assert "closes the table &lt;!here&gt;" in results
    assert "&lt;https://evil.example/login|your bank&gt;" in results
    assert "R&amp;D &lt; budget &gt;" in results
    # Every chat call carries the flags that stop name and link parsing and previews.
    for call in slack.fake.calls:
        if call.method in CHAT_METHODS:
            flags = {k: call.args.get(k) for k in ("parse", "link_names", "unfurl_links", "unfurl_media")}
            assert flags == {"parse": "none", "link_names": False, "unfurl_links": False, "unfurl_media": False}


async def test_hostile_poll_options_typed_in_the_slash_command(slack: SlackHarness) -> None:
    # Slack escapes & < > in what was typed; the bot reads the text back, then escapes it on the way out.
    typed = 'poll "&lt;!here&gt; lunch *boldx*?" "&lt;@U123&gt;" "`codex`" --live --k 3'
    await slack.command(ORGANISER, typed)
    survey = (await slack.core.service.list_surveys())[0]
    assert survey.title == "<!here> lunch *boldx*?"
    message = slack.last("chat.postMessage", channel=CHANNEL)
    for user in MEMBERS[:3]:
        await slack.click(user, message, "canvass_vote:0")
    await slack.command(ORGANISER, f"close {survey.id}")
    problems = [(w, p) for w, text in everything_sent(slack) for p in live_markup(text, WORDS)]
    assert problems == []
    assert "&lt;!here&gt; lunch" in json.dumps(message.args["blocks"], ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_escaped_text_is_inert_and_reads_the_same(text: str) -> None:
    escaped = mrkdwn(text)
    assert not set(escaped) & set("<>*_~`"), escaped
    assert live_markup(escaped, WORDS) == [] and "@here" not in escaped
    # Only entities use "&", and undoing the escape gives back what the participant wrote.
    assert escaped.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0
    undone = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    for raw, look_alike in (("*", "\u2217"), ("_", "\u02cd"), ("~", "\u223c"), ("`", "\u02cb"), ("@", "\uff20")):
        undone = undone.replace(look_alike, raw)
    assert undone == text


def test_the_fast_path_of_the_escape_skips_only_text_it_would_not_change() -> None:
    """mrkdwn returns text as it is when none of the characters it changes is in it: each character
    any of its steps changes must be in that set, or such a text would go out live."""
    from adapters.slack import escape

    changed = {raw for raw, _entity in escape._CONTROL} | {chr(c) for c in escape._FORMAT} | {"@"}
    assert all(escape._TOUCHED.search(c) for c in changed)
    for c in changed:
        assert mrkdwn(f"x{c}here x") != f"x{c}here x"
    assert mrkdwn("Which one? → B") == "Which one? → B"


def test_tables_in_code_blocks_stay_one_block_whatever_the_answers() -> None:
    rng = random.Random(11)
    for _ in range(200):
        table = "\n".join("".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 40))) for _ in range(5))
        table += "&" * rng.choice([0, 3000])  # escaping lengthens it: each piece must still fit a section
        for block in blocks.code_sections(table):
            text = block["text"]["text"]
            assert live_markup(text, WORDS) == [] and len(text) <= 3000
        assert live_markup(blocks.chart_comment(table), WORDS) == []
