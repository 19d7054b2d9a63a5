"""The Telegram sender the outbox worker drives: paced sends, and each Bot API answer turned into
an outcome the worker records on the outbox row.

- 429 → wait exactly `retry_after` (the whole channel pauses; the message keeps its attempts)
- 403 (blocked, account deleted) → unreachable: nothing more is sent to that person
- 400 → failed with Telegram's reason (retrying would get the same answer)
- 5xx, timeouts, network errors → retry later with backoff; the worker gives up after its limit

A message split in parts that fails half way resumes at the part that failed, not from the start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from handlers.sending import Delivered, Failed, OutgoingMessage, RetryLater, SendResult, Unreachable
from handlers.telegram.pacing import Pacer
from handlers.telegram.parsing import CHANNEL
from handlers.telegram.rendering import render

__all__ = ["TelegramSender", "retry_after_seconds"]

_PARTS_REMEMBERED = 10_000


def retry_after_seconds(error: RetryAfter) -> float:
    """A timedelta with PTB_TIMEDELTA set (see `TelegramClient`), else seconds."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: Bot, pacer: Pacer, backoff: Callable[[int], float]) -> None:
        """`backoff(attempt)`: seconds to wait before retrying after a transient error."""
        self.bot = bot
        self.pacer = pacer
        self.backoff = backoff
        self._parts_sent: dict[int, int] = {}  # outbox id → parts delivered before a failure

    async def send(self, message: OutgoingMessage) -> SendResult:
        parts = render(message)
        if not parts:
            return Failed("nothing to send: the message is blank")
        first = self._parts_sent.pop(message.id, 0)
        sent: Message | None = None
        for index in range(first, len(parts)):
            if (paused := self.pacer.paused_for()) > 0:
                return self._later(message.id, index, RetryLater(paused, "waiting out a 429", rate_limited=True))
            await self.pacer.wait_turn(message.recipient)
            if (paused := self.pacer.paused_for()) > 0:  # a 429 arrived while this one waited its turn
                return self._later(message.id, index, RetryLater(paused, "waiting out a 429", rate_limited=True))
            part = parts[index]
            try:
                sent = await self.bot.send_message(
                    chat_id=message.recipient, text=part.text, reply_markup=part.keyboard
                )
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.pacer.pause(seconds)
                reason = f"429 Too Many Requests: retry after {seconds:g} s"
                return self._later(message.id, index, RetryLater(seconds, reason, rate_limited=True))
            except Forbidden as exc:
                return Unreachable(self._reason("403", exc))
            except (BadRequest, ChatMigrated) as exc:
                return Failed(self._reason("400", exc))
            except TelegramError as exc:  # 5xx, timeouts, connection errors, a rejected token
                retry = RetryLater(self.backoff(message.attempt), self._reason(type(exc).__name__, exc))
                return self._later(message.id, index, retry)
        assert sent is not None
        return Delivered(str(sent.message_id))

    def _later(self, outbox_id: int, parts_done: int, result: RetryLater) -> RetryLater:
        if parts_done:
            self._parts_sent[outbox_id] = parts_done
            while len(self._parts_sent) > _PARTS_REMEMBERED:
                self._parts_sent.pop(next(iter(self._parts_sent)))
        return result

    def _reason(self, code: str, error: TelegramError) -> str:
        # Telegram's description ("Forbidden: bot was blocked by the user"); never the message text.
        # The token is blanked in case a transport error quotes the URL it was calling.
        return f"{code}: {error.message}".replace(self.bot.token, "<token>")
