"""The redaction trail on a real database (SQLite and PostgreSQL): a restart forgets no redaction,
close redacts everything of its survey and leaves nothing of it in bot_state. The homeserver's side
(the redaction call) is recorded; the real one is exercised in test_dm_history.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from adapters.matrix.safety import JOINER, inert, neutralise
from adapters.matrix.trail import Trail
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlStateStore


@pytest.fixture
async def state(db_url: str) -> AsyncIterator[SqlStateStore]:
    upgrade(db_url)
    engine = create_engine(db_url)
    yield SqlStateStore(engine)
    await engine.dispose()


class Homeserver:
    def __init__(self, failures: int = 0) -> None:
        self.redacted: list[tuple[str, str]] = []
        self.failures = failures  # the first calls fail, as when the homeserver is restarting

    async def redact(self, room: str, event: str) -> bool:
        if self.failures:
            self.failures -= 1
            return False
        self.redacted.append((room, event))
        return True


async def closed(_: str) -> bool:
    return False


async def until(predicate: object, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_prefix_reads_and_deletes_treat_wildcards_literally(state: SqlStateStore) -> None:
    await state.set_state("survey:a_b:matrix.x", "1")
    await state.set_state("survey:aXb:matrix.y", "2")
    await state.set_state("survey:a%b:matrix.z", "3")
    assert await state.state_with_prefix("survey:a_b:") == {"survey:a_b:matrix.x": "1"}
    await state.delete_state_prefix("survey:a_b:")
    await state.delete_state("survey:a%b:matrix.z")
    assert await state.state_with_prefix("survey:a") == {"survey:aXb:matrix.y": "2"}


async def test_a_restart_forgets_no_redaction_and_close_clears_the_survey(state: SqlStateStore) -> None:
    survey = f"s{time.time_ns()}"
    first = Trail(state, Homeserver(failures=10**6).redact, closed)  # the bot dies before redacting
    await first.remember_poll(survey, "q1", "!dm1", "$start")
    first.keep(survey, "!dm1", "$invitation")
    first.later(survey, "!dm1", "$vote")
    first.later(survey, "!dm2", "$review", delay=60)
    await first.flush()

    hs = Homeserver()
    later = time.time() + 120
    second = Trail(state, hs.redact, closed, clock=lambda: later)
    await second.load()
    assert second.poll("$start") == (survey, "q1")  # votes on the old poll still count
    worker = asyncio.create_task(second.run())
    try:
        await until(lambda: len(hs.redacted) == 2)
        assert sorted(hs.redacted) == [("!dm1", "$vote"), ("!dm2", "$review")]
        for _ in range(100):  # the batch's key goes once its last redaction is done
            if not [k for k in await state.state_with_prefix(f"cleanup:{survey}:") if ".due." in k]:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("a finished redaction batch stayed in bot_state")
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

    await second.close(survey)
    assert sorted(hs.redacted[2:]) == [("!dm1", "$invitation"), ("!dm1", "$start")]
    assert await state.state_with_prefix(f"survey:{survey}:") == {}
    assert await state.state_with_prefix(f"cleanup:{survey}:") == {}
    assert second.poll("$start") is None


async def test_close_retries_a_homeserver_that_is_briefly_down(
    state: SqlStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.matrix.trail.RETRY_SECONDS", 0.01)
    survey = f"s{time.time_ns()}"
    hs = Homeserver(failures=1)
    trail = Trail(state, hs.redact, closed)
    trail.keep(survey, "!dm", "$prompt")
    await trail.close(survey)
    assert hs.redacted == [("!dm", "$prompt")]
    assert await state.state_with_prefix(f"survey:{survey}:") == {}
    assert await state.state_with_prefix(f"cleanup:{survey}:") == {}


def test_outgoing_text_cannot_ping_link_or_mention() -> None:
    text = "@room see https://matrix.to/#/@boss:example.org or www.evil.example, v1.5"
    safe = neutralise(text)
    assert safe.replace(JOINER, "") == text  # it reads the same
    for live in ("@room", "https://", "matrix.to", "@boss", "www.evil", "evil.example", "#/"):
        assert live not in safe
    assert "1.5" in safe  # numbers are left alone
    assert neutralise("!canvass close abc") == "!canvass close abc"  # a quoted command stays copyable
    assert "!room:example.org" not in neutralise("see !room:example.org")
    content = inert({"body": "@room", "formatted_body": "<p>@room</p>", "url": "mxc://x/y"})
    assert content["m.mentions"] == {} and content["url"] == "mxc://x/y"
    assert "@room" not in content["body"] + content["formatted_body"]


@pytest.mark.parametrize(
    "link", ["paypa1.com", "bank2.example1.org", "192.168.1.10/login", "xn--80ak6aa92e.com", "my-bank.eu"]
)
def test_domains_with_digits_and_bare_addresses_are_not_linkable(link: str) -> None:
    safe = neutralise(f"pay at {link} today")
    assert link not in safe and safe.replace(JOINER, "") == f"pay at {link} today"
    assert neutralise("85.0% and 3.5") == "85.0% and 3.5"


async def test_poll_starts_recorded_by_an_older_version_still_count_and_go_at_close(state: SqlStateStore) -> None:
    survey = f"s{time.time_ns()}"
    await state.set_state("matrix.poll.$old", f"{survey} q7")  # the key an older version wrote
    hs = Homeserver()
    trail = Trail(state, hs.redact, closed)
    await trail.load()
    assert trail.poll("$old") == (survey, "q7")
    assert await state.get_state("matrix.poll.$old") is None
    await trail.close(survey)
    assert await state.state_with_prefix(f"survey:{survey}:") == {}
    assert await state.state_with_prefix(f"cleanup:{survey}:") == {}
    assert hs.redacted == []  # its room was never recorded


async def test_redactions_wait_for_a_pause_in_a_burst_of_answers_but_never_long(state: SqlStateStore) -> None:
    survey = f"s{time.time_ns()}"
    now = [1000.0]
    hs = Homeserver()
    trail = Trail(state, hs.redact, closed, clock=lambda: now[0])
    trail.later(survey, "!dm1", "$a1")
    await trail.flush()
    now[0] += 0.5  # the next answer comes half a second later: still a burst
    trail.later(survey, "!dm2", "$a2")
    await trail.flush()
    await trail._redact_due()
    assert hs.redacted == []  # held: the homeserver is busy accepting answers
    now[0] += 1.5  # a pause
    await trail._redact_due()
    assert sorted(hs.redacted) == [("!dm1", "$a1"), ("!dm2", "$a2")]
    for step in range(40):  # an endless stream of answers still gets its redactions within the hold
        now[0] += 0.5
        trail.later(survey, "!dm3", f"$b{step}")
        await trail.flush()
        await trail._redact_due()
    assert ("!dm3", "$b0") in hs.redacted
