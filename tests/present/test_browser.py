"""The presenter page in a real headless Chromium, fed by votes typed into the console adapter."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.present.server import PresentServer
from bot.bootstrap import Core
from tests.console.terminal import Terminal, survey_id_from
from tests.present.conftest import link_path

pytestmark = pytest.mark.browser

WAITING = "Results appear when at least 3 have answered."
VOTERS = ["ana", "ben", "cy", "dee", "eve", "fay", "gus"]

# Every element of the shown slide must fit its box and the screen: nothing cut off or spilling over.
OVERFLOWS = """() => {
  const bad = [];
  const slide = document.querySelector('.slide.current');
  for (const el of [slide, ...slide.querySelectorAll('*')]) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1
        || r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) {
      bad.push(`${el.tagName}.${el.className.baseVal ?? el.className}: `
        + `${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight} at ${r.left},${r.top}`);
    }
  }
  return bad;
}"""


async def join(terminal: Terminal, names: list[str]) -> None:
    for name in names:
        await terminal.type(f"/as {name}")
    await terminal.type("/as organiser")


async def present_link(terminal: Terminal, server: PresentServer, survey_id: str) -> str:
    reply = await terminal.type(f"/canvass present {survey_id}")
    return f"http://127.0.0.1:{server.port}{link_path(reply)}"


async def vote(terminal: Terminal, core: Core, name: str, survey_id: str, answer: str) -> None:
    await terminal.type(f"/as {name}")
    confirmation = await terminal.type(f"/vote {survey_id} {answer}")
    assert "recorded" in confirmation, confirmation
    await core.service.settle()


async def shown_counts(page: Any) -> list[int]:
    values = await page.locator(".slide.current .chart .value").all_inner_texts()
    return [int(re.match(r"\d+", v).group()) for v in values]  # type: ignore[union-attr]


async def settles_on(page: Any, counts: list[int]) -> None:
    """Wait until the page shows these counts, then make sure it stays there (no in-between step)."""
    for _ in range(100):
        if await page.locator(".slide.current .chart").count() and await shown_counts(page) == counts:
            break
        await asyncio.sleep(0.05)
    assert await shown_counts(page) == counts
    await asyncio.sleep(0.4)  # several hub ticks
    assert await shown_counts(page) == counts


async def test_waiting_then_k_steps_then_final_results(
    core: Core, terminal: Terminal, server: PresentServer, browser: Any
) -> None:
    await join(terminal, VOTERS)
    poll = survey_id_from(await terminal.type('/canvass poll "Lunch?" "Pizza" "Sushi" --live --k 3'))
    page = await browser.new_page()
    await page.goto(await present_link(terminal, server, poll))
    await page.wait_for_selector(f"text={WAITING}")
    assert await page.locator(".slide.current .chart").count() == 0

    for name in ("ana", "ben"):
        await vote(terminal, core, name, poll, "1")
    await asyncio.sleep(0.4)
    assert await page.locator(f".slide.current >> text={WAITING}").count() == 1
    assert await page.locator(".slide.current .chart").count() == 0

    await vote(terminal, core, "cy", poll, "2")  # the third: the first step of k
    await settles_on(page, [2, 1])
    for name in ("dee", "eve"):  # two more: below the next step, the page must not move
        await vote(terminal, core, name, poll, "2")
    await asyncio.sleep(0.4)
    assert await shown_counts(page) == [2, 1]
    await vote(terminal, core, "fay", poll, "2")  # the sixth: the next step
    await settles_on(page, [2, 4])
    await vote(terminal, core, "gus", poll, "1")
    await asyncio.sleep(0.4)
    assert await shown_counts(page) == [2, 4]

    await terminal.type("/as organiser")
    await terminal.type(f"/canvass close {poll}")
    final = (await core.service.results(None, poll)).questions[0]
    expected = [o.count for o in final.options]  # type: ignore[union-attr]
    await page.wait_for_selector(".slide.current .status[data-status='Final results']")
    await settles_on(page, expected)
    assert await page.locator(".slide.current .progress").inner_text() != ""


SURVEY = """\
title = "Team day"
min_respondents = 3
results = "live"

