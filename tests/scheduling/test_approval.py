"""A survey created through room power alone waits, at its opens_at too, for a configured organiser's
approval (bot/approval.py), which is stored durably: a restart neither loses it nor grants it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.approval import state_key
from bot.bootstrap import Core, build_core
from bot.cli import main
from bot.clock import ManualClock, SystemClock
from bot.config import load_config
from bot.domain import Actor, Target
from bot.errors import NotAuthorised
from tests.factories import survey_spec
from tests.scheduling.conftest import BotFactory
from tests.scheduling.fakes import RecordingMessenger
from tests.scheduling.test_schedule import at, survey_id

PLENARY = Target("console", "plenary")
# Power in the room, as the Matrix adapter verified it; not a configured organiser. She kicked everyone
# but the victim and kept two accounts of her own.
MALLORY = Actor("console", "mallory", organiser_in=PLENARY)
MEMBERS = ["victim", "puppet1", "puppet2"]

SCHEDULED = """survey
title = "Team mood"
timezone = "Europe/Brussels"
opens_at = "2026-03-28 09:00"
closes_at = "2026-03-30 15:00"
min_respondents = 3
targets = [{ platform = "console", channel = "plenary" }]

[[questions]]
kind = "single"
text = "How is it going?"
options = ["Well", "Badly"]
"""


async def test_the_scheduler_defers_an_unapproved_survey_and_approval_opens_it(
    make_bot: BotFactory, clock: ManualClock
) -> None:
    messenger = RecordingMessenger(clock, members=list(MEMBERS))
    bot = await make_bot(messenger)
    created = await bot.command(SCHEDULED, actor=MALLORY)
    sid = survey_id(created)
    assert f"A configured organiser must approve survey {sid}: `approve {sid}`." in created
    await bot.jobs.run_until(at("2026-03-28 10:00"))  # an hour past opens_at (08:00Z)
    assert messenger.sent == [] and (await bot.core.service.get(sid)).status == "scheduled"
    await bot.core.close()

    bot = await make_bot(messenger)  # a restart's catch-up sweep does not open it either
    assert messenger.sent == [] and (await bot.core.service.get(sid)).status == "scheduled"
    with pytest.raises(NotAuthorised, match=f"Only the configured organisers can approve survey {sid}"):
        await bot.command(f"approve {sid}", actor=MALLORY)
    with pytest.raises(NotAuthorised, match=f"must approve survey {sid}"):
        await bot.command(f"open {sid}", actor=MALLORY)
    assert messenger.sent == []
    approved = await bot.command(f"approve {sid}")
    assert approved == f"Approved and opened “Team mood” [{sid}]."
    assert [s.kind for s in messenger.sent][:1] == ["announce"]
    assert sorted(s.where for s in messenger.of("invite")) == sorted(MEMBERS)
    assert await bot.core.state.get_state(state_key(sid)) == "1"
    await bot.command(f"close {sid}")
    assert await bot.core.state.get_state(state_key(sid)) is None  # the close deletes it


async def test_an_approval_before_opens_at_survives_a_restart(make_bot: BotFactory, clock: ManualClock) -> None:
    messenger = RecordingMessenger(clock, members=list(MEMBERS))
    bot = await make_bot(messenger)
    sid = survey_id(await bot.command(SCHEDULED, actor=MALLORY))
    approved = await bot.command(f"approve {sid}")
    assert approved.startswith(f"Approved “Team mood” [{sid}]; it opens Sat 28 Mar 2026 09:00")
    await bot.core.close()

    bot = await make_bot(messenger)
    await bot.jobs.run_until(at("2026-03-28 08:00"))
    assert (await bot.core.service.get(sid)).status == "open"
    assert sorted(s.where for s in messenger.of("invite")) == sorted(MEMBERS)


def test_the_operator_approves_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[canvass]\ndata_dir = "{tmp_path / "data"}"\nsecret = "cli-test-secret-0123456789"\n', encoding="utf-8"
    )

    async def core() -> Core:
        built = await build_core(load_config(config_file), with_charts=False)
        built.messengers.add(RecordingMessenger(SystemClock(), members=list(MEMBERS)))
        return built

    async def create() -> str:
        bot = await core()
        try:
            return (await bot.service.create_survey(MALLORY, survey_spec(k=3))).id
        finally:
            await bot.close()

    sid = asyncio.run(create())
    code = main(["--config", str(config_file), "approve", sid])
    out = capsys.readouterr().out
    assert code == 0 and f"Approved “Test survey” [{sid}]; its creator or an organiser opens it" in out, out

    async def open_as_creator() -> str:
        bot = await core()  # another process: the approval is read from the database
        try:
            return (await bot.delivery.open(MALLORY, sid)).status
        finally:
            await bot.close()

    assert asyncio.run(open_as_creator()) == "open"
