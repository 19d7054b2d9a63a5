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

A message split in parts that fails half way resumes at the part that failed, not from the start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from handlers.sending import Delivered, Failed, OutgoingMessage, RetryLater, SendResult, Unreachable
from handlers.whatsapp.client import GraphAnswer, GraphClient
from handlers.whatsapp.pacing import Throttle
from handlers.whatsapp.parsing import CHANNEL
from handlers.whatsapp.rendering import WhatsAppPayload, render, template_text

__all__ = [
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

    def window_open(self, message: OutgoingMessage) -> bool:
        """May this message go free-form? A reply always may: the person has just written."""
        if message.kind == "reply":
            return True
        last = message.last_inbound_at
        return last is not None and self.clock() - last < WINDOW

    async def send(self, message: OutgoingMessage) -> SendResult:
        if not self.window_open(message):
            return await self._send_template(message)
        parts = render(message)
        if not parts:
            return Failed("nothing to send: the message is blank")
        first = self._parts_sent.pop(message.id, 0)
        provider_id: str | None = None
        for index in range(first, len(parts)):
            answer = await self._post(message, parts[index])
            if isinstance(answer, GraphAnswer) and answer.ok:
                provider_id = answer.message_id
                continue
            if isinstance(answer, GraphAnswer) and answer.error_code == REENGAGEMENT_CODE and index == 0:
                return await self._send_template(message)
            return self._later(message.id, index, self._outcome(message, answer))
        return Delivered(provider_id)

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
        await self.throttle.wait_turn()
        if (paused := self.throttle.paused_for()) > 0:  # a slow-down arrived while this one waited
            return RetryLater(paused, "waiting: WhatsApp asked to slow down", rate_limited=True)
        try:
            answer = await self.client.send_message(message.recipient, content)
        except httpx.HTTPError as exc:  # the type only: the text may quote the URL
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
        if parts_done and isinstance(result, RetryLater):
            self._parts_sent[outbox_id] = parts_done
            while len(self._parts_sent) > _PARTS_REMEMBERED:
                self._parts_sent.pop(next(iter(self._parts_sent)))
        return result
