"""The adapter's pure parts: poll events, text replies, invite rules, power levels, pacing."""

from __future__ import annotations

import pytest

from adapters.matrix import polls
from adapters.matrix.answers import parse_reply
from adapters.matrix.commands import creators, power_level, strip_prefix
from adapters.matrix.ratelimit import RateLimiter
from adapters.matrix.router import allowed
from bot.domain import Question, QuestionKind
from bot.errors import InvalidInput

SINGLE = Question("q1", 0, QuestionKind.SINGLE, "Colour?", ("Red", "Green", "Blue"))
MULTI = Question("q2", 1, QuestionKind.MULTI, "Drinks?", ("Tea", "Coffee", "Water"), max_selections=2)
SCALE = Question(
    "q3", 2, QuestionKind.SCALE, "Rate", scale_min=0, scale_max=10, min_label="no", max_label="yes"
)
RANKING = Question("q4", 3, QuestionKind.RANKING, "Rank", ("A", "B", "C"))


def test_poll_start_uses_the_unstable_form_with_a_text_fallback() -> None:
    content = polls.start_content(MULTI, "fallback: reply 1, 2 or 3")
    start = content[polls.POLL_START]
    assert start["max_selections"] == 2
    assert [a["id"] for a in start["answers"]] == ["a1", "a2", "a3"]
    assert start["answers"][1][polls.TEXT] == "Coffee"
    assert content["body"] == "fallback: reply 1, 2 or 3"
    assert [a[polls.TEXT] for a in polls.start_content(SCALE, "x")[polls.POLL_START]["answers"]][::10] == [
        "0 (no)",
        "10 (yes)",
    ]


@pytest.mark.parametrize("kind", ["org.matrix.msc3381.poll.response", "m.poll.response"])
def test_responses_are_read_in_unstable_and_stable_forms(kind: str) -> None:
    block = kind if kind.startswith("org") else "m.poll.response"
    content = {"m.relates_to": {"rel_type": "m.reference", "event_id": "$start"}, block: {"answers": ["a2"]}}
    assert polls.parse_response(kind, content) == polls.PollResponse("$start", ("a2",))
    assert polls.parse_response("m.room.message", content) is None


def test_answer_ids_become_core_answers_and_unknown_ids_are_refused() -> None:
    assert polls.raw_answer(SINGLE, ("a3",)) == 2
    assert polls.raw_answer(MULTI, ("a1", "a3", "a1")) == [0, 2]
    assert polls.raw_answer(SCALE, ("a11",)) == 10
    for bad in (("a4",), (), ("x",)):
        with pytest.raises(InvalidInput):
            polls.raw_answer(SINGLE, bad)


def test_text_replies_are_numbers_for_people_and_indexes_for_the_core() -> None:
    assert parse_reply(SINGLE, " 2 ") == 1
    assert parse_reply(MULTI, "1, 3") == [0, 2]
    assert parse_reply(SCALE, "7") == 7
    assert parse_reply(RANKING, "3 1 2") == [2, 0, 1]
    with pytest.raises(InvalidInput):
        parse_reply(SINGLE, "the red one")
    with pytest.raises(InvalidInput):
        parse_reply(SINGLE, "1 2")


def test_invites_only_from_allowed_users_or_servers() -> None:
    rules = ["@boss:example.org", ":corp.example"]
    assert allowed("@boss:example.org", rules)
    assert allowed("@anyone:corp.example", rules)
    assert not allowed("@other:example.org", rules)
    assert not allowed("@x:evilcorp.example", rules)
    assert not allowed("@boss:example.org", [])


def test_organiser_power_and_room_v12_creators() -> None:
    levels = {"users": {"@a:x": 50, "@b:x": 10}, "users_default": 0}
    assert power_level(levels, "@a:x") == 50 and power_level(levels, "@c:x") == 0
    assert creators({"room_version": "12", "additional_creators": ["@d:x"]}, "@c:x") == {"@c:x", "@d:x"}
    assert creators({"room_version": "10"}, "@c:x") == set()


def test_command_prefix_is_matched_as_a_word() -> None:
    assert strip_prefix("!canvass list", "!canvass") == "list"
    assert strip_prefix("  !Canvass  help", "!canvass") == "help"
    assert strip_prefix("!canvassing", "!canvass") is None
    assert strip_prefix("hello", "!canvass") is None


def test_rate_limiter_spaces_sends_evenly() -> None:
    now = [100.0]
    limiter = RateLimiter(4, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.25, 0.5]
    now[0] = 101.0
    assert limiter.reserve() == 0.0


def test_bots_listed_by_the_operator_are_not_invited() -> None:
    from adapters.matrix.messenger import is_bot

    patterns = ["@_discord_*", "@bridgebot:example.org"]
    assert is_bot("@_discord_1234:example.org", patterns) and is_bot("@bridgebot:example.org", patterns)
    assert not is_bot("@alice:example.org", patterns) and not is_bot("@alice:example.org", [])


def test_reminder_leaves_out_a_deadline_the_organiser_already_gave() -> None:
    from datetime import UTC, datetime

    from bot.domain import ResultsMode, Status, Survey
    from bot.scheduling.sending import direct_text

    closes = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    survey = Survey(
        "s1x2y3z", "Budget", Status.OPEN, (SINGLE,), (), ResultsMode.AFTER_CLOSE, 5, None, closes, "UTC", "x"
    )
    plain = direct_text(survey, "")
    assert "“Budget”" in plain and "It closes" in plain and "s1x2y3z" not in plain
    assert "It closes" not in direct_text(survey, "Please answer by 17:00 on Wednesday")
    assert "It closes" in direct_text(survey, "Please answer, it matters")


def test_an_apostrophe_survives_inert_html_as_a_whole_entity() -> None:
    """html.escape writes "'" as &#x27;; the sigil rule must not put a joiner after its "#" (the reader
    would see "Don&#x27;t"), while an "@room" or "#alias:server" next to it is still made inert."""
    import html

    from adapters.matrix.formatting import announcement, notice_content
    from adapters.matrix.safety import JOINER, inert
    from bot.domain import ResultsMode, Status, Survey

    question = Question("q1", 0, QuestionKind.SINGLE, "Can't decide?", ("Don't", "Won't @room"))
    survey = Survey("s1", "Don't panic", Status.OPEN, (question,), (), ResultsMode.AFTER_CLOSE, 3, None, None,
                    "UTC", "x")  # fmt: skip
    answer = "It's #alias:example.org & <b>O'Brien's</b>"
    for content in (announcement(survey), notice_content(answer, html.escape(answer))):
        safe = inert(content)["formatted_body"]
        assert "&#x27;" in safe and f"&#{JOINER}" not in safe, safe
        shown = html.unescape(safe).replace(JOINER, "")
        assert "Don&" not in shown and "&#" not in shown
        assert "@room" not in html.unescape(safe) and "#alias" not in html.unescape(safe)
    assert "Don't panic" in html.unescape(inert(announcement(survey))["formatted_body"])
    assert "Won't" in html.unescape(inert(announcement(survey))["formatted_body"])
    said = html.unescape(inert(notice_content(answer, html.escape(answer)))["formatted_body"])
    assert said.replace(JOINER, "") == answer and "#alias:example.org" not in said  # reads the same, inert
