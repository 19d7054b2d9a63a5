"""A delivering process for tests/test_outbox_leases.py, run as a real child process so that it can be
killed for real: it records itself as a lease holder, claims up to `--batch` messages with the real
`OutboxWorker`, and hangs in the middle of sending each of them (printing `sending <id>`), until it is
killed.

    python -m tests.lease_child DATABASE_URL [--schema NAME] [--batch N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.clock import utc_now
from bot.outbound.lease_holder import LeaseHolder
from bot.outbound.outbox_worker import OutboxWorker
from db.connection import Store, create_engine
from handlers.sending import OutgoingMessage, SendResult

CHANNEL = "telegram"


class HangingSender:
    channel = CHANNEL

    async def send(self, message: OutgoingMessage) -> SendResult:
        print(f"sending {message.id}", flush=True)
        await asyncio.Event().wait()  # the request went out; the answer never comes
        raise AssertionError("unreachable")


async def main(url: str, schema: str | None, batch: int) -> None:
    options = {"connect_args": {"server_settings": {"search_path": schema}}} if schema else {}
    store = Store(create_engine(url, **options))
    holder = await LeaseHolder.register(store, utc_now)
    print(f"holder {holder.id}", flush=True)
    worker = OutboxWorker(store, {CHANNEL: HangingSender()}, utc_now, batch_size=batch, holder=holder)
    await worker.run()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--schema")
    parser.add_argument("--batch", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.schema, arguments.batch))
    sys.exit(0)
