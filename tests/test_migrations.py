"""Migrations up and down on both databases, and the models agreeing with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from db import migrate
from db.connection import Store
from db.models import Base

TABLES = {
    "contacts",
    "conversation_sessions",
    "inbox",
    "outbox",
    "consent_records",
    "audit_log",
    "registrations",
    "registration_events",
    "invites",
    "role_grants",
    "accident_reports",
    "claim_cases",
    "unanswered_questions",
    "broadcasts",
    "quota_changes",
    "outbox_files",
    "question_phrases",
    "question_models",
    "question_outcomes",
    "participant_years",
    "renewal_rounds",
    "renewals",
}


async def _tables(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    return names - {"alembic_version"}


def test_head_revision_constant_matches_the_newest_migration() -> None:
    assert migrate.head_revision() == migrate.HEAD_REVISION


async def test_upgrade_downgrade_upgrade(store: Store) -> None:
    assert await _tables(store) == TABLES
    assert await migrate.current_revision(store.engine) == migrate.HEAD_REVISION
    await migrate.downgrade(store.engine, "base")
    assert await _tables(store) == set()
    assert await migrate.current_revision(store.engine) is None
    await migrate.ensure_current(store.engine)
    assert await _tables(store) == TABLES
    assert await migrate.current_revision(store.engine) == migrate.HEAD_REVISION


async def test_the_models_match_the_migrated_schema(store: Store) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
