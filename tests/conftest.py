"""Shared fixtures: a fixed clock, real databases (a SQLite file; a fresh PostgreSQL schema), and a
fully assembled Jaring on them, migrated by the real Alembic migrations."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from bot.app import Jaring, open_jaring
from bot.settings import Settings, load_settings
from db import migrate
from db.connection import Store, create_engine

POSTGRES_URL = os.environ.get("JARING_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# CI sets this so that an unreachable PostgreSQL fails the run instead of skipping its tests.
POSTGRES_REQUIRED = os.environ.get("JARING_REQUIRE_POSTGRES") == "1"


class FixedClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@functools.cache
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None. Probed once, on a thread of its own (tests run inside
    an event loop already)."""
    url = make_url(POSTGRES_URL)

    async def probe() -> None:
        connection = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database, timeout=3
        )
        await connection.close()

    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, probe()).result()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL not reachable at {url.render_as_string(hide_password=True)}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    if POSTGRES_REQUIRED:
        pytest.fail(f"{problem} (JARING_REQUIRE_POSTGRES=1)")
    pytest.skip(f"{problem}; set JARING_TEST_POSTGRES_URL to run the PostgreSQL tests")


async def _new_schema() -> str:
    schema = f"jaring_test_{uuid.uuid4().hex[:12]}"
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database=url.database)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    return schema


async def _drop_schema(schema: str) -> None:
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database=url.database)
    try:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'jaring.db'}")
        schema = None
    else:
        request.getfixturevalue("postgres_available")
        schema = await _new_schema()
        engine = create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    await migrate.upgrade(engine)
    store = Store(engine)
    try:
        yield store
    finally:
        await store.close()
        if schema is not None:
            await _drop_schema(schema)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a fresh machine has them: a data folder, no .env, a real key."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "JARING_PROGRAM_FILE", "JARING_ENV", "JARING_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JARING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JARING_SECRET_KEY", Fernet.generate_key().decode())
    return load_settings()


@pytest.fixture
async def jaring(settings: Settings, clock: FixedClock) -> AsyncIterator[Jaring]:
    """The whole bot on a SQLite file, with the fixed clock."""
    app = await open_jaring(settings, clock)
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask that lets everyone read new files: the modes must not depend on it."""
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)
