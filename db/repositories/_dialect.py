from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

__all__ = ["dialect_name", "insert_ignoring_duplicates"]


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_ignoring_duplicates(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the current database's dialect."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()
