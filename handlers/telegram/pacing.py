"""Pacing for Telegram's limits: about 1 message a second per chat and 30 a second overall, with
short bursts allowed; and a pause for the whole channel when Telegram answers 429.

Each limit is a GCRA ("virtual scheduling") bucket: a send reserves its slot before it waits, so
concurrent sends (the outbox worker sends a batch at once) each get a slot of their own."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["Pacer", "Rate"]

_REMEMBERED_CHATS = 10_000  # a chat idle for longer than its burst needs no memory of its own


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int = 1

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


class Pacer:
    def __init__(
        self,
        per_chat: Rate,
        overall: Rate,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_chat = per_chat
        self.overall = overall
        self._monotonic = monotonic
        self._sleep = sleep
        self._overall_due = 0.0
        self._chat_due: OrderedDict[str, float] = OrderedDict()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing is sent on this channel for `seconds`."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def paused_for(self) -> float:
        """Seconds left of a 429 pause; 0 when not paused."""
        return max(0.0, self._paused_until - self._monotonic())

    async def wait_turn(self, chat: str) -> None:
        """Wait until a message to `chat` may go: first the chat's own turn, then a slot overall.
        (Taken in that order, a chat with a backlog cannot hold the overall slots of other chats.)
        The caller checks `paused_for` afterwards."""
        now = self._monotonic()
        due = self._chat_due.pop(chat, 0.0)
        start = max(now, due - self.per_chat.tolerance)
        self._chat_due[chat] = max(due, start) + self.per_chat.interval
        while len(self._chat_due) > _REMEMBERED_CHATS:
            self._chat_due.popitem(last=False)
        if start > now:
            await self._sleep(start - now)

        now = self._monotonic()
        start = max(now, self._overall_due - self.overall.tolerance)
        self._overall_due = max(self._overall_due, start) + self.overall.interval
        if start > now:
            await self._sleep(start - now)
