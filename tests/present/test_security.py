"""The presenter page's security on SQLite and PostgreSQL: tokens, the uniform 404, headers, the
failed-attempt limit, and an event stream that carries nothing below k."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from adapters.present.guard import FailedAttempts
from adapters.present.server import PresentServer
from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.commands import Present, parse_command
from bot.delivery import Delivery
from bot.domain import Actor, Participant, QuestionKind, QuestionSpec, ResultsMode
from bot.errors import InvalidInput, NotAuthorised
from bot.presenting import Presenter
from bot.service import Canvass
from storage.present_tokens import SqlPresentTokenStore
from storage.repository import SqlRepository
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import dump_all

SECRET_TEXT = "zebra-crossing-answer"  # a participant's free text, unique enough to search for


class Attempts(FailedAttempts):
    def __init__(self) -> None:
        self.time = 0.0
        super().__init__(limit=100, window=60.0, now=lambda: self.time)


@pytest.fixture
def presenter(service: Canvass, repository: SqlRepository, clock: ManualClock) -> Presenter:
    return Presenter(service, SqlPresentTokenStore(repository.engine), clock, timedelta(hours=24))


@pytest.fixture
def attempts() -> Attempts:
    return Attempts()


@pytest.fixture
async def server(presenter: Presenter, attempts: Attempts) -> AsyncIterator[PresentServer]:
    present = PresentServer(presenter, "127.0.0.1", 0, tick_seconds=0.05, attempts=attempts)
    present.keepalive_seconds = 0.2
    await present.start()
    yield present
    await present.stop()


@pytest.fixture
async def http(server: PresentServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as session:
        yield session


async def text_poll(service: Canvass, mode: ResultsMode = ResultsMode.LIVE) -> str:
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "One word?"),), k=5, mode=mode)
    survey = await service.create_survey(ORGANISER, spec)
    await service.open_survey(ORGANISER, survey.id, [Participant("console", f"voter-{i}") for i in range(9)])
    service.live_refresh_seconds = 0.0
    return survey.id


async def answer(service: Canvass, survey_id: str, who: int, text: str) -> None:
    survey = await service.get(survey_id)
    await service.submit(Participant("console", f"voter-{who}"), survey_id, {survey.questions[0].id: text})
    await service.settle()


async def fetch(http: aiohttp.ClientSession, path: str) -> tuple[int, str, dict[str, str]]:
    async with http.get(path) as response:
        headers = {k: v for k, v in response.headers.items() if k not in ("Date",)}
        return response.status, await response.text(), headers


async def test_only_a_hash_of_the_token_is_stored(presenter: Presenter, service: Canvass, db_url: str) -> None:
    survey_id = await text_poll(service)
    token = await presenter.mint(ORGANISER, survey_id)
    assert len(token) >= 22  # at least 128 bits, URL-safe base64
    assert await presenter.verify(token) == survey_id
    dumped = repr(dump_all(db_url))
    assert token not in dumped and token.encode() not in dumped.encode()


async def test_wrong_expired_and_revoked_tokens_get_the_404_of_an_unknown_path(
    presenter: Presenter, service: Canvass, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    survey_id = await text_poll(service)
    unknown = await fetch(http, "/no/such/page")
    assert unknown[0] == 404

    revoked = await presenter.mint(ORGANISER, survey_id)
    assert (await fetch(http, f"/present/{revoked}"))[0] == 200
    assert await presenter.revoke(ORGANISER, survey_id) == 1
    assert await fetch(http, f"/present/{revoked}") == unknown
    assert await fetch(http, f"/present/{revoked}/events") == unknown

    assert await fetch(http, "/present/" + "A" * 43) == unknown  # wrong
    expiring = await presenter.mint(ORGANISER, survey_id)
    await service.close_survey(ORGANISER, survey_id)
    clock.advance(timedelta(hours=23))
    assert (await fetch(http, f"/present/{expiring}"))[0] == 200  # closed, still within the 24 h
    clock.advance(timedelta(hours=1, seconds=1))
    assert await fetch(http, f"/present/{expiring}") == unknown  # expired
    with pytest.raises(Exception, match="closed more than 24 hours ago"):
        await presenter.mint(ORGANISER, survey_id)


async def test_security_headers_and_no_inline_code(
    presenter: Presenter, service: Canvass, http: aiohttp.ClientSession
) -> None:
    token = await presenter.mint(ORGANISER, await text_poll(service))
    status, body, headers = await fetch(http, f"/present/{token}")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in body and "style=" not in body and "<style" not in body  # the CSP would block them
    assert "http" not in body.replace('href="/present/static', "")  # no external asset
    for name in ("present.js", "present.css"):
        static = await fetch(http, f"/present/static/{name}")
        assert static[0] == 200 and static[2]["X-Frame-Options"] == "DENY"
    assert (await fetch(http, "/no/such/page"))[2]["Content-Security-Policy"] == csp


async def read_events(response: aiohttp.ClientResponse, count: int) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    async with asyncio.timeout(10):
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if len(events) == count:
                    break
    return events


async def test_no_answer_reaches_the_event_stream_before_k(
    presenter: Presenter, service: Canvass, http: aiohttp.ClientSession
) -> None:
    survey_id = await text_poll(service)
    token = await presenter.mint(ORGANISER, survey_id)
    async with http.get(f"/present/{token}/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        for who in range(4):  # k - 1 answers
            await answer(service, survey_id, who, f"{SECRET_TEXT}-{who}")
        await asyncio.sleep(0.3)  # several hub ticks
        await answer(service, survey_id, 4, f"{SECRET_TEXT}-4")  # the k-th: now they may show
        events = []
        async with asyncio.timeout(10):
            while not events or f"{SECRET_TEXT}-0" not in str(events[-1]):
                events += await read_events(stream, 1)
    first, *between, shown = events
    assert "Results appear when at least 5 have answered." in str(first["html"])
    assert "fewer than 5 of 9 answered" in str(first["html"])
    # Before the k-th answer's snapshot, no event carries an answer (a tick may show "5+" just before it).
    assert all(SECRET_TEXT not in str(event) for event in [first, *between])
    assert all(f"{SECRET_TEXT}-{who}" in str(shown["html"]) for who in range(5))
    assert all("voter-" not in str(event) for event in events)


async def test_after_close_mode_shows_only_the_stepped_progress_until_the_close(
    presenter: Presenter, service: Canvass, http: aiohttp.ClientSession
) -> None:
    survey_id = await text_poll(service, ResultsMode.AFTER_CLOSE)
    token = await presenter.mint(ORGANISER, survey_id)
    for who in range(6):
        await answer(service, survey_id, who, f"{SECRET_TEXT}-{who}")
    _, body, _ = await fetch(http, f"/present/{token}")
    assert SECRET_TEXT not in body and "Results appear here when the survey closes." in body
    assert "5+ of 9 answered" in body  # the chat's stepped count, never the exact 6
    await service.close_survey(ORGANISER, survey_id)
    _, body, _ = await fetch(http, f"/present/{token}")
    assert "Final results" in body and f"{SECRET_TEXT}-5" in body


async def test_failed_attempts_are_limited_per_address(
    presenter: Presenter, service: Canvass, http: aiohttp.ClientSession, attempts: Attempts
) -> None:
    attempts.limit = 3
    token = await presenter.mint(ORGANISER, await text_poll(service))
    for i in range(3):
        assert (await fetch(http, f"/present/wrong-token-guess-number-{i}"))[0] == 404
    assert (await fetch(http, f"/present/{token}"))[0] == 429  # even the right one, until the window passes
    attempts.time += 61
    assert (await fetch(http, f"/present/{token}"))[0] == 200


async def test_a_revoked_link_ends_an_open_stream(
    presenter: Presenter, service: Canvass, http: aiohttp.ClientSession
) -> None:
    survey_id = await text_poll(service)
    token = await presenter.mint(ORGANISER, survey_id)
    async with http.get(f"/present/{token}/events") as stream:
        await read_events(stream, 1)
        await presenter.revoke(ORGANISER, survey_id)
        async with asyncio.timeout(5):
            rest = (await stream.content.read()).decode()
    assert "event: gone" in rest


async def test_only_an_organiser_of_the_survey_gets_or_revokes_a_link(
    presenter: Presenter, service: Canvass
) -> None:
    survey_id = await text_poll(service)
    stranger = Actor("console", "voter-1")
    with pytest.raises(NotAuthorised):
        await presenter.mint(stranger, survey_id)
    with pytest.raises(NotAuthorised):
        await presenter.revoke(stranger, survey_id)
    organisers_only = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q?"),), mode=ResultsMode.ORGANISERS)
    hidden = await service.create_survey(ORGANISER, organisers_only)
    with pytest.raises(NotAuthorised, match="organisers only"):
        await presenter.mint(ORGANISER, hidden.id)


async def test_the_present_command_replies_privately_with_a_link(
    presenter: Presenter, service: Canvass, delivery: Delivery, clock: ManualClock
) -> None:
    assert parse_command("present AbC123") == Present("abc123")
    assert parse_command("present abc123 --revoke") == Present("abc123", revoke=True)
    with pytest.raises(InvalidInput, match="only --revoke"):
        parse_command("present abc123 --now")
    survey_id = await text_poll(service)
    handler = CommandHandler(delivery, clock, "UTC", 5)
    assert "not enabled" in (await handler.handle_text(ORGANISER, survey_spec().targets[0], "present x1")).text
    handler.presenter, handler.present_base_url = presenter, "https://room.example/"
    reply = await handler.handle_text(ORGANISER, survey_spec().targets[0], f"present {survey_id}")
    assert not reply.public and "https://room.example/present/" in reply.text
    token = reply.text.split("/present/")[1].split()[0]
    assert await presenter.verify(token) == survey_id
    revoked = await handler.handle_text(ORGANISER, survey_spec().targets[0], f"present {survey_id} --revoke")
    assert not revoked.public and await presenter.verify(token) is None


class DirectMessages:
    platform = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[Participant, str]] = []

    async def send_direct(self, participant: Participant, text: str) -> None:
        self.sent.append((participant, text))


async def test_in_a_chat_the_link_goes_by_direct_message_never_in_the_reply(
    presenter: Presenter, service: Canvass, delivery: Delivery, clock: ManualClock
) -> None:
    # A Matrix command's reply is posted in the room: the link must not ride on it.
    survey_id = await text_poll(service)
    dms = DirectMessages()
    delivery.messengers.add(dms)  # type: ignore[arg-type]
    handler = CommandHandler(delivery, clock, "UTC", 5)
    handler.presenter, handler.present_base_url = presenter, "https://room.example"
    reply = await handler.handle_text(ORGANISER, survey_spec().targets[0], f"present {survey_id}")
    assert "/present/" not in reply.text and "direct message" in reply.text
    [(to, text)] = dms.sent
    assert to == ORGANISER and "https://room.example/present/" in text
