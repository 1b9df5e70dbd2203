"""Break 13: free text is published verbatim and can identify its author; participants and the
organiser are told so."""

from __future__ import annotations

from bot.anonymity import FREE_TEXT_TRUTH, survey_notice
from bot.clock import ManualClock
from bot.command_handler import CommandHandler
from bot.delivery import Delivery
from bot.service import Canvass
from tests.conftest import START
from tests.factories import CHANNEL, ORGANISER, survey_spec
from tests.factories import every_kind as questions


async def test_the_notice_and_the_organisers_preview_tell_the_truth_about_text(
    service: Canvass, delivery: Delivery, clock: ManualClock
) -> None:
    with_text = await service.create_survey(ORGANISER, survey_spec(questions=questions()))
    without = await service.create_survey(ORGANISER, survey_spec(questions=questions()[:2]))
    assert FREE_TEXT_TRUTH in survey_notice(with_text)
    assert FREE_TEXT_TRUTH not in survey_notice(without)
    commands = CommandHandler(delivery, clock, "UTC", 3)
    reply = await commands.handle_text(ORGANISER, CHANNEL, 'poll "Ideas?" --text')
    assert "published word for word" in reply.text and "can identify their author" in reply.text
    reply = await commands.handle_text(ORGANISER, CHANNEL, 'poll "Lunch?" "A" "B"')
    assert "word for word" not in reply.text
    assert START <= clock.now()
