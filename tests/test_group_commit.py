"""Messages that arrive together are handled in one transaction, and still as if one by one: each
person's in order, a duplicate stopped, one failing message isolated from the others. Real pipeline,
real migrations, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from bot.app import Jaring
from bot.inbound.group_commit import GroupCommit
from bot.inbound.pipeline import POSTGRES_LANES, HandleResult, Pipeline
from conversations.engine import Engine
from db.connection import Store
from db.models import ConsentRecord, InboxMessage
from tests.conftest import FixedClock
from tests.test_pipeline import engine_with_a_broken_flow, outbox_rows, said


@contextmanager
def counting_inbox_inserts(store: Store) -> Iterator[list[str]]:
    """The INSERTs into the inbox the database really receives."""
    seen: list[str] = []

    def before(_: Any, __: Any, statement: str, *___: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            seen.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", before)


def pipeline_on(store: Store, jaring: Jaring, clock: FixedClock, engine: Engine | None = None) -> Pipeline:
    return Pipeline(
        store, engine or jaring.engine, jaring.catalogs, jaring.programme, cipher=jaring.cipher, clock=clock
    )


async def test_messages_arriving_together_share_one_transaction(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    pipeline = pipeline_on(store, jaring, clock)
    with counting_inbox_inserts(store) as inserts:
        results = await asyncio.gather(*(pipeline.handle(said(clock, "halo", sender=f"p{n}")) for n in range(12)))
    assert [r.result for r in results] == [HandleResult.HANDLED] * 12
    # Twelve messages, one batch a lane (PostgreSQL runs several lanes side by side).
    assert len(inserts) == (1 if store.is_sqlite else POSTGRES_LANES)
    rows = await outbox_rows(store)
    assert sorted(row.recipient for row in rows) == sorted(f"p{n}" for n in range(12))
    assert all(row.body.startswith("Halo! Saya Jaring") for row in rows)


async def test_one_persons_messages_in_one_batch_are_handled_in_order(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    pipeline = pipeline_on(store, jaring, clock)
    texts = ("privasi", "setuju", "bahasa", "menu")
    results = await asyncio.gather(*(pipeline.handle(said(clock, text)) for text in texts))
    assert [r.result for r in results] == [HandleResult.HANDLED] * 4
    bodies = [row.body for row in await outbox_rows(store)]
    assert "Pemberitahuan privasi" in bodies[0]
    assert "Persetujuan Anda sudah dicatat" in bodies[1]
    assert "I will now use English" in bodies[2]  # the consent of the message before is known
    assert "Main menu" in bodies[3]  # and the language switched by the one before that
    async with store.transaction() as session:
        assert list((await session.execute(select(ConsentRecord.granted))).scalars()) == [True]


async def test_a_message_delivered_twice_in_one_batch_is_handled_once(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    pipeline = pipeline_on(store, jaring, clock)
    same = said(clock, "halo", message_id="twice")
    other = said(clock, "halo", sender="p2")
    results = await asyncio.gather(pipeline.handle(same), pipeline.handle(other), pipeline.handle(same))
    assert [r.result for r in results] == [HandleResult.HANDLED, HandleResult.HANDLED, HandleResult.DUPLICATE]
    assert sorted(row.recipient for row in await outbox_rows(store)) == ["p2", "warga-1"]


async def test_one_failing_message_does_not_fail_the_others_in_its_batch(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    pipeline = pipeline_on(store, jaring, clock, engine_with_a_broken_flow())
    await pipeline.handle(said(clock, "rusak", sender="unlucky"))
    batch = [said(clock, "halo", sender=f"p{n}") for n in range(5)]
    batch.insert(2, said(clock, "jawaban", sender="unlucky", message_id="boom"))
    results = await asyncio.gather(*(pipeline.handle(inbound) for inbound in batch))
    assert [r.result for r in results] == [HandleResult.HANDLED] * 2 + [HandleResult.FAILED] + [
        HandleResult.HANDLED
    ] * 3
    rows = await outbox_rows(store)
    assert sorted(row.recipient for row in rows if row.body.startswith("Halo!")) == [f"p{n}" for n in range(5)]
    assert any(row.recipient == "unlucky" and row.body.startswith("Maaf, ada gangguan") for row in rows)
    async with store.transaction() as session:
        failed = (await session.execute(select(InboxMessage).where(InboxMessage.message_id == "boom"))).scalar_one()
    assert (failed.status, failed.error) == ("failed", "RuntimeError")


async def test_a_batch_holds_no_more_than_its_size_and_keeps_the_order() -> None:
    batches: list[list[int]] = []

    async def work(items: Any) -> list[int]:
        batches.append(list(items))
        await asyncio.sleep(0)
        return [item * 10 for item in items]

    group = GroupCommit[int, int](work, most=3)
    results = await asyncio.gather(*(group.submit("one person", n) for n in range(7)))
    assert results == [n * 10 for n in range(7)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
