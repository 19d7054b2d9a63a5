"""Benchmark: how long one outbox claim takes with a broadcast's 100 000 rows waiting, and (on
PostgreSQL) the plan the claim query gets.

What runs: a migrated database (a SQLite file in a temporary folder, or a scratch PostgreSQL database
with --database-url) seeded with N contacts, one pending broadcast row (priority 2) each, 1% of the
contacts opted out (so the claim skips their rows), and a few hundred replies (priority 0) and
notifications (priority 1) waiting among them. Then the real `outbox.claim_due` runs repeatedly,
`--batch` rows at a time (the most a worker's lane has in flight; it claims about half of that at a
time), each claim in its own transaction under a lease naming its holder, and the claimed rows are
marked sent with `outbox.mark_sent_many` (the worker's group-commit write, timed apart) so the next
claim walks further. It prints the time of one claim (p50, p95, max) at the start (with the replies and
notifications first in line), and on the broadcast rows, and the time of one write of those outcomes;
on PostgreSQL also EXPLAIN (ANALYZE) of the claim's queries.

    uv run python -m bench.outbox_claim                      # 100 000 rows, SQLite
    uv run python -m bench.outbox_claim --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, insert, select, text
from sqlalchemy.dialects import postgresql

from bench.inbound_path import scratch_database
from db import migrate
from db.connection import Store
from db.models import Broadcast, Contact, OutboxMessage
from db.repositories import outbox
from db.repositories.outbox import _candidates  # the query itself, for EXPLAIN

__all__ = ["main"]

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
HOLDER = "0" * 32  # a lease holder's id (`processes`); the claim only writes it


async def seed(store: Store, contacts: int) -> None:
    async with store.transaction() as session:
        broadcast = Broadcast(
            programme_id="bench",
            author="cli",
            body="Pengumuman",
            audience={"kind": "everyone"},
            status="sending",
            send_at=NOW,
            created_at=NOW,
        )
        session.add(broadcast)
        await session.flush()
        broadcast_id = broadcast.id
    chunk = 5_000
    for start in range(0, contacts, chunk):
        async with store.transaction() as session:
            rows = [
                {
                    "channel": "telegram",
                    "channel_id": str(1_000_000 + n),
                    "language": "id",
                    "opted_out": n % 100 == 7,
                    "unreachable": False,
                    "created_at": NOW,
                }
                for n in range(start, min(start + chunk, contacts))
            ]
            ids = (await session.execute(insert(Contact).returning(Contact.id), rows)).scalars().all()
            messages = [
                _row(contact_id, str(1_000_000 + n), broadcast_id)
                for n, contact_id in zip(range(start, start + len(ids)), ids, strict=True)
            ]
            await session.execute(insert(OutboxMessage), messages)
    async with store.transaction() as session:  # replies and notifications queued after the broadcast
        first = (await session.execute(select(Contact.id, Contact.channel_id).limit(300))).all()
        extra = [
            {**_row(row.id, row.channel_id, None), "kind": "reply", "priority": n % 2} for n, row in enumerate(first)
        ]
        await session.execute(insert(OutboxMessage), extra)
    if store.engine.dialect.name == "postgresql":
        async with store.engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


def _row(contact_id: int, recipient: str, broadcast_id: int | None) -> dict[str, object]:
    return {
        "contact_id": contact_id,
        "channel": "telegram",
        "recipient": recipient,
        "kind": "broadcast",
        "body": "Pengumuman",
        "choices": [],
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": NOW,
        "priority": 2,
        "broadcast_id": broadcast_id,
        "created_at": NOW,
        "updated_at": NOW,
    }


async def claim_and_finish(store: Store, batch: int) -> tuple[float, float, list[int]]:
    """One claim, timed (its transaction included), then the rows marked sent in one write, timed apart."""
    started = time.perf_counter()
    async with store.transaction() as session:
        rows = await outbox.claim_due(session, NOW, lease=LEASE, limit=batch, channels=("telegram",), holder=HOLDER)
        priorities = [row.priority for row in rows]
        ids = [row.id for row in rows]
    claimed = time.perf_counter()
    async with store.transaction() as session:
        await outbox.mark_sent_many(session, [(i, f"m{i}") for i in ids], NOW)
    return claimed - started, time.perf_counter() - claimed, priorities


async def explain(store: Store, batch: int) -> list[str]:
    due = and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= NOW)
    statement = _candidates(due, batch, ("telegram",)).with_for_update(skip_locked=True, of=OutboxMessage)
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    async with store.engine.connect() as connection:
        plan = await connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
        lines = [str(row[0]) for row in plan]
        await connection.rollback()
    return lines


def milliseconds(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"


async def benchmark(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        async with scratch_database(options.database_url, Path(folder)) as url:
            store = Store.from_url(url)
            try:
                await migrate.upgrade(store.engine)
                seeding = time.perf_counter()
                await seed(store, options.contacts)
                print(f"database   {store.engine.dialect.name}; python {platform.python_version()}")
                print(
                    f"seeded     {options.contacts:,} broadcast rows (1% opted out) + 300 replies/notifications "
                    f"in {time.perf_counter() - seeding:.1f} s"
                )
                if store.engine.dialect.name == "postgresql":
                    print("plan of the claim query (pending rows), at the start:")
                    for line in await explain(store, options.batch):
                        print(f"    {line}")
                first: list[float] = []
                later: list[float] = []
                writes: list[float] = []
                order_ok = True
                seen_broadcast = False
                for n in range(options.claims):
                    elapsed, written, priorities = await claim_and_finish(store, options.batch)
                    writes.append(written)
                    if seen_broadcast and any(p < 2 for p in priorities):
                        order_ok = False
                    seen_broadcast = seen_broadcast or 2 in priorities
                    (first if n < 3 else later).append(elapsed)
                print(f"claim ({options.batch} rows), first 3 (replies, notifications first): {milliseconds(first)}")
                print(f"claim ({options.batch} rows), next {len(later)} (broadcast rows):     {milliseconds(later)}")
                print(f"outcomes of one claim marked sent (one write, mark_sent_many): {milliseconds(writes)}")
                print(f"priority order kept: {'yes' if order_ok else 'NO'}")
                if store.engine.dialect.name == "postgresql":
                    print("plan of the claim query, after the claims:")
                    for line in await explain(store, options.batch):
                        print(f"    {line}")
            finally:
                await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_claim", description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100, help="rows per claim (the worker's batch size)")
    parser.add_argument("--claims", type=int, default=50, help="claims to time")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (a scratch database is made)")
    asyncio.run(benchmark(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
