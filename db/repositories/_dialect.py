from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

__all__ = ["PerDialect", "dialect_name", "ignoring_duplicates", "insert_ignoring_duplicates", "insert_in"]


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_ignoring_duplicates(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the current database's dialect."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


class PerDialect:
    """A statement built once per database dialect and reused (the hot path: building a statement
    costs more than running it). `build` gets the dialect's name."""

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def of(self, session: AsyncSession) -> Any:
        name = dialect_name(session)
        statement = self._built.get(name)
        if statement is None:
            statement = self._built[name] = self._build(name)
        return statement


def ignoring_duplicates(model: type[DeclarativeBase]) -> PerDialect:
    """`insert_ignoring_duplicates`, built once per dialect."""
    return PerDialect(lambda name: insert_in(name, model).on_conflict_do_nothing())


def insert_in(dialect: str, model: type[DeclarativeBase]) -> Any:
    """An INSERT that can take the dialect's ON CONFLICT clause."""
    return postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)
