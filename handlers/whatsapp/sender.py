"""The WhatsApp sender the outbox worker drives: paced sends, the 24-hour window, and each Graph API
answer turned into an outcome the worker records on the outbox row.

- inside the 24-hour window (every reply; a notification to someone who wrote within 24 hours)
  → free-form: text, reply buttons or a list (see `rendering`)
- outside it → the approved template, the text as its variable; with no template configured the
  message fails with that reason. 131047 ("re-engagement message") means the same.
- 130429, 131056 (slow down) → the whole number pauses, doubling while Meta keeps saying so; the
  message keeps its attempts
- 131026 (undeliverable: not on WhatsApp, or cannot receive) → unreachable: nothing more is sent
- any other 4xx → failed with Meta's code and message (retrying gets the same answer)
- 5xx, timeouts, network errors → retry later with backoff; the worker gives up after its limit

A file is uploaded (POST /media) and sent as an "image" (JPEG, PNG) or a "document" (its file name
kept) with the text as its caption; a text too long for a caption, or with choices, goes just before
it. Only inside the 24-hour window: our template carries text only. The Cloud API cannot edit a
message, so one that `replaces` another is sent as a new message.

A message split in parts that fails half way resumes at the part that failed, not from the start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.http_pool import UNREACHABLE
from handlers.sending import Delivered, Failed, OutgoingFile, OutgoingMessage, RetryLater, SendResult, Unreachable
from handlers.slots import RETRY_WHEN_UNAVAILABLE_SECONDS, SlotsUnavailable
from handlers.whatsapp.client import GraphAnswer, GraphClient
from handlers.whatsapp.pacing import Throttle
from handlers.whatsapp.parsing import CHANNEL
from handlers.whatsapp.rendering import WhatsAppPayload, render, template_text

__all__ = [
    "FILE_OUTSIDE_WINDOW",
    "MAX_CAPTION_LENGTH",
    "NO_TEMPLATE",
    "RATE_LIMIT_CODES",
    "REENGAGEMENT_CODE",
    "UNDELIVERABLE_CODE",
    "WINDOW",
    "Template",
    "WhatsAppSender",
]

WINDOW = timedelta(hours=24)
RATE_LIMIT_CODES = frozenset({130429, 131056})  # throughput reached; too many to one person
REENGAGEMENT_CODE = 131047  # more than 24 hours since the person last wrote
UNDELIVERABLE_CODE = 131026
NO_TEMPLATE = "outside the 24-hour window and no template configured (WHATSAPP_TEMPLATE_NAME)"
FILE_OUTSIDE_WINDOW = "a file can be sent only within 24 hours of the person's last message"
MAX_CAPTION_LENGTH = 1024
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})  # what WhatsApp shows as a picture; others go as documents
_FIRST_SLOW_DOWN_SECONDS = 1.0
_MAX_SLOW_DOWN_SECONDS = 60.0
_PARTS_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class Template:
    """An approved UTILITY template with one body variable ({{1}}), which carries the text."""

    name: str
    language: str = "id"

    def content(self, text: str) -> WhatsAppPayload:
        parameters = [{"type": "text", "text": text}]
        return {
            "type": "template",
            "template": {
                "name": self.name,
                "language": {"code": self.language},
                "components": [{"type": "body", "parameters": parameters}],
            },
        }


class WhatsAppSender:
    channel = CHANNEL

    def __init__(
        self,
        client: GraphClient,
        throttle: Throttle,
        backoff: Callable[[int], float],
        clock: Callable[[], datetime],
        template: Template | None = None,
    ) -> None:
        """`backoff(attempt)`: seconds to wait before retrying after a transient error."""
        self.client = client
        self.throttle = throttle
        self.backoff = backoff
        self.clock = clock
        self.template = template
        self._slow_downs = 0  # "slow down" answers in a row
        self._parts_sent: dict[int, int] = {}  # outbox id → parts delivered before a failure
        self._uploaded: dict[int, str] = {}  # outbox id → media id, so a retry does not upload again

    def window_open(self, message: OutgoingMessage) -> bool:
        """May this message go free-form? A reply always may: the person has just written."""
        if message.kind == "reply":
            return True
        last = message.last_inbound_at
        return last is not None and self.clock() - last < WINDOW

    async def send(self, message: OutgoingMessage) -> SendResult:
        if not self.window_open(message):
            if message.file is not None:
                return Failed(FILE_OUTSIDE_WINDOW)
            return await self._send_template(message)
        parts: list[WhatsAppPayload | OutgoingFile] = [*_parts(message)]
        if not parts:
            return Failed("nothing to send: the message is blank")
        first = self._parts_sent.pop(message.id, 0)
        provider_id: str | None = None
        for index in range(first, len(parts)):
            part = parts[index]
            if isinstance(part, OutgoingFile):
                content = await self._file_content(message, part)
                if not isinstance(content, dict):
                    return self._later(message.id, index, content)
            else:
                content = part
            answer = await self._post(message, content)
            if isinstance(answer, GraphAnswer) and answer.ok:
                provider_id = answer.message_id
                continue
            if isinstance(answer, GraphAnswer) and answer.error_code == REENGAGEMENT_CODE and index == 0:
                if message.file is not None:
                    return self._later(message.id, index, Failed(FILE_OUTSIDE_WINDOW))
                return await self._send_template(message)
            return self._later(message.id, index, self._outcome(message, answer))
        self._uploaded.pop(message.id, None)
        return Delivered(provider_id)

    async def _file_content(self, message: OutgoingMessage, file: OutgoingFile) -> WhatsAppPayload | SendResult:
        """The "image" or "document" part for `file`, uploaded first; or what to do when the upload failed."""
        media_id = self._uploaded.get(message.id)
        if media_id is None:
            if (paused := self.throttle.paused_for()) > 0:
                return RetryLater(paused, "waiting: WhatsApp asked to slow down", rate_limited=True)
            try:
                answer = await self.client.upload_media(file.name, file.media_type, file.content)
            except UNREACHABLE as exc:
                return RetryLater(self.backoff(message.attempt), f"upload failed: network error: {type(exc).__name__}")
            if not answer.ok or answer.message_id is None:
                return self._outcome(message, answer)
            media_id = answer.message_id
            self._uploaded[message.id] = media_id
            while len(self._uploaded) > _PARTS_REMEMBERED:
                self._uploaded.pop(next(iter(self._uploaded)))
        caption = _caption(message)
        if file.media_type.lower() in _IMAGE_TYPES:
            image: dict[str, str] = {"id": media_id}
            if caption:
                image["caption"] = caption
            return {"type": "image", "image": image}
        document = {"id": media_id, "filename": file.name}
        if caption:
            document["caption"] = caption
        return {"type": "document", "document": document}

    async def _send_template(self, message: OutgoingMessage) -> SendResult:
        if self.template is None:
            return Failed(NO_TEMPLATE)
        text = template_text(message)
        if not text:
            return Failed("nothing to send: the message is blank")
        answer = await self._post(message, self.template.content(text))
        if isinstance(answer, GraphAnswer) and answer.ok:
            return Delivered(answer.message_id)
        return self._outcome(message, answer)

    async def _post(self, message: OutgoingMessage, content: WhatsAppPayload) -> GraphAnswer | RetryLater:
        """The Graph API's answer, or RetryLater when paused or the API could not be reached."""
        if (paused := self.throttle.paused_for()) > 0:
            return RetryLater(paused, "waiting: WhatsApp asked to slow down", rate_limited=True)
        try:
            await self.throttle.wait_turn()
        except SlotsUnavailable:
            return RetryLater(RETRY_WHEN_UNAVAILABLE_SECONDS, "shared send limits unreachable", rate_limited=True)
        if (paused := self.throttle.paused_for()) > 0:  # a slow-down arrived while this one waited
            return RetryLater(paused, "waiting: WhatsApp asked to slow down", rate_limited=True)
        try:
            answer = await self.client.send_message(message.recipient, content)
        except UNREACHABLE as exc:  # the type only: the text may quote the URL
            return RetryLater(self.backoff(message.attempt), f"network error: {type(exc).__name__}")
        if answer.ok:
            self._slow_downs = 0
        return answer

    def _outcome(self, message: OutgoingMessage, answer: GraphAnswer | RetryLater) -> SendResult:
        if isinstance(answer, RetryLater):
            return answer
        code = answer.error_code
        reason = f"{code}: {answer.error_message}"
        if code in RATE_LIMIT_CODES:
            self._slow_downs += 1
            seconds = min(_FIRST_SLOW_DOWN_SECONDS * 2.0 ** (self._slow_downs - 1), _MAX_SLOW_DOWN_SECONDS)
            self.throttle.pause(seconds)
            return RetryLater(seconds, reason, rate_limited=True)
        if code == UNDELIVERABLE_CODE:
            return Unreachable(reason)
        if code == REENGAGEMENT_CODE:  # a later part found the window closed: the rest cannot go now
            return Failed(NO_TEMPLATE if self.template is None else reason)
        if answer.http_status >= 500 or answer.http_status < 400:
            return RetryLater(self.backoff(message.attempt), reason)
        return Failed(reason)

    def _later(self, outbox_id: int, parts_done: int, result: SendResult) -> SendResult:
        if not isinstance(result, RetryLater):
            self._uploaded.pop(outbox_id, None)
        if parts_done and isinstance(result, RetryLater):
            self._parts_sent[outbox_id] = parts_done
            while len(self._parts_sent) > _PARTS_REMEMBERED:
                self._parts_sent.pop(next(iter(self._parts_sent)))
        return result


def _caption(message: OutgoingMessage) -> str:
    """The file's caption: the text, when it can go with the file (see `_parts`)."""
    body = message.body.strip()
    return body if not message.choices and len(body) <= MAX_CAPTION_LENGTH else ""


def _parts(message: OutgoingMessage) -> list[WhatsAppPayload | OutgoingFile]:
    """What carries `message`, in order; a file stands for its upload and its "image" or "document"."""
    if message.file is None:
        return list(render(message))
    if _caption(message) or not (message.body.strip() or message.choices):
        return [message.file]
    return [*render(message), message.file]
