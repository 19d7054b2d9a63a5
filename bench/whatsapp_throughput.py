"""Benchmark: signed WhatsApp webhook messages handled per second, end to end.

The fake Graph API server (tests/fake_whatsapp.py, real HTTP on 127.0.0.1, on an event loop in a
thread of its own) plays Meta: it POSTs M text messages ("halo") from P people to
/webhook/whatsapp, each payload signed with X-Hub-Signature-256, with C requests in flight at a
time, and receives the replies the bot sends to its /messages endpoint. Jaring is `bot.serve.serving`
(the code `jaring serve` runs) on SQLite in a temporary folder: each message's signature checked,
then stored through the pipeline (inbox, contact, session, engine, outbox) before the 200, the reply
(the main menu as a list message) sent by the outbox worker.

The other contender, "bare starlette" (bench/starlette_echo.py), is the least a bot can do on the same
stack: Starlette on uvicorn (the same uvicorn settings) checks the signature, queues the text in
memory and answers 200; a few sender tasks echo it to the fake with httpx; nothing stored. Each run
of each contender gets a fresh fake.

The clock runs from the first POST until the fake has received the M-th reply. WhatsApp pacing is
set far above Meta's 80 messages/s here (the fake does not rate-limit), so the figures are the
processing capacity, not what Meta allows a number. It prints messages/s and the time each webhook
took to answer 200 (p50, p95, p99), Jaring / bare, and the process's peak RSS before the runs and
after each (both contenders and the fakes share this process and the peak only grows: only the first
run's figure is its contender's own).

    uv run python -m bench.whatsapp_throughput
    uv run python -m bench.whatsapp_throughput --messages 3000 --people 300 --concurrency 40 --repeat 5
    uv run python -m bench.whatsapp_throughput --only jaring
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import ssl
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench.server_thread import ServerInThread
from bench.starlette_echo import serving_echo
from bot.serve import serving
from bot.settings import Settings, load_settings
from tests.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeGraph
from tests.telegram_support import free_port

__all__ = ["main"]


class FakeInThread(ServerInThread[FakeGraph]):
    """The fake Graph API on a thread of its own, so Meta's side does not run on the bot's loop."""

    def __init__(self) -> None:
        super().__init__(FakeGraph)

    def replies(self) -> int:
        return len(self.fake.sent)


@dataclass(frozen=True, slots=True)
class Run:
    messages: int
    seconds: float
    webhook_ms: list[float]  # POST → 200, per request

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def signed_bodies(fake: FakeGraph, messages: int, people: int) -> list[tuple[bytes, str]]:
    bodies = []
    for n in range(messages):
        body = json.dumps(fake.text(f"62812{n % people:08d}", "halo"), separators=(",", ":")).encode()
        bodies.append((body, fake.signature(body)))
    return bodies


async def post_all(url: str, bodies: list[tuple[bytes, str]], concurrency: int) -> list[float]:
    """POST every body, `concurrency` at a time, in order per slot; each request's time in ms.

    Each slot has a client (one kept-alive connection) of its own: httpx's pool checks every
    connection it holds on every request, so one client with 40 connections spent more CPU, on the
    GIL the contenders share, than a bare bot does per message."""
    timings: list[float] = []
    queue = iter(bodies)
    tls = ssl.create_default_context()  # one for all: each client would load the CA certificates again

    async def slot() -> None:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=1), verify=tls) as client:
            for body, signature in queue:
                started = time.perf_counter()
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
                response = await client.post(url, content=body, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"webhook answered {response.status_code}")
                timings.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(slot() for _ in range(concurrency)))
    return timings


def settings_for(data_dir: Path, fake: FakeGraph) -> Settings:
    os.environ["JARING_DATA_DIR"] = str(data_dir)
    os.environ["JARING_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ.pop("DATABASE_URL", None)
    return load_settings().model_copy(
        update={
            "telegram_bot_token": "",
            "whatsapp_token": fake.token,
            "whatsapp_phone_number_id": fake.phone_number_id,
            "whatsapp_app_secret": APP_SECRET,
            "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_api_base": fake.api_base,
            "whatsapp_messages_per_second": 1_000_000.0,
            "flood_messages": 1000,  # the flood rule (tests/test_flood.py) out of the way of a benchmark
        }
    )


@contextlib.asynccontextmanager
async def jaring(server: FakeInThread, port: int) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        async with serving(settings_for(Path(folder), server.fake), host="127.0.0.1", port=port):
            yield


@contextlib.asynccontextmanager
async def bare_starlette(server: FakeInThread, port: int) -> AsyncIterator[None]:
    fake = server.fake
    async with serving_echo(
        port, api_base=fake.api_base, phone_number_id=fake.phone_number_id, token=fake.token, app_secret=APP_SECRET
    ):
        yield


Contender = Callable[[FakeInThread, int], contextlib.AbstractAsyncContextManager[None]]
CONTENDERS: dict[str, Contender] = {"jaring": jaring, "bare starlette": bare_starlette}


async def one_run(contender: Contender, messages: int, people: int, concurrency: int) -> Run:
    port = free_port()
    with FakeInThread() as server:  # a fresh fake each run: no history carried over
        fake = server.fake
        async with contender(server, port):
            url = f"http://127.0.0.1:{port}/webhook/whatsapp"
            warm_up = signed_bodies(fake, 20, 20)  # first contacts of other people: imports, caches
            await asyncio.wrap_future(server.call(post_all(url, warm_up, 4)))
            await until(server, 20)
            fake.sent.clear()
            bodies = signed_bodies(fake, messages, people)
            started = time.perf_counter()
            timings = await asyncio.wrap_future(server.call(post_all(url, bodies, concurrency)))
            await until(server, messages)
            seconds = time.perf_counter() - started
    return Run(messages, seconds, timings)


async def until(server: FakeInThread, count: int, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while server.replies() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.replies()} of {count} replies after {within} s")
        await asyncio.sleep(0.002)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(options: Options) -> None:
    print("WhatsApp throughput — signed webhook POST in → reply at the fake Graph API (own thread)")
    print(f"  python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); Jaring on SQLite")
    print(
        f"  {options.messages} messages from {options.people} people, {options.concurrency} requests in flight; "
        f"{options.repeat} run(s) each"
    )
    runs: dict[str, list[Run]] = {name: [] for name in options.only}
    print(f"  peak RSS before the runs {peak_rss_mb():.0f} MB (the interpreter, Jaring, the fake: imported)")
    for number in range(1, options.repeat + 1):
        for name in options.only:
            result = await one_run(CONTENDERS[name], options.messages, options.people, options.concurrency)
            runs[name].append(result)
            ms = result.webhook_ms
            print(
                f"  run {number} {name:14} {result.per_second:7.1f} messages/s; 200 OK in p50 "
                f"{percentile(ms, 0.5):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms; "
                f"peak RSS so far {peak_rss_mb():.0f} MB"
            )
    medians: dict[str, float] = {}
    for name, results in runs.items():
        rates = [r.per_second for r in results]
        medians[name] = statistics.median(rates)
        p50 = statistics.median(percentile(r.webhook_ms, 0.5) for r in results)
        p99 = statistics.median(percentile(r.webhook_ms, 0.99) for r in results)
        print(
            f"  {name:14} median {medians[name]:7.1f} messages/s (min {min(rates):.1f}, max {max(rates):.1f}); "
            f"200 OK p50 {p50:.1f} ms, p99 {p99:.1f} ms (medians over runs)"
        )
    if "jaring" in medians and "bare starlette" in medians:
        print(f"  jaring / bare starlette: {medians['jaring'] / medians['bare starlette']:.2f}")
    print(f"  peak RSS of the process: {peak_rss_mb():.0f} MB")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@dataclass(frozen=True, slots=True)
class Options:
    messages: int
    people: int
    concurrency: int
    repeat: int
    only: tuple[str, ...]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40, help="webhook requests in flight at once")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", action="append", choices=list(CONTENDERS), help="run only these (repeatable)")
    args = parser.parse_args(argv)
    only = tuple(args.only or CONTENDERS)
    asyncio.run(run(Options(args.messages, args.people, args.concurrency, args.repeat, only)))


if __name__ == "__main__":
    main()
