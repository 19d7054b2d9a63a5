"""The Telegram sender the outbox worker drives: paced sends, and each Bot API answer turned into
an outcome the worker records on the outbox row.

- 429 → wait exactly `retry_after` (the whole channel pauses; the message keeps its attempts)
- 403 (blocked, account deleted) → unreachable: nothing more is sent to that person
- 400 → failed with Telegram's reason (retrying would get the same answer)
- 5xx, timeouts, network errors → retry later with backoff; the worker gives up after its limit

A file goes as sendPhoto (image/*) or sendDocument (its file name kept) with the text as its caption;
a text too long for a caption, or with choices, is sent as a text message just before the file. A
message that `replaces` another is an editMessageText of it (plain text, no keyboard): "not modified"
counts as delivered, and a message that can no longer be edited is sent as a new one.

A message sent in parts (a long text, text then file) that fails half way resumes at the part that
failed, not from the start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from handlers.sending import (
    Delivered,
    Failed,
    OutgoingFile,
    OutgoingMessage,
    RetryLater,
    SendResult,
    Unreachable,
    shown_choices,
)
from handlers.slots import RETRY_WHEN_UNAVAILABLE_SECONDS, SlotsUnavailable
from handlers.telegram.client import TelegramClient
from handlers.telegram.pacing import Pacer
from handlers.telegram.parsing import CHANNEL
from handlers.telegram.rendering import TelegramText, render, split_text, telegram_length

__all__ = ["MAX_CAPTION_LENGTH", "TelegramSender", "retry_after_seconds"]

MAX_CAPTION_LENGTH = 1024  # a photo's or document's caption, in UTF-16 code units
_PARTS_REMEMBERED = 10_000
# BadRequest descriptions meaning "edit impossible, send it anew" (the message was deleted, is too old,
# or is not a text).
_CANNOT_EDIT = ("message to edit not found", "message can't be edited", "there is no text in the message to edit")
_NOT_MODIFIED = "message is not modified"


def retry_after_seconds(error: RetryAfter) -> float:
    """A timedelta with PTB_TIMEDELTA set (see `TelegramClient`), else seconds."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(frozen=True, slots=True)
class _FilePart:
    """One sendPhoto or sendDocument."""

    file: OutgoingFile
    caption: str | None

    @property
    def is_photo(self) -> bool:
        return self.file.media_type.lower().startswith("image/")


_Part = TelegramText | _FilePart


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: TelegramClient, pacer: Pacer, backoff: Callable[[int], float]) -> None:
        """`backoff(attempt)`: seconds to wait before retrying after a transient error."""
        self.bot = bot
        self.pacer = pacer
        self.backoff = backoff
        self._parts_sent: dict[int, int] = {}  # outbox id → parts delivered before a failure

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.replaces is not None and message.file is None:
            edited = await self._edit(message, message.replaces)
            if edited is not None:
                return edited
        parts = _parts(message)
        if not parts:
            return Failed("nothing to send: the message is blank")
        first = self._parts_sent.pop(message.id, 0)
        sent: int | None = None
        for index in range(first, len(parts)):
            if (paused := await self._wait_turn(message.recipient)) is not None:
                return self._later(message.id, index, paused)
            try:
                sent = await self._send_part(message.recipient, parts[index])
            except TelegramError as exc:
                return self._later(message.id, index, self._outcome(message, exc))
        assert sent is not None
        return Delivered(str(sent))

    async def _send_part(self, chat_id: str, part: _Part) -> int:
        """The sent message's id."""
        if isinstance(part, TelegramText):
            return await self.bot.send_text(chat_id, part.text, part.keyboard)
        if part.is_photo:
            sent = await self.bot.send_photo(
                chat_id=chat_id, photo=part.file.content, caption=part.caption, filename=part.file.name
            )
        else:
            sent = await self.bot.send_document(
                chat_id=chat_id, document=part.file.content, caption=part.caption, filename=part.file.name
            )
        return sent.message_id

    async def _edit(self, message: OutgoingMessage, replaces: str) -> SendResult | None:
        """The outcome of editing `replaces`; None when it cannot be edited and is to be sent anew."""
        texts = split_text(_plain_text(message))
        if len(texts) != 1 or not replaces.isdigit():
            return None
        if (paused := await self._wait_turn(message.recipient)) is not None:
            return paused
        try:
            await self.bot.edit_message_text(text=texts[0], chat_id=message.recipient, message_id=int(replaces))
        except BadRequest as exc:
            if _NOT_MODIFIED in exc.message.lower():
                return Delivered(replaces)
            if any(words in exc.message.lower() for words in _CANNOT_EDIT):
                return None
            return self._outcome(message, exc)
        except TelegramError as exc:
            return self._outcome(message, exc)
        return Delivered(replaces)

    async def _wait_turn(self, chat_id: str) -> RetryLater | None:
        """Wait for this chat's turn; a RetryLater instead when the channel is paused after a 429."""
        if (paused := self.pacer.paused_for()) > 0:
            return RetryLater(paused, "waiting out a 429", rate_limited=True)
        try:
            await self.pacer.wait_turn(chat_id)
        except SlotsUnavailable:
            return RetryLater(RETRY_WHEN_UNAVAILABLE_SECONDS, "shared send limits unreachable", rate_limited=True)
        if (paused := self.pacer.paused_for()) > 0:  # a 429 arrived while this one waited its turn
            return RetryLater(paused, "waiting out a 429", rate_limited=True)
        return None

    def _outcome(self, message: OutgoingMessage, error: TelegramError) -> SendResult:
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            self.pacer.pause(seconds)
            return RetryLater(seconds, f"429 Too Many Requests: retry after {seconds:g} s", rate_limited=True)
        if isinstance(error, Forbidden):
            return Unreachable(self._reason("403", error))
        if isinstance(error, BadRequest | ChatMigrated):
            return Failed(self._reason("400", error))
        # 5xx, timeouts, connection errors, a rejected token
        return RetryLater(self.backoff(message.attempt), self._reason(type(error).__name__, error))

    def _later(self, outbox_id: int, parts_done: int, result: SendResult) -> SendResult:
        if parts_done and isinstance(result, RetryLater):
            self._parts_sent[outbox_id] = parts_done
            while len(self._parts_sent) > _PARTS_REMEMBERED:
                self._parts_sent.pop(next(iter(self._parts_sent)))
        return result

    def _reason(self, code: str, error: TelegramError) -> str:
        # Telegram's description ("Forbidden: bot was blocked by the user"); never the message text.
        # The token is blanked in case a transport error quotes the URL it was calling.
        return f"{code}: {error.message}".replace(self.bot.token, "<token>")


def _parts(message: OutgoingMessage) -> list[_Part]:
    """The Bot API calls that carry `message`, in order."""
    if message.file is None:
        return list(render(message))
    body = message.body.strip()
    if not message.choices and telegram_length(body) <= MAX_CAPTION_LENGTH:
        return [_FilePart(message.file, body or None)]
    return [*render(message), _FilePart(message.file, None)]


def _plain_text(message: OutgoingMessage) -> str:
    """An edit's text: no keyboard can be added by editMessageText here, so choices become lines."""
    lines = [message.body.strip(), *shown_choices(message.choices)]
    return "\n".join(line for line in lines if line)
