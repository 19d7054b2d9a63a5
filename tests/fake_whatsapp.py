"""A fake WhatsApp Cloud API (Graph API) server, over real HTTP on 127.0.0.1 (a free port), for tests
and benchmarks.

It keeps what a business number sees of Meta: the messages sent (checked against WhatsApp's limits:
button and row titles, list sizes, body lengths; an unknown template is refused), files uploaded
(POST /media, multipart) and sent as "image" or "document" messages, the 24-hour window
(`close_window(wa_id)` makes free-form messages to that person answer 131047), and it records every
request. It answers with any Graph error code on demand (`fail`), or every send with rate limits and
server errors in turn for as long as an `outage()` lasts, until `heal()`; `answer_delay` makes every
send take that long (so that a test can catch sends in flight). As Meta, it also builds webhook
payloads shaped as Meta documents them and POSTs them, signed with the app secret, to the webhook.

    fake = FakeGraph()
    await fake.start()                    # fake.api_base → WHATSAPP_API_BASE
    fake.webhook_url = "http://127.0.0.1:8080/webhook/whatsapp"
    await fake.deliver(fake.text("6281234567890", "halo"))
    await fake.wait_for(lambda: fake.sent_to("6281234567890"), "a reply")
    await fake.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.multipart_form import FormFile, parse_multipart
from tests.waiting import wait_until

__all__ = ["API_VERSION", "APP_SECRET", "PHONE_NUMBER_ID", "TOKEN", "VERIFY_TOKEN", "Call", "FakeGraph", "Sent"]

TOKEN = "EAAG-fake-system-user-token"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "test-app-secret-0123456789abcdef"
VERIFY_TOKEN = "verifikasi-jaring-123"
API_VERSION = "v23.0"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "6285700000000"

_DEFAULT_HTTP_STATUS = {130429: 429, 131056: 429, 131000: 500, 1: 500, 2: 503}
_DEFAULT_MESSAGE = {
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    131000: "Something went wrong",
    131051: "Unsupported message type",
    100: "Invalid parameter",
}


@dataclass(frozen=True, slots=True)
class Call:
    path: str
    body: Mapping[str, Any]
    authorization: str
    status: int
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the fake accepted."""

    id: str
    to: str
    body: Mapping[str, Any]
    file: FormFile | None = None  # the uploaded file an "image" or "document" refers to

    @property
    def type(self) -> str:
        return str(self.body.get("type"))

    @property
    def text(self) -> str:
        """The text a person reads: a text's body, an interactive message's body, a template's variable."""
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.type == "template":
            return str(self.body["template"]["components"][0]["parameters"][0]["text"])
        if self.type in ("image", "document"):
            return str(self.body[self.type].get("caption", ""))
        return ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(id, title) of each reply button."""
        if self.type != "interactive" or self.body["interactive"]["type"] != "button":
            return []
        return [(b["reply"]["id"], b["reply"]["title"]) for b in self.body["interactive"]["action"]["buttons"]]

    @property
    def rows(self) -> list[dict[str, str]]:
        """The rows of a list message."""
        if self.type != "interactive" or self.body["interactive"]["type"] != "list":
            return []
        return [row for section in self.body["interactive"]["action"]["sections"] for row in section["rows"]]


@dataclass(slots=True)
class _Fault:
    code: int
    http_status: int
    message: str
    to: str | None
    times: int | None  # None: every call
    after: int  # calls let through first
    endpoint: str | None  # "messages" or "media"; None: both


class FakeGraph:
    def __init__(self, token: str = TOKEN, phone_number_id: str = PHONE_NUMBER_ID) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = APP_SECRET
        self.templates: set[tuple[str, str]] = {("jaring_pemberitahuan", "id")}  # approved (name, language)
        self.webhook_url = ""
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.media: dict[str, FormFile] = {}  # uploaded files by media id
        self.webhook_answers: list[int] = []
        self._closed_windows: set[str] = set()
        self._faults: list[_Fault] = []
        self._outage: Iterator[int] | None = None
        self.outage_answers = 0  # sends answered with the outage's errors
        self.answer_delay = 0.0  # seconds each send takes before it is answered
        # The client `deliver` posts with (a test sending many payloads shares one); None: one per call.
        self.webhook_client: httpx.AsyncClient | None = None
        self._ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    @property
    def api_base(self) -> str:
        return f"{self.url}/{API_VERSION}"

    # ---- running -----------------------------------------------------------------------------

    async def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
        listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        routes = [
            Route("/{version}/{phone_number_id}/messages", self._messages, methods=["POST"]),
            Route("/{version}/{phone_number_id}/media", self._upload, methods=["POST"]),
        ]
        config = uvicorn.Config(
            Starlette(routes=routes), lifespan="off", log_config=None, access_log=False, timeout_graceful_shutdown=2
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    # ---- what Meta would send: webhook payloads ----------------------------------------------

    def new_wamid(self) -> str:
        return f"wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA{next(self._ids):08d}AA=="

    def payload(
        self,
        *,
        messages: Sequence[Mapping[str, Any]] = (),
        statuses: Sequence[Mapping[str, Any]] = (),
        contacts: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """One entry with one `messages` change, as Meta sends it."""
        value: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": self.phone_number_id},
        }
        if contacts:
            value["contacts"] = [dict(c) for c in contacts]
        if messages:
            value["messages"] = [dict(m) for m in messages]
        if statuses:
            value["statuses"] = [dict(st) for st in statuses]
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
        }

    def message(
        self,
        wa_id: str,
        kind: str,
        content: Mapping[str, Any],
        *,
        name: str = "Siti",
        user_id: str | None = None,
        context: str | None = None,
    ) -> dict[str, Any]:
        """A payload with one message of type `kind` from `wa_id`."""
        message: dict[str, Any] = {
            "from": wa_id,
            "id": self.new_wamid(),
            "timestamp": str(int(time.time())),
            "type": kind,
            kind: dict(content),
        }
        if context:
            message["context"] = {"from": DISPLAY_NUMBER, "id": context}
        contact: dict[str, Any] = {"profile": {"name": name}, "wa_id": wa_id}
        if user_id:
            contact["user_id"] = user_id
        return self.payload(messages=[message], contacts=[contact])

    def text(self, wa_id: str, body: str, **options: Any) -> dict[str, Any]:
        return self.message(wa_id, "text", {"body": body}, **options)

    def button_reply(self, wa_id: str, reply_id: str, title: str, **options: Any) -> dict[str, Any]:
        return self.message(
            wa_id, "interactive", {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}, **options
        )

    def list_reply(self, wa_id: str, reply_id: str, title: str, **options: Any) -> dict[str, Any]:
        reply = {"id": reply_id, "title": title, "description": ""}
        return self.message(wa_id, "interactive", {"type": "list_reply", "list_reply": reply}, **options)

    def template_button(self, wa_id: str, payload: str, text: str, **options: Any) -> dict[str, Any]:
        return self.message(wa_id, "button", {"payload": payload, "text": text}, **options)

    def status(
        self, provider_message_id: str, status: str, wa_id: str, *, error_code: int | None = None, error_title: str = ""
    ) -> dict[str, Any]:
        """One status object (put it in `payload(statuses=[...])`)."""
        item: dict[str, Any] = {
            "id": provider_message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": wa_id,
        }
        if status != "failed":
            item["conversation"] = {"id": "c0ffee", "origin": {"type": "service"}}
            item["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service"}
        if error_code is not None:
            item["errors"] = [
                {
                    "code": error_code,
                    "title": error_title,
                    "message": error_title,
                    "error_data": {"details": error_title},
                }
            ]
        return item

    # ---- delivering webhooks -----------------------------------------------------------------

    def signature(self, body: bytes, secret: str | None = None) -> str:
        key = (self.app_secret if secret is None else secret).encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    async def deliver(self, payload: Mapping[str, Any], *, signature: str | None = None) -> int:
        """POST a payload to the webhook, signed as Meta signs it; the HTTP status it got.
        `signature` overrides the header ("" sends none)."""
        assert self.webhook_url, "no webhook URL"
        body = json.dumps(payload, separators=(",", ":")).encode()
        given = self.signature(body) if signature is None else signature
        headers = {"Content-Type": "application/json"}
        if given:
            headers["X-Hub-Signature-256"] = given
        if self.webhook_client is not None:
            response = await self.webhook_client.post(self.webhook_url, content=body, headers=headers)
        else:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(self.webhook_url, content=body, headers=headers)
        self.webhook_answers.append(response.status_code)
        return response.status_code

    # ---- failing on demand, the window -------------------------------------------------------

    def fail(
        self,
        code: int,
        *,
        http_status: int | None = None,
        times: int | None = 1,
        to: str | None = None,
        message: str | None = None,
        after: int = 0,
        endpoint: str | None = None,
    ) -> None:
        """The next `times` calls (sends to `to`, if given; `endpoint` "messages" or "media" for only
        those), after letting `after` through, answer Graph error `code`. An upload has no `to`: only
        a fault without one applies to it."""
        status = http_status or _DEFAULT_HTTP_STATUS.get(code, 400)
        text = message or _DEFAULT_MESSAGE.get(code, "Error")
        self._faults.append(_Fault(code, status, text, to, times, after, endpoint))

    def outage(self, codes: Sequence[int] = (130429, 131000, 2)) -> None:
        """From now until `heal()`, every send answers the next of these Graph error `codes` in turn
        (by default: a rate limit, a 500, a 503), and is not sent."""
        self._outage = itertools.cycle(codes)

    def heal(self) -> None:
        self._outage = None

    def close_window(self, wa_id: str) -> None:
        """More than 24 hours since `wa_id` wrote: free-form messages to them answer 131047."""
        self._closed_windows.add(wa_id)

    # ---- looking at what happened ------------------------------------------------------------

    def sent_to(self, wa_id: str) -> list[Sent]:
        return [m for m in self.sent if m.to == wa_id]

    async def wait_for(self, condition: Callable[[], object], what: str, within: float = 5.0) -> None:
        await wait_until(condition, what, within)

    # ---- the Graph API -----------------------------------------------------------------------

    async def _messages(self, request: Request) -> JSONResponse:
        arrived = time.monotonic()
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        except ClientDisconnect:  # the bot went away mid-request (a worker killed): nothing was asked
            return _error(400, 100, "the request was not received")
        authorization = request.headers.get("authorization", "")
        answer = self._answer(request, body if isinstance(body, dict) else {}, authorization)
        record = body if isinstance(body, dict) else {}
        self.calls.append(Call(request.url.path, record, authorization, answer.status_code, arrived))
        return answer

    async def _upload(self, request: Request) -> JSONResponse:
        arrived = time.monotonic()
        authorization = request.headers.get("authorization", "")
        fields, files = parse_multipart(request.headers.get("content-type", ""), await request.body())
        answer = self._upload_answer(request, fields, files.get("file"), authorization)
        self.calls.append(Call(request.url.path, dict(fields), authorization, answer.status_code, arrived))
        return answer

    def _upload_answer(
        self, request: Request, fields: Mapping[str, str], file: FormFile | None, authorization: str
    ) -> JSONResponse:
        refused = self._refused(request, authorization)
        if refused is not None:
            return refused
        fault = self._media_fault()
        if fault is not None:
            return _error(fault.http_status, fault.code, fault.message)
        if fields.get("messaging_product") != "whatsapp":
            return _error(400, 100, "Invalid parameter: messaging_product is required")
        if file is None or not file.content:
            return _error(400, 100, "Invalid parameter: file is required")
        if not fields.get("type"):
            return _error(400, 100, "Invalid parameter: type is required")
        media_id = f"media-{next(self._ids)}"
        self.media[media_id] = FormFile(file.name, fields["type"], file.content)
        return JSONResponse({"id": media_id})

    def _refused(self, request: Request, authorization: str) -> JSONResponse | None:
        if authorization != f"Bearer {self.token}":
            return _error(401, 190, "Invalid OAuth access token")
        if (
            request.path_params["version"] != API_VERSION
            or request.path_params["phone_number_id"] != self.phone_number_id
        ):
            return _error(400, 100, "Unsupported post request")
        return None

    def _answer(self, request: Request, body: dict[str, Any], authorization: str) -> JSONResponse:
        refused = self._refused(request, authorization)
        if refused is not None:
            return refused
        to = str(body.get("to", ""))
        fault = self._fault(to)
        if fault is not None:
            return _error(fault.http_status, fault.code, fault.message)
        problem = _problem(body)
        if problem:
            return _error(400, 100, f"Invalid parameter: {problem}")
        file: FormFile | None = None
        if body["type"] in ("image", "document"):
            file = self.media.get(str(body[body["type"]].get("id")))
            if file is None:
                return _error(400, 131053, "Media upload error: unknown media id")
        if body["type"] == "template":
            template = body["template"]
            if (template.get("name"), template.get("language", {}).get("code")) not in self.templates:
                return _error(404, 132001, "Template name does not exist in the translation")
        elif to in self._closed_windows:
            return _error(400, 131047, "Re-engagement message")
        sent = Sent(self.new_wamid(), to, body, file)
        self.sent.append(sent)
        return JSONResponse(
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": sent.id}]}
        )

    def _fault(self, to: str) -> _Fault | None:
        """The fault for a send to `to`, if one is due (benchmarks override this to inject their own)."""
        if self._outage is not None:
            self.outage_answers += 1
            code = next(self._outage)
            return _Fault(
                code, _DEFAULT_HTTP_STATUS.get(code, 500), _DEFAULT_MESSAGE.get(code, "Error"), None, 1, 0, None
            )
        return self._due_fault(to, "messages")

    def _media_fault(self) -> _Fault | None:
        return self._due_fault(None, "media")

    def _due_fault(self, to: str | None, endpoint: str) -> _Fault | None:
        for fault in self._faults:
            if fault.to not in (None, to) or fault.endpoint not in (None, endpoint):
                continue
            if fault.after > 0:
                fault.after -= 1
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
            return fault
        return None


def _problem(body: Mapping[str, Any]) -> str:  # noqa: PLR0912 (one check a line, in WhatsApp's order)
    """What WhatsApp would refuse in this message; "" when it is acceptable."""
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        return "messaging_product and to are required"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text", {}).get("body", "")
        if not text.strip() or len(text) > 4096:
            return "text body must be 1 to 4096 characters"
        return ""
    if kind == "template":
        parameters = body["template"]["components"][0]["parameters"]
        for parameter in parameters:
            value = parameter["text"]
            if "\n" in value or "\t" in value or "     " in value or len(value) > 1024:
                return "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
        return ""
    if kind in ("image", "document"):
        media = body.get(kind, {})
        if not media.get("id"):
            return f"{kind} needs the id of an uploaded file"
        if len(media.get("caption", "")) > 1024:
            return "caption must be at most 1024 characters"
        if kind == "document" and not media.get("filename"):
            return "a document needs its filename"  # WhatsApp would show it nameless; we always give one
        return ""
    if kind != "interactive":
        return f"unsupported type {kind}"
    interactive = body["interactive"]
    text = interactive.get("body", {}).get("text", "")
    if not text.strip() or len(text) > 1024:
        return "interactive body must be 1 to 1024 characters"
    action = interactive["action"]
    if interactive["type"] == "button":
        buttons = action["buttons"]
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= 3:
            return "1 to 3 buttons"
        if any(not 1 <= len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
            return "button titles must be unique, 1 to 20 characters"
        if any(not 1 <= len(b["reply"]["id"]) <= 256 for b in buttons):
            return "button ids must be 1 to 256 characters"
        return ""
    if interactive["type"] == "list":
        rows = [row for section in action["sections"] for row in section["rows"]]
        if not 1 <= len(rows) <= 10:
            return "1 to 10 rows"
        if not 1 <= len(action.get("button", "")) <= 20:
            return "list button text must be 1 to 20 characters"
        if any(not 1 <= len(r["title"]) <= 24 for r in rows) or len({r["title"] for r in rows}) != len(rows):
            return "row titles must be unique, 1 to 24 characters"
        if any(len(r.get("description", "")) > 72 for r in rows):
            return "row descriptions must be at most 72 characters"
        if any(not 1 <= len(r["id"]) <= 200 for r in rows):
            return "row ids must be 1 to 200 characters"
        return ""
    return f"unsupported interactive type {interactive['type']}"


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # never touch the test process's signal handlers
        yield

    async def main_loop(self) -> None:  # notice `should_exit` sooner than uvicorn's 0.1 s ticks
        ticks = 0
        while not await self.on_tick(ticks):
            ticks += 1
            await asyncio.sleep(0.01)


def _error(status: int, code: int, message: str) -> JSONResponse:
    error = {
        "message": f"(#{code}) {message}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
    return JSONResponse({"error": error}, status_code=status)
