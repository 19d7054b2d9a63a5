"""Migrations up and down on both databases, and the models agreeing with them."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from db import migrate
from db.connection import Store
from db.models import Base

TABLES = {
    "contacts",
    "sponsors",
    "sponsorships",
    "sponsor_periods",
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
    "web_links",
    "web_sessions",
    "broadcasts",
    "quota_changes",
    "outbox_files",
    "question_phrases",
    "question_models",
    "question_outcomes",
    "participant_years",
    "renewal_rounds",
    "renewals",
    "processes",
    "send_pacing",
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


async def test_0008_records_the_year_of_every_registration_holding_a_place(store: Store) -> None:
    """Registrations approved before budget years were recorded were new in the year of their place; one
    waiting, rejected or without a year has no year."""
    await migrate.downgrade(store.engine, "0007")
    rows = [
        (1, "active", 2025),
        (2, "approved", 2026),
        (3, "corrected", 2026),
        (4, "waiting_list", None),
        (5, "rejected", 2026),
        (6, "submitted", None),
    ]
    async with store.engine.begin() as connection:
        for number, status, year in rows:
            await connection.execute(
                text(
                    "INSERT INTO registrations (id, programme_id, kelurahan_code, job_type, poverty_register, status,"
                    " quota_year, flags, consent_via, consent_notice_version, consent_recorded_at, created_at,"
                    " updated_at) VALUES (:id, 'p', '33.75.01.1004', 'tukang_becak', 'unknown', :status, :year, '[]',"
                    " 'self', 'v', :at, :at, :at)"
                ),
                {"id": number, "status": status, "year": year, "at": datetime(2026, 3, 1, tzinfo=UTC)},
            )
    await migrate.upgrade(store.engine)
    async with store.engine.connect() as connection:
        found = await connection.execute(
            text("SELECT registration_id, year, kind, source FROM participant_years ORDER BY registration_id")
        )
        assert [tuple(row) for row in found] == [
            (1, 2025, "new", "approval"),
            (2, 2026, "new", "approval"),
            (3, 2026, "new", "approval"),
        ]
        sources = await connection.execute(text("SELECT DISTINCT source FROM registrations"))
        assert [row[0] for row in sources] == ["jaring"]
