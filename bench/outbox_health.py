"""Benchmark: what one read of the outbox for /metrics and /healthz costs with a broadcast's 100 000
rows waiting (`db.repositories.outbox_health.waiting_messages`).

What runs: the database `bench.outbox_claim` seeds (N pending announcements, 300 replies and
notifications waiting among them, all on Telegram), then `waiting_messages` in its own transaction,
`--rounds` times; it prints p50 and max. On SQLite the read holds the one connection for that long (a
message waits behind it), which is why /healthz reads at most every 2 s however often it is asked.

    uv run python -m bench.outbox_health                    # 100 000 rows, SQLite
    uv run python -m bench.outbox_health --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.inbound_path import scratch_database
from bench.outbox_claim import NOW, seed
from db import migrate
from db.connection import Store
from db.repositories.outbox_health import waiting_messages

__all__ = ["main"]


async def measure(database_url: str | None, rows: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        async with scratch_database(database_url, Path(folder)) as url:
            store = Store.from_url(url)
            try:
                await migrate.upgrade(store.engine)
                await seed(store, rows)
                times = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    async with store.transaction() as session:
                        found = await waiting_messages(session, NOW)
                    times.append(time.perf_counter() - started)
            finally:
                await store.close()
    print(f"{store.engine.dialect.name}, {rows} announcements waiting, Python {platform.python_version()}")
    print(f"  read: p50 {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms ({rounds} reads)")
    print(f"  urgent: {[(w.channel, w.priority, w.waiting, w.due) for w in found.urgent]}")
    print(f"  announcements: {[(a.channel, a.waiting) for a in found.announcements]}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_health", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server to make a scratch database on")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args(argv)
    asyncio.run(measure(options.database_url, options.rows, options.rounds))


if __name__ == "__main__":
    main()
