"""One leader among the processes on one database (bot/leadership.py): on PostgreSQL the holder of a
session advisory lock, who steps down when its connection dies and is followed by another; on SQLite
always the one process. Real databases; the "processes" are Leadership objects with engines of their
own, which is what the lock sees of a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.leadership import Leadership
from db.connection import Store, create_engine
from tests.conftest import POSTGRES_URL
from tests.waiting import wait_until

QUICK = {"retry_seconds": 0.05, "check_seconds": 0.05}


class Work:
    """What a leader runs: it counts its terms and runs until told to stop."""

    def __init__(self) -> None:
        self.terms = 0
        self.running = False

    async def __call__(self, stepping_down: asyncio.Event) -> None:
        self.terms += 1
        self.running = True
        try:
            await stepping_down.wait()
        finally:
            self.running = False


@contextlib.asynccontextmanager
async def leading(store: Store) -> AsyncIterator[tuple[Leadership, Work, asyncio.Event]]:
    leadership, work, stopping = Leadership(store, **QUICK), Work(), asyncio.Event()
    task = asyncio.create_task(leadership.run(work, stopping))
    try:
        yield leadership, work, stopping
    finally:
        stopping.set()
        async with asyncio.timeout(10):
            await task
    assert not work.running


async def another_process(store: Store) -> Store:
    """A second engine on the same database and schema: for the lock, another process."""
    url = store.engine.url.render_as_string(hide_password=False)
    async with store.engine.connect() as connection:
        schema = (await connection.execute(text("SHOW search_path"))).scalar_one()
    return Store(create_engine(url, connect_args={"server_settings": {"search_path": schema}}))


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
async def test_on_sqlite_the_one_process_leads_at_once(store: Store) -> None:
    async with leading(store) as (leadership, work, _):
        await wait_until(lambda: work.running, "the work running")
        assert leadership.leading


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
async def test_one_leads_and_another_follows_when_it_stops_or_its_connection_dies(store: Store) -> None:
    second_store = await another_process(store)
    try:
        async with leading(store) as (first, first_work, first_stopping):
            await wait_until(lambda: first_work.running, "the first leading")
            async with leading(second_store) as (second, second_work, _):
                await asyncio.sleep(0.5)  # ten tries of the second's
                assert (first.leading, second.leading) == (True, False)
                assert second_work.terms == 0

                # The leader's connection is cut (a database restart, pg_terminate_backend): its lock goes
                # with it, it steps down, and the other leads.
                async with store.engine.connect() as admin:
                    cut = await admin.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :leader AND datname = current_database()"
                        ),
                        {"leader": f"jaring leader {os.getpid()}"},  # this test's, not another's in the database
                    )
                    assert cut.all() == [(True,)]
                await wait_until(lambda: not first_work.running, "the first stepping down", 10)
                await wait_until(lambda: second_work.running, "the second leading", 10)
                assert not first.leading
                await asyncio.sleep(0.3)
                assert first_work.terms == 1  # it tries again, but the other holds the lock now

                # The new leader stops cleanly: the first leads again.
            await wait_until(lambda: first_work.running, "the first leading again", 10)
            assert first_work.terms == 2
            assert not first_stopping.is_set()
    finally:
        await second_store.close()


@pytest.mark.postgres
async def test_each_schema_has_its_own_leader(request: pytest.FixtureRequest) -> None:
    """Two deployments (or two tests) in one database do not elect one leader between them."""
    request.getfixturevalue("postgres_available")
    from tests.conftest import _drop_schema, _new_schema

    schemas = [await _new_schema(), await _new_schema()]
    stores = [Store(create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": s}})) for s in schemas]
    try:
        async with leading(stores[0]) as (_, one, _), leading(stores[1]) as (_, other, _):
            await wait_until(lambda: one.running and other.running, "both leading", 10)
    finally:
        for store in stores:
            await store.close()
        for schema in schemas:
            await _drop_schema(schema)
