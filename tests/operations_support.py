"""Helpers for the /metrics and /healthz tests: reading a scrape, waiting for a figure, a web app on a
real port without the rest of `jaring serve`, and messages put in the outbox as if queued earlier."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from bot.clock import utc_now
from db.connection import Store
from db.repositories import contacts, outbox
from tests.telegram_support import free_port

__all__ = ["figure", "figure_soon", "queue_waiting", "scrape", "served"]


def figure(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly these labels in a scrape; 0 when there is none (a
    counter not yet moved)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


async def scrape(port: int, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}/metrics", headers=headers)


async def figure_soon(port: int, name: str, labels: Mapping[str, str], at_least: float, within: float = 10.0) -> float:
    """The figure once it has reached `at_least` (outcomes are counted once written, just after the
    platform answered); fails after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = figure((await scrape(port)).text, name, **labels)
        if value >= at_least:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels} stayed at {value}, expected at least {at_least}")
        await asyncio.sleep(0.05)


async def queue_waiting(store: Store, channel: str, recipient: str, *, age_seconds: float, priority: int = 0) -> None:
    """A message to `recipient` queued `age_seconds` ago and not sent since."""
    queued_at = utc_now() - timedelta(seconds=age_seconds)
    async with store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, channel, recipient, queued_at)
        await outbox.enqueue(
            session,
            contact_id=contact.id,
            channel=channel,
            recipient=recipient,
            body="Pengingat",
            choices=[],
            now=queued_at,
            priority=priority,
            kind="broadcast" if priority == outbox.PRIORITY_BROADCAST else "reply",
        )


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers (the test runner keeps its own)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[int]:
    """`app` on a real port of 127.0.0.1 (its number) for the block."""
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        await task
