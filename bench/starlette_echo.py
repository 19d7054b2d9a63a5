"""The "bare starlette" contender of bench.whatsapp_throughput: the least a WhatsApp bot can do on the
same stack as Jaring (Starlette served by uvicorn, httpx to the Graph API), nothing stored.

POST /webhook/whatsapp: the X-Hub-Signature-256 checked against the app secret (401 when it does not
match), the JSON read, each text message put on an in-memory queue, 200 answered. `senders` tasks
take the queue and echo each text to its sender through POST {api}/{phone number id}/messages, with
one httpx client whose pool holds a connection per sender. No retry, no pacing, and what is queued is
lost if the process dies.

Why a queue and a few senders, not the obvious alternatives (both tried):
- Starlette's BackgroundTask runs inside the request's cycle, which uvicorn counts against
  `limit_concurrency` until the send is done: once 100 sends were behind, uvicorn answered 503.
- A task per message: hundreds of sends waiting in httpx's pool, which walks all its waiting requests
  and connections on every change, made the bot slower than Jaring.

uvicorn runs with the settings `jaring serve` gives it (h11, the same concurrency limit and
keep-alive), so the two contenders differ in what the app does, not in the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.serve import WEB_KEEP_ALIVE_SECONDS, WEB_MAX_CONCURRENCY, WEB_MAX_HEADER_BYTES

__all__ = ["SENDERS", "EchoBot", "serving_echo"]

SENDERS = 8

log = logging.getLogger(__name__)


class EchoBot:
    def __init__(self, client: httpx.AsyncClient, api_base: str, phone_number_id: str, token: str, app_secret: str):
        self.client = client
        self.messages_url = f"{api_base}/{phone_number_id}/messages"
        self.authorization = {"Authorization": f"Bearer {token}"}
        self.app_secret = app_secret.encode()
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/webhook/whatsapp", self.webhook, methods=["POST"])])

    async def webhook(self, request: Request) -> Response:
        body = await request.body()
        expected = "sha256=" + hmac.new(self.app_secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("x-hub-signature-256", "")):
            return Response(status_code=401)
        for entry in json.loads(body).get("entry", []):
            for change in entry.get("changes", []):
                for message in change.get("value", {}).get("messages", []):
                    if message.get("type") == "text":
                        self.queue.put_nowait((message["from"], message["text"]["body"]))
        return Response(status_code=200)

    async def send(self) -> None:
        """One sender: echo what is queued, one message at a time, until cancelled."""
        while True:
            to, text = await self.queue.get()
            try:
                message: dict[str, Any] = {"messaging_product": "whatsapp", "to": to, "type": "text"}
                message["text"] = {"body": text}
                response = await self.client.post(self.messages_url, json=message, headers=self.authorization)
                response.raise_for_status()
            except httpx.HTTPError:
                log.exception("echo to %s failed", to)  # the benchmark then waits for a reply that never comes
            finally:
                self.queue.task_done()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave the benchmark's signal handlers alone
        yield


@contextlib.asynccontextmanager
async def serving_echo(
    port: int, *, api_base: str, phone_number_id: str, token: str, app_secret: str, senders: int = SENDERS
) -> AsyncIterator[None]:
    """The echo bot listening on 127.0.0.1:`port` until the block ends (then it sends what is queued)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # so asyncio sets TCP_NODELAY
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    async with httpx.AsyncClient(timeout=15, limits=limits) as client:
        bot = EchoBot(client, api_base, phone_number_id, token, app_secret)
        sending = [asyncio.create_task(bot.send()) for _ in range(senders)]
        config = uvicorn.Config(
            bot.app(),
            lifespan="off",
            log_config=None,
            access_log=False,
            http="h11",
            timeout_keep_alive=WEB_KEEP_ALIVE_SECONDS,
            limit_concurrency=WEB_MAX_CONCURRENCY,
            h11_max_incomplete_event_size=WEB_MAX_HEADER_BYTES,
            timeout_graceful_shutdown=2,
        )
        server = _Server(config)
        task = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.005)
            yield
        finally:
            server.should_exit = True
            await task
            await bot.queue.join()
            for sender in sending:
                sender.cancel()
            await asyncio.gather(*sending, return_exceptions=True)
            listener.close()
