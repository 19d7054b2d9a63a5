"""A fake Telegram Bot API server, over real HTTP on 127.0.0.1 (a free port), for tests and benchmarks.

It keeps what a bot sees of Telegram: updates waiting for getUpdates (a long poll that answers as
soon as one arrives), the webhook and its secret, the messages sent and their keyboards, files sent
(sendDocument, sendPhoto: multipart uploads) and edits (editMessageText), the taps answered, the
command menu. It records every call, and answers a call with 429 (and retry_after),
403 or 500 on demand, or every send with 429s and 5xx in turn for as long as an `outage()` lasts,
until `heal()`; `answer_delay` makes every send take that long (so that a test can catch sends in
flight). The real python-telegram-bot client talks to it through TELEGRAM_API_BASE.

    fake = FakeTelegram()
    await fake.start()                     # fake.url → TELEGRAM_API_BASE
    fake.push(fake.text_update(42, "halo"))
    await fake.wait_for(lambda: fake.sent_to(42), "a reply")
    await fake.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.multipart_form import FormFile, parse_multipart
from tests.waiting import wait_until

__all__ = ["BOT_ID", "MAX_CAPTION", "TOKEN", "Call", "FakeTelegram", "Sent"]

TOKEN = "123456:TEST-fake-token"
BOT_ID = 123456
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Jaring", "username": "jaring_test_bot", "can_join_groups": True}
MAX_TEXT = 4096
MAX_CAPTION = 1024

_SENDS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})
_JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    params: Mapping[str, Any]
    at: float  # time.monotonic() when the request arrived
    status: int


@dataclass(slots=True)
class Sent:
    message_id: int
    chat_id: int
    text: str  # a file's caption
    reply_markup: dict[str, Any] | None
    params: Mapping[str, Any]
    file: FormFile | None = None
    kind: str = "text"  # "text", "document" or "photo"
    edits: list[str] = field(default_factory=list)  # earlier texts, oldest first, when edited
    editable: bool = True

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of each inline button, in order."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(button["text"], button.get("callback_data", "")) for row in rows for button in row]


@dataclass(slots=True)
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int | None  # None: every call


@dataclass(slots=True)
class _State:
    pending: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0  # the highest offset a getUpdates confirmed
    webhook: dict[str, Any] | None = None
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    answered_taps: list[str] = field(default_factory=list)
    messages: list[Sent] = field(default_factory=list)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook_answers: list[int] = []
        self.state = _State()
        self._faults: list[_Fault] = []
        self._outage: Iterator[int] | None = None
        self._outage_retry_after = 1
        self.outage_answers = 0  # sends answered with the outage's errors
        self.answer_delay = 0.0  # seconds each send takes before it is answered
        # The client `deliver` posts with (a test sending many updates shares one); None: one per call.
        self.webhook_client: httpx.AsyncClient | None = None
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._by_id: dict[int, Sent] = {}  # the sent messages by id, for edits (a broadcast sends 100 000)
        self._changed = asyncio.Event()
        self._closing = False
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.url = ""
        self._methods: dict[str, Callable[[Mapping[str, Any]], Awaitable[JSONResponse]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
            "answerCallbackQuery": self._answer_callback_query,
            "sendMessage": self._send_message,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageText": self._edit_message_text,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
        }

    # ---- running -----------------------------------------------------------------------------

    async def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
        listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=False, timeout_graceful_shutdown=2)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        self._closing = True
        self._wake()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    # ---- what Telegram would send ------------------------------------------------------------

    def update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **content}

    def message(
        self, chat_id: int, *, chat_type: str = "private", user_id: int | None = None, **content: Any
    ) -> dict[str, Any]:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Siti", "language_code": "id"}
        chat = {"id": chat_id, "type": chat_type, "first_name": "Siti"}
        if chat_type != "private":
            chat = {"id": chat_id, "type": chat_type, "title": "RT 03"}
        body = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": user}
        return self.update(message={**body, **content})

    def text_update(self, chat_id: int, text: str, **options: Any) -> dict[str, Any]:
        return self.message(chat_id, text=text, **options)

    def tap_update(self, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Siti"}
        message = {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}}
        tap = {"id": f"tap-{next(self._update_ids)}", "from": user, "chat_instance": "1", "data": data}
        return self.update(callback_query={**tap, "message": message})

    # ---- delivering updates ------------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates."""
        self.state.pending.extend(updates)
        self._wake()

    async def deliver(self, update: Mapping[str, Any], *, secret: str | None = None) -> int:
        """POST an update to the registered webhook, as Telegram does; the HTTP status it got.
        `secret` overrides the registered secret token ("" sends none)."""
        webhook = self.state.webhook
        assert webhook is not None, "no webhook set"
        token = webhook.get("secret_token", "") if secret is None else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        if self.webhook_client is not None:
            response = await self.webhook_client.post(webhook["url"], json=dict(update), headers=headers)
        else:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(webhook["url"], json=dict(update), headers=headers)
        self.webhook_answers.append(response.status_code)
        return response.status_code

    # ---- failing on demand -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """The next `times` calls of `method` (to `chat_id`, if given) answer `status`."""
        default = {
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
        }.get(status, "Bad Request")
        self._faults.append(_Fault(method, status, description or default, retry_after, chat_id, times))

    def outage(self, statuses: Sequence[int] = (429, 500, 502), *, retry_after: int = 1) -> None:
        """From now until `heal()`, every send answers the next of `statuses` in turn (a 429 with
        `retry_after`), and is not sent."""
        self._outage = itertools.cycle(statuses)
        self._outage_retry_after = retry_after

    def heal(self) -> None:
        self._outage = None

    # ---- looking at what happened ------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.state.messages if m.chat_id == chat_id]

    def forbid_edits(self, message_id: int) -> None:
        """Editing this message answers "message can't be edited" (as for an old one)."""
        self._by_id[message_id].editable = False

    def delete(self, message_id: int) -> None:
        """The person deleted the message: editing it answers "message to edit not found"."""
        self.state.messages.remove(self._by_id.pop(message_id))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, condition: Callable[[], object], what: str, within: float = 5.0) -> None:
        await wait_until(condition, what, within)

    # ---- the Bot API -------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        arrived = time.monotonic()
        method = request.path_params["method"]
        try:
            body = await request.body()
        except ClientDisconnect:  # the bot went away mid-request (a worker killed): nothing was asked
            return _error(400, "Bad Request: the request was not received")
        params, files = _params(request.headers.get("content-type", ""), body)
        if request.path_params["token"] != self.token:
            return self._record(method, params, _error(401, "Unauthorized"), arrived)
        if method in _SENDS and self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        fault = self._outage_answer(method) or self._fault(method, params)
        if fault is not None:
            return self._record(method, params, fault, arrived)
        handler = self._methods.get(method)
        if handler is None:
            return self._record(method, params, _error(404, "Not Found"), arrived)
        answer = await handler({**params, **files}) if files else await handler(params)
        return self._record(method, params, answer, arrived)

    def _record(
        self, method: str, params: Mapping[str, Any], answer: JSONResponse, at: float | None = None
    ) -> JSONResponse:
        self.calls.append(Call(method, params, at or time.monotonic(), answer.status_code))
        return answer

    def _outage_answer(self, method: str) -> JSONResponse | None:
        if self._outage is None or method not in _SENDS:
            return None
        self.outage_answers += 1
        status = next(self._outage)
        if status == 429:
            retry_after = self._outage_retry_after
            description = f"Too Many Requests: retry after {retry_after}"
            return _error(429, description, parameters={"retry_after": retry_after})
        return _error(status, {502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Internal Server Error"))

    def _fault(self, method: str, params: Mapping[str, Any]) -> JSONResponse | None:
        for fault in self._faults:
            if fault.method != method or fault.chat_id not in (None, params.get("chat_id")):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
            extra = {"parameters": {"retry_after": fault.retry_after}} if fault.retry_after is not None else {}
            return _error(fault.status, fault.description, **extra)
        return None

    async def _get_me(self, _: Mapping[str, Any]) -> JSONResponse:
        return _ok(BOT)

    async def _get_updates(self, params: Mapping[str, Any]) -> JSONResponse:
        if self.state.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset", 0))
        if offset > 0:
            self.state.pending = [u for u in self.state.pending if u["update_id"] >= offset]
            self.state.confirmed = max(self.state.confirmed, offset)
        deadline = time.monotonic() + float(params.get("timeout", 0))
        while not self.state.pending and not self._closing and time.monotonic() < deadline:
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(deadline - time.monotonic()):
                    await changed.wait()
        return _ok(self.state.pending[: int(params.get("limit", 100))])

    async def _set_webhook(self, params: Mapping[str, Any]) -> JSONResponse:
        if params.get("drop_pending_updates") == "true":
            self.state.pending.clear()
        self.state.webhook = dict(params)
        return _ok(True)

    async def _delete_webhook(self, params: Mapping[str, Any]) -> JSONResponse:
        if params.get("drop_pending_updates") == "true":
            self.state.pending.clear()
        self.state.webhook = None
        return _ok(True)

    async def _set_my_commands(self, params: Mapping[str, Any]) -> JSONResponse:
        self.state.commands[params.get("language_code", "")] = params["commands"]
        return _ok(True)

    async def _answer_callback_query(self, params: Mapping[str, Any]) -> JSONResponse:
        self.state.answered_taps.append(params["callback_query_id"])
        return _ok(True)

    async def _send_message(self, params: Mapping[str, Any]) -> JSONResponse:
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if not 1 <= len(button.get("callback_data", "").encode()) <= 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        sent = Sent(next(self._message_ids), int(params["chat_id"]), text, markup, params)
        self._keep(sent)
        return _ok(_message_json(sent))

    async def _send_document(self, params: Mapping[str, Any]) -> JSONResponse:
        return self._send_file(params, "document")

    async def _send_photo(self, params: Mapping[str, Any]) -> JSONResponse:
        return self._send_file(params, "photo")

    def _send_file(self, params: Mapping[str, Any], kind: str) -> JSONResponse:
        file = params.get(kind)
        if not isinstance(file, FormFile) or not file.content:
            return _error(400, f"Bad Request: there is no {kind} in the request")
        if kind == "photo" and not file.media_type.startswith("image/"):
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = str(params.get("caption", ""))
        if len(caption.encode("utf-16-le")) // 2 > MAX_CAPTION:
            return _error(400, "Bad Request: message caption is too long")
        sent = Sent(next(self._message_ids), int(params["chat_id"]), caption, None, params, file=file, kind=kind)
        self._keep(sent)
        return _ok(_message_json(sent))

    def _keep(self, sent: Sent) -> None:
        self.state.messages.append(sent)
        self._by_id[sent.message_id] = sent

    def _sent_message(self, params: Mapping[str, Any]) -> Sent | None:
        """The message an edit names, if it exists in that chat."""
        found = self._by_id.get(params.get("message_id", 0))
        return found if found is not None and found.chat_id == params.get("chat_id") else None

    async def _edit_message_text(self, params: Mapping[str, Any]) -> JSONResponse:
        message = self._sent_message(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if not message.editable:
            return _error(400, "Bad Request: message can't be edited")
        if message.kind != "text":
            return _error(400, "Bad Request: there is no text in the message to edit")
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = params.get("reply_markup") or None
        if text == message.text and markup == message.reply_markup:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        message.edits.append(message.text)
        message.text, message.reply_markup = text, markup
        return _ok(_message_json(message))

    async def _edit_message_reply_markup(self, params: Mapping[str, Any]) -> JSONResponse:
        message = self._sent_message(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup") or None
        if markup == message.reply_markup:
            return _error(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        return _ok(_message_json(message))

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # never touch the test process's signal handlers
        yield

    async def main_loop(self) -> None:  # notice `should_exit` sooner than uvicorn's 0.1 s ticks
        ticks = 0
        while not await self.on_tick(ticks):
            ticks += 1
            await asyncio.sleep(0.01)


def _params(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, FormFile]]:
    """python-telegram-bot posts form fields, with lists and objects as JSON text; multipart/form-data
    when it uploads a file. The fields, and the files by field name."""
    if content_type.startswith("application/json"):
        loaded = json.loads(body or b"{}")
        return (dict(loaded) if isinstance(loaded, dict) else {}), {}
    files: dict[str, FormFile] = {}
    if content_type.startswith("multipart/form-data"):
        fields, files = parse_multipart(content_type, body)
        pairs = list(fields.items())
    else:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name in _JSON_FIELDS:
            params[name] = json.loads(value)
        elif name in _INT_FIELDS:
            params[name] = int(value)
        else:
            params[name] = value
    return params, files


def _message_json(sent: Sent) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": sent.message_id,
        "date": int(time.time()),
        "chat": {"id": sent.chat_id, "type": "private"},
        "from": BOT,
    }
    if sent.kind == "text":
        message["text"] = sent.text
    else:
        if sent.text:
            message["caption"] = sent.text
        assert sent.file is not None
        file_id = {"file_id": f"file-{sent.message_id}", "file_unique_id": f"u{sent.message_id}"}
        if sent.kind == "photo":
            message["photo"] = [{**file_id, "width": 800, "height": 600, "file_size": len(sent.file.content)}]
        else:
            message["document"] = {
                **file_id,
                "file_name": sent.file.name,
                "mime_type": sent.file.media_type,
                "file_size": len(sent.file.content),
            }
    if sent.reply_markup:
        message["reply_markup"] = sent.reply_markup
    return message


def _ok(result: object) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": status, "description": description, **extra}, status_code=status)
