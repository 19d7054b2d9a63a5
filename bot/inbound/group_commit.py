"""Group commit: the work that arrives while one transaction runs is done together in the next.

A caller submits an item and awaits its result; a lane's runner takes everything waiting (up to a
batch's size) and hands it to `work` in one call, in the order it came. Nothing waits on purpose: with
one message in flight a batch is that one message, and under load batches grow by themselves, which is
what turns forty database round trips a message into a handful a batch.

Items with the same key always go to the same lane, one batch after another, so one person's messages
are handled in the order they came; lanes run side by side (PostgreSQL can take several transactions
at once; SQLite has one lane)."""

from __future__ import annotations

import asyncio
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(slots=True)
class _Lane(Generic[Item, Result]):
    waiting: deque[tuple[Item, asyncio.Future[Result]]] = field(default_factory=deque)
    runner: asyncio.Task[None] | None = None


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        work: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]],
        *,
        lanes: int = 1,
        most: int = 200,
    ) -> None:
        """`work` gets a batch of at most `most` items and returns one result per item, in order. It must
        not raise for one bad item (the pipeline handles them one by one then); if it raises anyway,
        every caller of that batch gets the error."""
        if lanes < 1 or most < 1:
            raise ValueError("a group commit needs at least one lane and room for one item")
        self._work = work
        self._most = most
        self._lanes: list[_Lane[Item, Result]] = [_Lane() for _ in range(lanes)]

    async def submit(self, key: str, item: Item) -> Result:
        """`item`'s result, once the batch it joined is done. Cancelling the wait does not take the item
        back: it is handled all the same (a message that arrived is never half-handled)."""
        lane = self._lanes[zlib.crc32(key.encode()) % len(self._lanes)] if len(self._lanes) > 1 else self._lanes[0]
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        lane.waiting.append((item, future))
        if lane.runner is None:
            lane.runner = asyncio.create_task(self._run(lane), name="group commit")
        return await asyncio.shield(future)

    async def wait_idle(self) -> None:
        """Until every lane has finished what it was given (for a clean stop)."""
        runners = [lane.runner for lane in self._lanes if lane.runner is not None]
        if runners:
            await asyncio.gather(*runners, return_exceptions=True)

    async def _run(self, lane: _Lane[Item, Result]) -> None:
        try:
            while lane.waiting:
                taken = [lane.waiting.popleft() for _ in range(min(self._most, len(lane.waiting)))]
                try:
                    results = await self._work([item for item, _ in taken])
                except BaseException as exc:
                    for _, future in taken:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, future), result in zip(taken, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            lane.runner = None
            # Cancelled (the process is stopping): what still waits was not stored and must not wait
            # forever; its caller fails, and Telegram or Meta delivers it again.
            while lane.waiting:
                _, future = lane.waiting.popleft()
                if not future.done():
                    future.set_exception(RuntimeError("stopped before this message was handled"))
