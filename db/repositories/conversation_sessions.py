"""Where each contact is in a conversation. Read under a row lock, written with the revision checked."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConversationSession
from db.repositories._dialect import PerDialect, dialect_name

__all__ = [
    "SavedSession",
    "StaleSession",
    "StoredSession",
    "lock_session",
    "lock_sessions",
    "save_session",
    "save_sessions",
]


class StaleSession(RuntimeError):
    """Somebody else saved this conversation since it was read; the caller's transaction must roll back."""


async def lock_session(session: AsyncSession, contact_id: int) -> ConversationSession:
    """The contact's conversation, locked for this transaction (FOR UPDATE on PostgreSQL; on SQLite the
    transaction began IMMEDIATE, which already serialises writers)."""
    statement = select(ConversationSession).where(ConversationSession.contact_id == contact_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one()


async def save_session(
    session: AsyncSession,
    contact_id: int,
    expected_revision: int,
    *,
    flow: str | None,
    flow_version: int,
    step: str | None,
    data: Mapping[str, Any],
    paused: Mapping[str, Any] | None = None,
    now: datetime,
) -> int:
    """Save and return the new revision."""
    result = await session.execute(
        update(ConversationSession)
        .where(ConversationSession.contact_id == contact_id, ConversationSession.revision == expected_revision)
        .values(
            paused=dict(paused or {}),
            flow=flow,
            flow_version=flow_version,
            step=step,
            data=dict(data),
            revision=expected_revision + 1,
            updated_at=now,
        )
        .returning(ConversationSession.revision)
    )
    revision = result.scalar_one_or_none()
    if revision is None:
        raise StaleSession(f"conversation of contact {contact_id} changed since revision {expected_revision}")
    return revision


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A conversation as read, for the hot path (plain values, no ORM object to track)."""

    contact_id: int
    flow: str | None
    flow_version: int
    step: str | None
    data: dict[str, Any]
    paused: dict[str, Any]
    revision: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SavedSession:
    """A conversation to write back over the revision it was read at."""

    contact_id: int
    expected_revision: int
    flow: str | None
    flow_version: int
    step: str | None
    data: Mapping[str, Any]
    paused: Mapping[str, Any]


_table = cast(Table, ConversationSession.__table__)


def _lock(dialect: str) -> Select[Any]:
    statement = select(_table).where(_table.c.contact_id.in_(bindparam("ids", expanding=True)))
    statement = statement.order_by(_table.c.contact_id)
    return statement.with_for_update() if dialect == "postgresql" else statement


_LOCK = PerDialect(_lock)
_SAVE = (
    update(_table)
    .where(_table.c.contact_id == bindparam("b_contact_id"), _table.c.revision == bindparam("b_revision"))
    .values(
        flow=bindparam("flow"),
        flow_version=bindparam("flow_version"),
        step=bindparam("step"),
        data=bindparam("data"),
        paused=bindparam("paused"),
        revision=bindparam("b_revision") + 1,
        updated_at=bindparam("b_now"),
    )
)


async def lock_sessions(session: AsyncSession, contact_ids: Collection[int]) -> dict[int, StoredSession]:
    """`lock_session` for many people in one query, locked in contact order (two processes locking
    overlapping people then wait for each other instead of deadlocking)."""
    rows = (await session.execute(_LOCK.of(session), {"ids": sorted(set(contact_ids))})).mappings()
    return {row["contact_id"]: StoredSession(**row) for row in rows}


async def save_sessions(session: AsyncSession, saves: Sequence[SavedSession], now: datetime) -> None:
    """`save_session` for many people in one executemany. Each row is locked by this transaction
    (`lock_sessions`), so the revision check can only fail through a bug; where the driver counts the
    rows of an executemany, a failed check raises StaleSession all the same."""
    if not saves:
        return
    parameters = [
        {
            "b_contact_id": save.contact_id,
            "b_revision": save.expected_revision,
            "b_now": now,
            "flow": save.flow,
            "flow_version": save.flow_version,
            "step": save.step,
            "data": dict(save.data),
            "paused": dict(save.paused),
        }
        for save in saves
    ]
    result = await session.execute(_SAVE, parameters)
    if result.connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(saves):  # type: ignore[attr-defined]
        raise StaleSession(f"{len(saves) - result.rowcount} conversations changed since they were read")  # type: ignore[attr-defined]
