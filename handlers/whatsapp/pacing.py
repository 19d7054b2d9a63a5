"""Pacing for one WhatsApp number: at most `per_second` messages a second (80 by default, Meta's
default throughput), and a pause for the whole number when Meta says slow down (130429, 131056).

A GCRA ("virtual scheduling") bucket: a send reserves its slot before it waits, so concurrent sends
(the outbox worker sends a batch at once) each get a slot of their own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["Throttle"]


class Throttle:
    def __init__(
        self,
        per_second: float,
        *,
        burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.tolerance = (max(1, burst) - 1) * self.interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._due = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    async def wait_turn(self) -> None:
        now = self._monotonic()
        start = max(now, self._due - self.tolerance)
        self._due = max(self._due, start) + self.interval
        if start > now:
            await self._sleep(start - now)
