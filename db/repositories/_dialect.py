from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

__all__ = ["insert_ignoring_duplicates"]


def insert_ignoring_duplicates(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the current database's dialect."""
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()
