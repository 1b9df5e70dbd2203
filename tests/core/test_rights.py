"""Rights are per survey (issue 10, break 2): power in one room never reaches another room's survey."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.domain import Actor, ResultsMode, Target
from bot.errors import NotAuthorised
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
