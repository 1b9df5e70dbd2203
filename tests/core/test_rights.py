"""Rights are per survey (issue 10, break 2): power in one room never reaches another room's survey."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.domain import Actor, Participant, ResultsMode, SurveySpec, Target
from bot.errors import NotAuthorised, SurveyNotOpen
from bot.service import Canvass
from tests.factories import CHANNEL, ORGANISER, survey_spec
from tests.storage.dbdump import dump_all

MALLORY_ROOM = Target("console", "mallorys-room")
# Power level 50 in her own room, as the Matrix adapter verified it.
MALLORY = Actor("console", "mallory", organiser_in=MALLORY_ROOM)


@pytest.fixture
def commands(delivery: Delivery, clock: ManualClock) -> CommandHandler:
    return CommandHandler(delivery, clock, "UTC", 3)


async def test_room_power_grants_nothing_over_another_survey(
    service: Canvass, commands: CommandHandler, db_url: str
) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(mode=ResultsMode.ORGANISERS, k=3))
    await commands.handle_text(ORGANISER, CHANNEL, f"open {survey.id}")
    listed = await commands.handle_text(MALLORY, MALLORY_ROOM, "list")
    assert survey.id not in listed.text and survey.title not in listed.text
    before = dump_all(db_url)
    for command in (
        f"close {survey.id}",
        f"results {survey.id} mallorys-room",
        f"extend {survey.id} in 3d",
        f"remind {survey.id} list",
    ):
        with pytest.raises(
            NotAuthorised, match=r"Only organisers of survey \[\w+\] can .*: its creator and the configured organisers"
        ) as error:
            await commands.handle_text(MALLORY, MALLORY_ROOM, command)
        assert survey.title not in str(error.value)
    with pytest.raises(NotAuthorised):
        await service.results(MALLORY, survey.id)
    assert dump_all(db_url) == before
    # The configured organiser still sees and manages it.
    assert survey.id in (await commands.handle_text(ORGANISER, CHANNEL, "list")).text
    await commands.handle_text(ORGANISER, CHANNEL, f"close {survey.id}")
    assert (await service.results(ORGANISER, survey.id)).survey_id == survey.id
    with pytest.raises(NotAuthorised):
        await service.results(MALLORY, survey.id)


async def test_room_power_creates_for_that_room_only(service: Canvass, commands: CommandHandler, db_url: str) -> None:
    before = dump_all(db_url)
    with pytest.raises(NotAuthorised, match="for this room only"):
        await service.create_survey(MALLORY, survey_spec())  # aimed at CHANNEL, not her room
    toml = "\n".join(
        ('title = "T"', "[[targets]]", 'platform = "console"', 'channel = "plenary"', "[[questions]]",
         'kind = "single"', 'text = "Q"', 'options = ["A", "B"]')
    )  # fmt: skip
    with pytest.raises(NotAuthorised, match="for this room only"):
        await commands.handle_text(MALLORY, MALLORY_ROOM, f"survey\n{toml}")
    assert dump_all(db_url) == before
    # In her own room she creates, and as its creator she manages it, from anywhere.
    created = await commands.handle_text(MALLORY, MALLORY_ROOM, 'poll "Lunch?" "Pizza" "Soup"')
    own = (await service.manageable(MALLORY))[0]
    assert own.id in created.text and own.targets == (MALLORY_ROOM,)
    elsewhere = Actor("console", "mallory")  # no power where she types this
    closed = await commands.handle_text(elsewhere, CHANNEL, f"close {own.id}")
    assert closed.text.startswith("Closed")


async def test_a_stranger_cannot_open_a_survey_nor_make_the_bot_read_the_channel(
    service: Canvass, delivery: Delivery
) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec())
    with pytest.raises(NotAuthorised):
        await delivery.open(MALLORY, survey.id)
    assert (await service.get(survey.id)).status == "draft"


def _mallorys_spec(mode: ResultsMode = ResultsMode.AFTER_CLOSE, roster: bool = False) -> SurveySpec:
    spec = replace(survey_spec(mode=mode, k=3), targets=(MALLORY_ROOM,))
    if roster:
        victim_and_puppets = ("victim", "puppet1", "puppet2")
        spec = replace(spec, roster=tuple(Participant("console", u) for u in victim_and_puppets))
    return spec


async def test_room_power_cannot_choose_the_roster(service: Canvass, commands: CommandHandler, db_url: str) -> None:
    """A roster of one real person and k−1 of one's own accounts would expose that person's answer."""
    before = dump_all(db_url)
    with pytest.raises(NotAuthorised, match="Only the configured organisers can choose who is invited"):
        await service.create_survey(MALLORY, _mallorys_spec(roster=True))
    assert dump_all(db_url) == before
    survey = await service.create_survey(MALLORY, _mallorys_spec())
    await commands.handle_text(ORGANISER, CHANNEL, f"approve {survey.id}")  # room power alone opens nothing
    before = dump_all(db_url)
    with pytest.raises(NotAuthorised, match="Only the configured organisers can choose who is invited"):
        await commands.handle_text(MALLORY, MALLORY_ROOM, f"roster {survey.id} add puppet1 puppet2")
    assert dump_all(db_url) == before
    await commands.handle_text(ORGANISER, CHANNEL, f"roster {survey.id} add newcomer")  # configured: allowed
    assert Participant("console", "newcomer") in await service.roster(survey.id)


async def test_results_go_to_the_surveys_own_channels_and_organisers_only_results_to_none(
    service: Canvass, commands: CommandHandler, delivery: Delivery
) -> None:
    posted: list[Target] = []

    async def record(viewer: Actor | None, survey_id: str, targets: list[Target] | None = None) -> int:
        posted.extend(targets or [])
        return len(targets or [])

    delivery.post_results = record  # type: ignore[method-assign]
    mine = await service.create_survey(MALLORY, _mallorys_spec())
    with pytest.raises(NotAuthorised, match="go to its own channels only"):
        await commands.handle_text(MALLORY, MALLORY_ROOM, f"results {mine.id} general")
    await commands.handle_text(MALLORY, MALLORY_ROOM, f"results {mine.id}")
    assert posted == [MALLORY_ROOM]
    secret = await service.create_survey(MALLORY, _mallorys_spec(mode=ResultsMode.ORGANISERS))
    for where in ("", " general"):
        with pytest.raises(NotAuthorised, match="for organisers only"):
            await commands.handle_text(MALLORY, MALLORY_ROOM, f"results {secret.id}{where}")
    assert posted == [MALLORY_ROOM]


async def test_an_invitation_overtaken_by_the_close_leaves_no_id_behind(
    service: Canvass, commands: CommandHandler, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(k=3))
    await commands.handle_text(ORGANISER, CHANNEL, f"open {survey.id}")
    slots_of = service._marker_slots

    async def then_closed(survey_id: str, people: list[Participant]) -> list[bytes]:
        slots = await slots_of(survey_id, people)
        await service.close_survey(None, survey_id)  # the scheduler, the CLI or a replica, just now
        return slots

    monkeypatch.setattr(service, "_marker_slots", then_closed)
    with pytest.raises(SurveyNotOpen, match="closed meanwhile"):
        await service.invite(ORGANISER, survey.id, [Participant("console", "LateZqVictim")])
    assert "latezqvictim" not in str(dump_all(db_url)).lower()


async def test_room_power_alone_never_opens_a_survey_until_a_configured_organiser_approves(
    service: Canvass, commands: CommandHandler, delivery: Delivery, db_url: str
) -> None:
    """Whoever holds power in a room also chooses its members (kick the rest, keep one victim beside k−1
    accounts of one's own): a survey created through that power alone opens only once approved."""
    created = await commands.handle_text(MALLORY, MALLORY_ROOM, 'poll "Lunch?" "Pizza" "Soup"')
    survey = next(s for s in await service.manageable(MALLORY) if f"[{s.id}]" in created.text)
    needs = f"A configured organiser must approve survey {survey.id}: `approve {survey.id}`."
    assert survey.id in created.text and needs in created.text and not created.text.startswith("Opened")
    assert (await service.get(survey.id)).status == "draft"
    before = dump_all(db_url)
    with pytest.raises(NotAuthorised, match=re.escape(needs)):
        await commands.handle_text(MALLORY, MALLORY_ROOM, f"open {survey.id}")
    with pytest.raises(NotAuthorised, match=re.escape(needs)):
        await delivery.open(None, survey.id)  # the scheduler, or the operator's `open`, does not approve
    # Approval by anyone but a configured organiser is refused: the creator, or power in another room.
    other = Actor("console", "trent", organiser_in=Target("console", "trents-room"))
    for who, where in ((MALLORY, MALLORY_ROOM), (other, other.organiser_in)):
        assert where is not None
        with pytest.raises(NotAuthorised, match=f"Only the configured organisers can approve survey {survey.id}"):
            await commands.handle_text(who, where, f"approve {survey.id}")
    with pytest.raises(NotAuthorised, match=re.escape(needs)):
        await commands.handle_text(MALLORY, MALLORY_ROOM, f"open {survey.id}")
    assert dump_all(db_url) == before  # nothing opened, no roster taken, nothing recorded
    listed = await commands.handle_text(ORGANISER, CHANNEL, "list")
    assert f"[{survey.id}] Lunch?: draft (awaiting approval: `approve {survey.id}`)" in listed.text
    # The approval is the opening, so the members invited are the room's as the organiser approves.
    approved = await commands.handle_text(ORGANISER, CHANNEL, f"approve {survey.id}")
    assert approved.text.startswith(f"Approved and opened “Lunch?” [{survey.id}] now")
    assert (await service.get(survey.id)).status == "open"


async def test_a_configured_organisers_survey_needs_no_approval(service: Canvass, commands: CommandHandler) -> None:
    created = await commands.handle_text(ORGANISER, CHANNEL, 'poll "Lunch?" "Pizza" "Soup"')
    assert created.text.startswith("Opened") and "approve" not in created.text
    system = await service.create_survey(None, survey_spec())  # the operator's CLI
    await commands.handle_text(ORGANISER, CHANNEL, f"open {system.id}")
    assert (await service.get(system.id)).status == "open"
