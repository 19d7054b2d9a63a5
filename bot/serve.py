"""`jaring serve`: every configured channel, the outbox worker, and the web app, in one process.

Start-up: settings checked → port bound → database opened (migrated) → web app listening → each
channel started (Telegram: getMe, the command menu, setWebhook or deleteWebhook) → outbox worker →
receiving (polling, or the webhook route). SIGINT/SIGTERM stop it in the reverse order: receiving
stops (the update in hand is finished and stored), the web app answers the requests it has, the
worker finishes its round and delivers what is due, the clients close, then the database.

Several processes may serve one PostgreSQL database (`jaring serve --workers N`, bot/supervisor.py):
each then gets the listening socket from the supervisor (`inherited_socket`) instead of binding it.
The webhooks, the outbox worker and the Dinas desk run in every one; Telegram's polling and the
rounds (reminders, broadcasts) only in the leader (bot/leadership.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import uvicorn
from starlette.routing import BaseRoute

from bot.app import Jaring, open_jaring
from bot.channels.telegram import TelegramChannel
from bot.channels.web import create_web_app
from bot.channels.whatsapp import WhatsAppChannel
from bot.clock import Clock, utc_now
from bot.leadership import Leadership
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.outbound.lease_holder import LeaseHolder
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy, lane_window
from bot.outbound.reminders import reminder_loop
from bot.settings import Settings, SettingsError
from bot.web.desk import Desk
from bot.web.routes import desk_routes
from db.connection import Store
from handlers.sending import Sender
from handlers.webhook_requests import BODY_DEADLINE_SECONDS

__all__ = [
    "NO_CHANNEL",
    "SUPERVISOR_PID_VARIABLE",
    "WEB_KEEP_ALIVE_SECONDS",
    "WEB_MAX_CONCURRENCY",
    "WEB_MAX_HEADER_BYTES",
    "Channel",
    "Service",
    "configured_channels",
    "listen",
    "run_serve",
    "serving",
]

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "no channel to serve: set TELEGRAM_BOT_TOKEN (the token @BotFather gives you on Telegram; "
    "see docs/TELEGRAM.md) to serve Telegram, or the WHATSAPP_ settings (docs/WHATSAPP.md) to serve WhatsApp. "
    "`jaring chat` talks to the bot in this terminal without one."
)
_SHUTDOWN_GRACE_SECONDS = 10.0
_HOLDER_LEASE = timedelta(seconds=20)
SUPERVISOR_PID_VARIABLE = "JARING_SUPERVISOR_PID"  # set by bot/supervisor.py for the workers it starts

# uvicorn's limits, set here rather than left to its defaults, so that they are written down and
# tested (docs/SECURITY.md). Anyone can open connections to the webhooks; these bound what that costs.
# An idle kept-alive connection is closed after this long. Telegram and Meta reuse a connection
# within a burst of updates; between bursts an open connection only takes a slot of the limit below.
WEB_KEEP_ALIVE_SECONDS = 5
# Open connections (idle ones count) or requests in progress at once; past it uvicorn answers 503 at
# once, and Telegram and Meta deliver again later. Telegram opens at most 40 connections to a webhook
# (setWebhook's default max_connections, which we keep), Meta a few; requests past ~40 would only
# queue for the database anyway (docs/PERFORMANCE.md). It also bounds memory: at most this many
# bodies (3 MB each at most, WhatsApp's cap) are being read at once. uvicorn never times out a
# connection that sends no request at all: the HTTPS reverse proxy in front has to.
WEB_MAX_CONCURRENCY = 100
# The request line and headers (h11's default, made explicit): Telegram's and Meta's are under 2 KB;
# a request with more is refused with 400 before the app sees it.
WEB_MAX_HEADER_BYTES = 16 * 1024


class _UnservedUpgrades(logging.Filter):
    """uvicorn logs two WARNING lines (~230 bytes) for every request that asks for a WebSocket, which
    the web app does not serve, so anyone could fill the log with them. The request itself is still
    answered, as plain HTTP."""

    _MESSAGES = ("Unsupported upgrade request.", "No supported WebSocket library detected.")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._MESSAGES)


def _quiet_uvicorn() -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _UnservedUpgrades) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_UnservedUpgrades())


class Channel(Protocol):
    """What `jaring serve` runs for each channel (Telegram, WhatsApp)."""

    @property
    def name(self) -> str: ...

    @property
    def sender(self) -> Sender: ...

    def routes(self) -> Sequence[BaseRoute]: ...

    async def start(self) -> None: ...

    async def run(self, stopping: asyncio.Event) -> None: ...

    async def close(self) -> None: ...


def check_settings(settings: Settings) -> None:
    """What `serve` needs beyond what every command needs; SettingsError names the setting."""
    missing = settings.whatsapp_missing
    if 0 < len(missing) < 4:
        raise SettingsError(f"missing setting {', '.join(missing)}: WhatsApp needs all four WHATSAPP_ settings")
    if not settings.telegram_bot_token and not settings.whatsapp_configured:
        raise SettingsError(NO_CHANNEL)
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise SettingsError(
            "missing setting TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL; 1 to 256 characters "
            'of A-Z a-z 0-9 _ -, e.g. from: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )


def configured_channels(settings: Settings, jaring: Jaring, retry: RetryPolicy) -> list[Channel]:
    channels: list[Channel] = []
    if settings.telegram_bot_token:
        channels.append(
            TelegramChannel.from_settings(
                settings, jaring.pipeline, clock=jaring.pipeline.clock, backoff=retry.backoff, store=jaring.store
            )
        )
    if settings.whatsapp_configured:
        channels.append(
            WhatsAppChannel.from_settings(
                settings, jaring.pipeline, jaring.store, clock=jaring.pipeline.clock, backoff=retry.backoff
            )
        )
    return channels


@dataclass(slots=True)
class Service:
    """A running `jaring serve`."""

    jaring: Jaring
    channels: Sequence[Channel]
    worker: OutboxWorker
    host: str
    port: int
    tasks: Sequence[asyncio.Task[None]]

    async def wait(self, stop: asyncio.Event) -> None:
        """Until `stop` is set. A part that ends by itself (it crashed) ends the wait with its error."""
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({stopper, *self.tasks}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        for task in done:
            if task is not stopper:
                task.result()  # raises what it died of
                raise RuntimeError(f"{task.get_name()} stopped unexpectedly")


@asynccontextmanager
async def serving(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    clock: Clock = utc_now,
    store: Store | None = None,
    body_deadline_seconds: float = BODY_DEADLINE_SECONDS,
    inherited_socket: socket.socket | None = None,
) -> AsyncIterator[Service]:
    """Everything started; leaving the block stops it gracefully. `port=0` picks a free port.
    `body_deadline_seconds`: how long a webhook request's body may take to arrive (tests shorten it).
    `inherited_socket`: a listening socket the supervisor bound and shares (then `host`/`port` only
    name it in the log)."""
    check_settings(settings)
    host = settings.host if host is None else host
    listener = inherited_socket or listen(host, settings.port if port is None else port)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(listener.close)
        jaring = await open_jaring(settings, clock, store=store)
        stack.push_async_callback(jaring.close)

        retry = RetryPolicy()
        channels = configured_channels(settings, jaring, retry)
        for channel in channels:
            stack.push_async_callback(channel.close)
        # This process, recorded: its leases name it; marked stopped once the worker has stopped (the
        # stack runs backwards), so a successor takes over what a SIGKILL would have left at once.
        # A 20 s lease: the heartbeat every 5 s, so the other workers see a SIGKILLed one gone within seconds.
        holder = await LeaseHolder.register(jaring.store, clock, lease=_HOLDER_LEASE)
        stack.push_async_callback(holder.stop)
        worker = OutboxWorker(
            jaring.store,
            {c.name: c.sender for c in channels},
            clock,
            retry=retry,
            cipher=jaring.cipher,
            holder=holder,
            lane_windows={
                "telegram": lane_window(settings.telegram_messages_per_second),
                "whatsapp": lane_window(settings.whatsapp_messages_per_second),
            },
        )
        jaring.pipeline.on_outbox = worker.wake

        # The Dinas desk's pages (/dinas): their letters (the worker told of a decision) go out at once.
        desk = Desk(
            jaring,
            settings.desk_url,
            settings.web_session_hours,
            worker.wake,
            channels=tuple(c.name for c in channels),
        )
        routes = [*(route for channel in channels for route in channel.routes()), *desk_routes(desk)]
        _quiet_uvicorn()
        server = _Server(
            uvicorn.Config(
                create_web_app(
                    jaring.store,
                    [c.name for c in channels],
                    routes,
                    body_deadline_seconds=body_deadline_seconds,
                    senders={c.name: c.sender for c in channels},
                    clock=clock,
                    metrics_token=settings.metrics_token,
                ),
                lifespan="off",
                log_config=None,
                access_log=False,  # a line for every request would be a line for every request of a flood
                http="h11",  # the parser the limits below and the tests are for, even where httptools is installed
                timeout_keep_alive=WEB_KEEP_ALIVE_SECONDS,
                limit_concurrency=WEB_MAX_CONCURRENCY,
                h11_max_incomplete_event_size=WEB_MAX_HEADER_BYTES,
                # Requests in progress get this long to finish at shutdown (then they are cancelled,
                # and Telegram or Meta delivers them again).
                timeout_graceful_shutdown=int(_SHUTDOWN_GRACE_SECONDS),
            )
        )
        web = asyncio.create_task(server.serve(sockets=[listener]), name="web app")
        stack.push_async_callback(_stop_web, server, web)
        await _until_listening(server, web)

        for channel in channels:
            await channel.start()
        delivering = asyncio.create_task(worker.run(), name="outbox worker")
        stack.push_async_callback(_stop_worker, worker, delivering)

        broadcasts = BroadcastRunner.for_jaring(jaring, [c.name for c in channels])

        async def lead(stepping_down: asyncio.Event) -> None:
            """What runs in one process only (the leader): each channel's own receiving loop (Telegram's
            polling; a webhook channel has nothing to run here, every worker's web app receives), the
            reminder round and the broadcasts."""
            parts = {f"{c.name} receiving": c.run(stepping_down) for c in channels}
            parts["reminders"] = reminder_loop(jaring, settings.claim_reminder_days, stepping_down, worker.wake)
            parts["broadcasts"] = broadcasts.run(stepping_down, worker.wake)
            await _together(parts, stepping_down)

        stopping = asyncio.Event()
        leading = asyncio.create_task(Leadership(jaring.store).run(lead, stopping), name="leader")
        stack.push_async_callback(_stop_receiving, stopping, [leading])

        bound_port = listener.getsockname()[1]
        log.info("serving %s; web app on http://%s:%s", ", ".join(c.name for c in channels), host, bound_port)
        tasks = [web, delivering, leading]
        yield Service(jaring, channels, worker, host, bound_port, tasks)
        log.info("stopping")


async def run_serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    inherited_fd: int | None = None,
) -> int:
    """The command: serve until SIGINT or SIGTERM (a second one stops at once). `inherited_fd`: a worker
    started by `jaring serve --workers N` (bot/supervisor.py), on the supervisor's listening socket; it
    also stops, gracefully, when its supervisor is gone."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    inherited = socket.socket(fileno=inherited_fd) if inherited_fd is not None else None
    orphaned = asyncio.create_task(_until_orphaned(stop, _supervisor_pid())) if inherited is not None else None

    def on_signal(signum: int) -> None:
        stop.set()
        loop.remove_signal_handler(signum)  # the next one gets the default: end now

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with serving(settings, host=host, port=port, inherited_socket=inherited) as service:
            await service.wait(stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if orphaned is not None:
            orphaned.cancel()
    return 0


def _supervisor_pid() -> int:
    """The supervisor that started this worker (it says so in the environment, so that a supervisor
    that died while this worker was still starting is noticed too)."""
    named = os.environ.get(SUPERVISOR_PID_VARIABLE, "")
    return int(named) if named.isdigit() else os.getppid()


async def _until_orphaned(stop: asyncio.Event, parent: int, every: float = 1.0) -> None:
    """A worker whose supervisor died (SIGKILL) would serve on unsupervised: it stops instead."""
    while os.getppid() == parent:  # noqa: ASYNC110 (nothing to wait on: the kernel reparents us silently)
        await asyncio.sleep(every)
    log.warning("the supervisor (pid %s) is gone: stopping", parent)
    stop.set()


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: `run_serve` decides when the web app stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything starts, so a busy port fails fast and clearly."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # they are TCP; without it every response waited ~40 ms for a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        raise SettingsError(
            f"cannot listen on {host}:{port} (--host/--port, JARING_HOST/JARING_PORT): {exc.strerror or exc}"
        ) from exc
    return listener


