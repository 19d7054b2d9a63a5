"""Alembic migrations, run at start-up and by `jaring db upgrade` / `jaring db downgrade`.

Start-up first compares the stored revision with `HEAD_REVISION` using one plain query, and imports
Alembic only when there is something to migrate: that keeps `jaring chat` quick to its first reply.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "current_revision",
    "downgrade",
    "ensure_current",
    "head_revision",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0015"  # the newest file in migrations/versions; a test keeps the two in step


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _read_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_read_revision)


async def ensure_current(engine: AsyncEngine) -> None:
    """Migrate to the newest schema unless the database is there already."""
    if await current_revision(engine) != HEAD_REVISION:
        await upgrade(engine)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.upgrade(_config(c), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(_config(c), revision))
