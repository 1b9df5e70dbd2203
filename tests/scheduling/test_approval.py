"""A survey created through room power alone waits, at its opens_at too, for a configured organiser's
approval (bot/approval.py), which is stored durably: a restart neither loses it nor grants it."""

from __future__ import annotations

import pytest

from bot.approval import state_key
from bot.approve_command import approve
from bot.clock import ManualClock
from bot.domain import Actor, Target
from bot.errors import InvalidInput, NotAuthorised
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
    assert approved.startswith(f"Approved and opened “Team mood” [{sid}] now")
    assert [s.kind for s in messenger.sent][:1] == ["announce"]
    assert sorted(s.where for s in messenger.of("invite")) == sorted(MEMBERS)
    assert await bot.core.state.get_state(state_key(sid)) == "1"
    await bot.command(f"close {sid}")
    assert await bot.core.state.get_state(state_key(sid)) is None  # the close deletes it


async def test_an_approval_before_opens_at_opens_it_then_and_there(make_bot: BotFactory, clock: ManualClock) -> None:
    """The approval is the opening: approved now and opened at opens_at, the room's power holder could change
    its members in between (leave one victim beside k-1 accounts of their own) after the organiser looked."""
    messenger = RecordingMessenger(clock, members=list(MEMBERS))
    bot = await make_bot(messenger)
    sid = survey_id(await bot.command(SCHEDULED, actor=MALLORY))
    approved = await bot.command(f"approve {sid}")
    assert approved.startswith(f"Approved and opened “Team mood” [{sid}] now (it was to open Sat 28 Mar 2026 09:00")
    assert (await bot.core.service.get(sid)).status == "open"
    assert sorted(s.where for s in messenger.of("invite")) == sorted(MEMBERS)  # the members of this moment


async def test_the_operator_cannot_approve_for_later(make_bot: BotFactory, clock: ManualClock) -> None:
    """No approval without an opening: the CLI's (actor None) is refused, and nothing is stored."""
    messenger = RecordingMessenger(clock, members=list(MEMBERS))
    bot = await make_bot(messenger)
    sid = survey_id(await bot.command(SCHEDULED, actor=MALLORY))
    with pytest.raises(InvalidInput, match="Approve in chat"):
        await approve(bot.core.delivery, clock, None, sid)
    assert await bot.core.state.get_state(state_key(sid)) is None
    await bot.jobs.run_until(at("2026-03-28 10:00"))
    assert (await bot.core.service.get(sid)).status == "scheduled"
