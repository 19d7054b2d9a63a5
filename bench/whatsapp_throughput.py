"""Benchmark: signed WhatsApp webhook messages handled per second, end to end.

The fake Graph API server (tests/fake_whatsapp.py, real HTTP on 127.0.0.1, on an event loop in a
thread of its own) plays Meta: it POSTs M text messages ("halo") from P people to
/webhook/whatsapp, each payload signed with X-Hub-Signature-256, with C requests in flight at a
time, and receives the replies the bot sends to its /messages endpoint. Jaring is `bot.serve.serving`
(the code `jaring serve` runs) on SQLite in a temporary folder: each message's signature checked,
then stored through the pipeline (inbox, contact, session, engine, outbox) before the 200, the reply
(the main menu as a list message) sent by the outbox worker.

The clock runs from the first POST until the fake has received the M-th reply. WhatsApp pacing is
set far above Meta's 80 messages/s here (the fake does not rate-limit), so the figures are the
processing capacity, not what Meta allows a number.

    uv run python -m bench.whatsapp_throughput
    uv run python -m bench.whatsapp_throughput --messages 3000 --people 300 --concurrency 40 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench.server_thread import ServerInThread
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
    """POST every body, `concurrency` at a time, in order per slot; each request's time in ms."""
    timings: list[float] = []
    queue = iter(bodies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def slot() -> None:
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
        }
    )


async def one_run(server: FakeInThread, messages: int, people: int, concurrency: int) -> Run:
    fake = server.fake
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        settings = settings_for(Path(folder), fake)
        async with serving(settings, host="127.0.0.1", port=port):
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


async def run(messages: int, people: int, concurrency: int, repeat: int) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); SQLite")
    print(f"{messages} signed webhook messages from {people} people, {concurrency} requests in flight")
    runs: list[Run] = []
    with FakeInThread() as server:
        for number in range(1, repeat + 1):
            result = await one_run(server, messages, people, concurrency)
            runs.append(result)
            print(
                f"  run {number}: {result.per_second:7.1f} messages/s end to end; webhook 200 in "
                f"p50 {percentile(result.webhook_ms, 0.5):.1f} ms, p95 {percentile(result.webhook_ms, 0.95):.1f} ms"
            )
    rates = [r.per_second for r in runs]
    print(f"median {statistics.median(rates):.1f} messages/s (min {min(rates):.1f}, max {max(rates):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=40, help="webhook requests in flight at once")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.people, args.concurrency, args.repeat))


if __name__ == "__main__":
    main()