async def _until_listening(server: uvicorn.Server, web: asyncio.Task[None]) -> None:
    while not server.started:
        if web.done():
            web.result()
            raise RuntimeError("the web app did not start")
        await asyncio.sleep(0.01)


async def _together(parts: Mapping[str, Coroutine[Any, Any, None]], stop: asyncio.Event) -> None:
    """Run the parts until each has ended; one that ends before `stop` is set (it crashed) ends them
    all, with its error."""
    tasks = [asyncio.create_task(part, name=name) for name, part in parts.items()]
    try:
        pending: set[asyncio.Task[None]] = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # raises what it died of
                if not stop.is_set():
                    raise RuntimeError(f"{task.get_name()} stopped unexpectedly")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _stop_receiving(stopping: asyncio.Event, receiving: Sequence[asyncio.Task[None]]) -> None:
    stopping.set()
    await _finish(receiving)


async def _stop_web(server: uvicorn.Server, web: asyncio.Task[None]) -> None:
    server.should_exit = True
    await _finish([web])


async def _stop_worker(worker: OutboxWorker, delivering: asyncio.Task[None]) -> None:
    worker.stop()
    await _finish([delivering])
    try:
        async with asyncio.timeout(_SHUTDOWN_GRACE_SECONDS):
            await worker.drain()  # replies to the last updates received
    except Exception as exc:  # left in the outbox: the next start delivers them
        log.warning("outbox not fully delivered at shutdown: %s", type(exc).__name__)


async def _finish(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Wait for the tasks to end by themselves; cancel those that take longer than the grace period."""
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=_SHUTDOWN_GRACE_SECONDS)
    for task in late:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # the type only: a database error's text may quote what was stored
            log.error("%s failed: %s", task.get_name(), type(exc).__name__)
