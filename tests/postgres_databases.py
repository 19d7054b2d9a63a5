"""A PostgreSQL database of its own for a test whose `jaring` processes connect by URL (a schema on the
search path cannot be handed to a child through DATABASE_URL). Created empty on the test server and
dropped afterwards, with whatever connections are still open to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL

__all__ = ["postgres_database"]


async def _admin() -> asyncpg.Connection:
    url = make_url(POSTGRES_URL)
    return await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database=url.database)


@asynccontextmanager
async def postgres_database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """The URL (`postgresql+asyncpg://…`) of a new, empty database; skips (or, in CI, fails) the test when no
    PostgreSQL answers, like the `store` fixture."""
    request.getfixturevalue("postgres_available")
    name = f"jaring_t_{uuid.uuid4().hex[:12]}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
