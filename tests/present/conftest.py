"""The presenter page wired as `canvass run` wires it, with the console adapter as the voters' chat,
and a real headless Chromium (Debian's package) driven by Playwright for the browser tests."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.present.server import PresentServer
from bot.bootstrap import Core, build_core
from bot.config import Config, CoreConfig, PresentConfig
from tests.console.terminal import Terminal, console_terminal

CHROMIUM = os.environ.get("CANVASS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("CANVASS_REQUIRE_BROWSER") == "1"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def link_path(reply: str) -> str:
    match = re.search(r"https?://[^/\s]+(/present/[A-Za-z0-9_-]+)", reply)
    assert match, reply
    return match.group(1)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    config = Config(
        canvass=CoreConfig(data_dir=str(tmp_path / "data"), organisers=["console:organiser"], default_k=3),
        present=PresentConfig(enabled=True, port=0),
    )
    core = await build_core(config, with_charts=False)
    core.service.live_refresh_seconds = 0.0  # each step of k is published at once
    yield core
    await core.close()


@pytest.fixture
def terminal(core: Core) -> Terminal:
    return console_terminal(core)


@pytest.fixture
async def server(core: Core) -> AsyncIterator[PresentServer]:
    assert core.presenter is not None
    present = PresentServer(core.presenter, "127.0.0.1", 0, tick_seconds=0.1)
    present.keepalive_seconds = 0.3
    await present.start()
    yield present
    await present.stop()


def _browser_missing() -> str | None:
    if shutil.which(CHROMIUM) is None:
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    """A 1920×1080 page in headless Chromium with a new, empty profile."""
    reason = _browser_missing()
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(f"CANVASS_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1920, "height": 1080},
            offline=False,
        )
        try:
            yield context
        finally:
            await context.close()
