"""Pacing for Telegram's limits: about 1 message a second per chat and 30 a second overall, with
short bursts allowed; and a pause for the whole channel when Telegram answers 429.

Each limit is a GCRA ("virtual scheduling") bucket: a send reserves its slot before it waits, so
concurrent sends (the outbox worker sends a batch at once) each get a slot of their own. Alone (one
process, SQLite) the buckets live here; with a `SlotSource` they are shared by every process that sends
for the bot (see `handlers/slots.py`), and so is a 429's pause."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from handlers.slots import Rate, SlotSource

__all__ = ["Pacer", "Rate"]

_REMEMBERED_CHATS = 10_000  # a chat idle for longer than its burst needs no memory of its own


class Pacer:
    def __init__(
        self,
        per_chat: Rate,
        overall: Rate,
        *,
        slots: SlotSource | None = None,
        key: str = "telegram",
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`slots`: the buckets every worker shares (named from `key`); without it, this process's own."""
        self.per_chat = per_chat
        self.overall = overall
        self._slots = slots
        self._key = key
        self._pause_key = f"{key}:paused"
        self._monotonic = monotonic
        self._sleep = sleep
        self._overall_due = 0.0
        self._chat_due: OrderedDict[str, float] = OrderedDict()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing is sent on this channel for `seconds` (by any worker, when shared)."""
        self._pause_here(seconds)
        if self._slots is not None:
            self._slots.pause(self._pause_key, seconds)

    def paused_for(self) -> float:
        """Seconds left of a 429 pause; 0 when not paused."""
        return max(0.0, self._paused_until - self._monotonic())

    async def wait_turn(self, chat: str) -> None:
        """Wait until a message to `chat` may go: first the chat's own turn, then a slot overall.
        (Taken in that order, a chat with a backlog cannot hold the overall slots of other chats.)
        The caller checks `paused_for` afterwards. Raises SlotsUnavailable when shared buckets cannot
        be reached."""
        if self._slots is not None:
            await self._shared_turn(self._slots, chat)
            return
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

    async def _shared_turn(self, slots: SlotSource, chat: str) -> None:
        turn = await slots.reserve(f"{self._key}:chat:{chat}", self.per_chat)
        if turn.wait > 0:
            await self._sleep(turn.wait)
        turn = await slots.reserve(self._key, self.overall, pause_key=self._pause_key)
        if turn.paused_for > 0:  # another worker met a 429: this slot is given up, the caller retries later
            self._pause_here(turn.paused_for)
            return
        if turn.wait > 0:
            await self._sleep(turn.wait)

    def _pause_here(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
