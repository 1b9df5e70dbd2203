"""Group commit: every item that arrives while a transaction is being written waits for the next one,
and that one transaction stores them all. There is no artificial delay: a lone item is written at
once, and batches form only under load. Each caller is answered only after its batch committed, so
batching keeps the crash guarantee. A batch that fails is written again item by item, so one bad item
fails alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class GroupCommit(Generic[Item, Outcome]):
    def __init__(
        self, write: Callable[[list[Item]], Awaitable[list[Outcome]]], name: str, max_batch: int = 200
    ) -> None:
        self._write = write  # one transaction for the batch; one outcome per item, in order
        self._name = name
        self._max_batch = max_batch
        self._queue: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._in_flight: list[tuple[Item, asyncio.Future[Outcome]]] = []
        # Held while a batch is written; another writer that must not lose the lock to a stream of
        # batches takes it too (storage/ballot_writer.py: BallotWriter.exclusive).
        self.gate = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Outcome:
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name=self._name)
        return await done

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        except BaseException as error:
            # Cancelled (shutdown) or a bug: no caller may wait for ever on a batch nobody writes.
            for _, done in self._in_flight + self._queue:
                if not done.done():
                    done.set_exception(RuntimeError(f"{self._name} stopped: {type(error).__name__}"))
            self._in_flight, self._queue = [], []
            raise

    async def _drain_queue(self) -> None:
        while self._queue:
            await asyncio.sleep(0)  # one turn of the loop lets items already on their way join in
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            self._in_flight = batch
            async with self.gate:
                await self._write_batch(batch)

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        if len(batch) == 1:
            await self._write_alone(*batch[0])
            return
        try:
            outcomes = await self._write([item for item, _ in batch])
        except Exception:
            log.warning("%s: a batch of %d failed; writing them one by one", self._name, len(batch))
            for item, done in batch:
                await self._write_alone(item, done)
            return
        for (_, done), outcome in zip(batch, outcomes, strict=True):
            if not done.done():
                done.set_result(outcome)

    async def _write_alone(self, item: Item, done: asyncio.Future[Outcome]) -> None:
        try:
            (outcome,) = await self._write([item])
        except Exception as error:
            if not done.done():
                done.set_exception(error)
        else:
            if not done.done():
                done.set_result(outcome)
