"""Starting and stopping the real bot (core + Matrix adapter) against the test homeserver."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.matrix.plugin import MatrixAdapter
from bot.bootstrap import Core, build_core, load_adapter
from bot.config import Config, CoreConfig, MatrixConfig
from bot.domain import Answer, Survey
from bot.ports import RenderedChart
from bot.results import SurveyResults, VisibleResult
from bot.tables import question_table
from charts.contribution import contribution_pdf
from tests.matrix.homeserver import Account, Homeserver


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class FakeRenderer:
    """A ChartRenderer that draws nothing but keeps the contract: a PNG, alt text with the numbers."""

    def __init__(self) -> None:
        self.calls = 0

    async def question_chart(self, results: SurveyResults, question: VisibleResult) -> RenderedChart:
        self.calls += 1
        table = question_table(question)
        return RenderedChart(tiny_png(), f"Chart. {table}", table)

    async def survey_pdf(self, results: SurveyResults) -> bytes:
        return b""

    async def summary_chart(self, results: SurveyResults) -> RenderedChart | None:
        return None

    async def contribution_pdf(self, survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> bytes:
        return contribution_pdf(survey, answers, submitted_at)  # the real one: the copy test reads it back


def keys(*persons: Any) -> list[str]:
    """Configured organisers' keys: a survey created through room power alone waits for their approval
    (bot/approval.py), so a test that is not about room power makes its organiser a configured one."""
    return [f"matrix:{person.user_id}" for person in persons]


def bot_config(
    hs: Homeserver,
    bot: Account,
    data_dir: Path,
    encryption: bool = False,
    organisers: Sequence[str] = (),
    **matrix: object,
) -> Config:
    core = CoreConfig(data_dir=str(data_dir), organisers=list(organisers), secret="s" * 32, timezone="UTC")
    settings = MatrixConfig(
        enabled=True,
        homeserver=hs.url,
        user_id=bot.user_id,
        password=bot.password,
        encryption=encryption,
        allowed_inviters=[":localhost"],
        messages_per_second=500.0,
    )
    return Config(canvass=core, matrix=replace(settings, **matrix))  # type: ignore[arg-type]


@dataclass
class RunningBot:
    core: Core
    adapter: MatrixAdapter
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await self.adapter.stop()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.core.close()


async def start_bot(config: Config, renderer: FakeRenderer | None = None) -> RunningBot:
    core = await build_core(config, renderer=renderer, with_charts=False)
    adapter = load_adapter("matrix", core)
    assert isinstance(adapter, MatrixAdapter)
    task = asyncio.create_task(adapter.run())
    ready = asyncio.create_task(adapter.ready())
    await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # raises what stopped the adapter
    assert ready.done(), "the adapter did not become ready"
    return RunningBot(core, adapter, task)
