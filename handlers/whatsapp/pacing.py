"""Pacing for one WhatsApp number: at most `per_second` messages a second (80 by default, Meta's
default throughput), and a pause for the whole number when Meta says slow down (130429, 131056).

A GCRA ("virtual scheduling") bucket: a send reserves its slot before it waits, so concurrent sends
(the outbox worker sends a batch at once) each get a slot of their own. Alone (one process, SQLite) the
bucket lives here; with a `SlotSource` it is shared by every process that sends for the number (see
`handlers/slots.py`), and so is a slow-down's pause."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from handlers.slots import Rate, SlotSource

__all__ = ["Throttle"]


class Throttle:
    def __init__(
        self,
        per_second: float,
        *,
        burst: int = 1,
        slots: SlotSource | None = None,
        key: str = "whatsapp",
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`slots`: the bucket every worker shares (named `key`: one per number); without it, this
        process's own."""
        self.rate = Rate(per_second, max(1, burst))
        self.interval = self.rate.interval
        self.tolerance = self.rate.tolerance
        self._slots = slots
        self._key = key
        self._pause_key = f"{key}:paused"
        self._monotonic = monotonic
        self._sleep = sleep
        self._due = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Meta said slow down: nothing is sent from this number for `seconds` (by any worker, when shared)."""
        self._pause_here(seconds)
        if self._slots is not None:
            self._slots.pause(self._pause_key, seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._monotonic())

    async def wait_turn(self) -> None:
        """Wait for this send's slot. The caller checks `paused_for` afterwards. Raises SlotsUnavailable
        when the shared bucket cannot be reached."""
        if self._slots is not None:
            turn = await self._slots.reserve(self._key, self.rate, pause_key=self._pause_key)
            if turn.paused_for > 0:  # another worker was told to slow down: the caller retries later
                self._pause_here(turn.paused_for)
            elif turn.wait > 0:
                await self._sleep(turn.wait)
            return
        now = self._monotonic()
        start = max(now, self._due - self.tolerance)
        self._due = max(self._due, start) + self.interval
        if start > now:
            await self._sleep(start - now)

    def _pause_here(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