[[questions]]
kind = "single"
text = "Where should we meet?"
options = ["Office", "Park"]

[[questions]]
kind = "scale"
text = "How useful was the morning?"
min = 1
max = 5

[[questions]]
kind = "text"
text = "One word for the day?"
"""


async def test_keyboard_and_clicks_move_between_questions(
    core: Core, terminal: Terminal, server: PresentServer, browser: Any, tmp_path: Path
) -> None:
    path = tmp_path / "survey.toml"
    path.write_text(SURVEY, encoding="utf-8")
    await join(terminal, VOTERS[:3])
    survey = survey_id_from(await terminal.type(f"/survey {path}"))
    page = await browser.new_page()
    await page.goto(await present_link(terminal, server, survey))
    current = page.locator(".slide.current h1")
    assert await current.inner_text() == "Where should we meet?"
    await page.keyboard.press("ArrowRight")
    assert await current.inner_text() == "How useful was the morning?"
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")  # past the end: stays on the last
    assert await current.inner_text() == "One word for the day?"
    await page.keyboard.press("ArrowLeft")
    assert await current.inner_text() == "How useful was the morning?"
    await page.keyboard.press("Home")
    assert await current.inner_text() == "Where should we meet?"

    await page.keyboard.press("o")  # the overview: every question at once
    assert await page.locator("body.overview").count() == 1
    assert await page.locator(".slide:visible").count() == 3
    await page.locator(".slide[data-index='2']").click()  # a click presents that question
    assert await page.locator("body.overview").count() == 0
    assert await current.inner_text() == "One word for the day?"
    await page.locator("#prev").click()
    assert await current.inner_text() == "How useful was the morning?"

    await page.keyboard.press("c")  # the high-contrast theme
    assert await page.locator("html[data-theme='contrast']").count() == 1


LONG_QUESTION = ("Which of these options should the committee adopt as its first priority for the next "
                 "budget cycle, taking into account the views expressed at the last plenary and the "
                 "constraints that the finance directorate described in its written note of last week, "
                 "and the opinions of the regional offices? ")[:300]


def widest_poll() -> str:
    """The platforms' limits at their worst: a 300-character question, 20 options of 75 characters."""
    options = ", ".join(f'"{i:02d} ' + "Wide-lettered option text WWW MMM with the longest label allowed " * 2
                        + '"' for i in range(1, 21))  # fmt: skip
    options = ", ".join(f'"{o.strip(chr(34))[:75]}"' for o in options.split(", "))
    return (f'title = "Budget priorities"\nmin_respondents = 3\nresults = "live"\n\n'
            f'[[questions]]\nkind = "single"\ntext = "{LONG_QUESTION}"\noptions = [{options}]\n')


async def test_screenshot_at_1920_by_1080_has_no_overflowing_text(
    core: Core, terminal: Terminal, server: PresentServer, browser: Any, tmp_path: Path
) -> None:
    await join(terminal, VOTERS)
    path = tmp_path / "wide.toml"
    path.write_text(widest_poll(), encoding="utf-8")
    poll = survey_id_from(await terminal.type(f"/survey {path}"))
    page = await browser.new_page()
    await page.goto(await present_link(terminal, server, poll))
    assert await page.evaluate(OVERFLOWS) == []  # the waiting screen, with its QR code and link
    for i, name in enumerate(VOTERS):
        await vote(terminal, core, name, poll, str(1 + i % 20))
    await page.wait_for_selector(".slide.current .chart")
    assert await page.evaluate("[innerWidth, innerHeight]") == [1920, 1080]
    assert await page.evaluate(OVERFLOWS) == []
    await page.keyboard.press("c")
    assert await page.evaluate(OVERFLOWS) == []
    shot = tmp_path / "presenter.png"
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("CANVASS_PRESENTER_SCREENSHOT"):  # docs/images/presenter.png is made this way
        await page.keyboard.press("c")
        await page.screenshot(path=os.environ["CANVASS_PRESENTER_SCREENSHOT"])
