"""day one for a Pemda: imported participants, budget years (new or continuing), the renewal round

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)
# Approved against a year's quota and still holding its place (conversations/corrections_policy.py).
_HOLDING = ("approved", "active", "corrected", "returned", "verified")


def upgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="jaring"))
        table.add_column(sa.Column("funder", sa.String(length=100), nullable=True))
        table.add_column(sa.Column("legal_basis", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("deceased_on", sa.Date(), nullable=True))
        table.create_index(op.f("ix_registrations_kpj"), ["kpj"], unique=False)
    with op.batch_alter_table("contacts") as table:
        table.add_column(sa.Column("awaiting", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("awaiting_since", _UTC, nullable=True))
    op.create_index("ix_audit_log_action_subject", "audit_log", ["action", "subject", "created_at"], unique=False)
    op.create_table(
        "participant_years",
        sa.Column("id", _ID, nullable=False),
        sa.Column("registration_id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_participant_years_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_years")),
        sa.UniqueConstraint("registration_id", "year", name=op.f("uq_participant_years_registration_id_year")),
    )
    op.create_index("ix_participant_years_year", "participant_years", ["programme_id", "year"], unique=False)
    # Every registration approved against a year so far was new in that year.
    holding = ", ".join(f"'{status}'" for status in _HOLDING)
    op.execute(
        "INSERT INTO participant_years (registration_id, programme_id, year, kind, source, created_at) "
        "SELECT id, programme_id, quota_year, 'new', 'approval', updated_at FROM registrations "
        f"WHERE quota_year IS NOT NULL AND status IN ({holding})"
    )
    op.create_table(
        "renewal_rounds",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_by_contact_id", _ID, nullable=True),
        sa.Column("opened_at", _UTC, nullable=False),
        sa.Column("closed_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["opened_by_contact_id"],
            ["contacts.id"],
            name=op.f("fk_renewal_rounds_opened_by_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_rounds")),
        sa.UniqueConstraint("programme_id", "year", name=op.f("uq_renewal_rounds_programme_id_year")),
    )
    op.create_table(
        "renewals",
        sa.Column("id", _ID, nullable=False),
        sa.Column("round_id", _ID, nullable=False),
        sa.Column("registration_id", _ID, nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("asked_at", _UTC, nullable=True),
        sa.Column("reminded_at", _UTC, nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", _UTC, nullable=True),
        sa.Column("decided_by_contact_id", _ID, nullable=True),
        sa.Column("decided_at", _UTC, nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["renewal_rounds.id"], name=op.f("fk_renewals_round_id_renewal_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_renewals_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_renewals_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_contact_id"],
            ["contacts.id"],
            name=op.f("fk_renewals_decided_by_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewals")),
        sa.UniqueConstraint("round_id", "registration_id", name=op.f("uq_renewals_round_id_registration_id")),
    )
    op.create_index("ix_renewals_decision", "renewals", ["round_id", "decision"], unique=False)
    op.create_index(op.f("ix_renewals_registration_id"), "renewals", ["registration_id"], unique=False)
    op.create_index(op.f("ix_renewals_contact_id"), "renewals", ["contact_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_renewals_contact_id"), table_name="renewals")
    op.drop_index(op.f("ix_renewals_registration_id"), table_name="renewals")
    op.drop_index("ix_renewals_decision", table_name="renewals")
    op.drop_table("renewals")
    op.drop_table("renewal_rounds")
    op.drop_index("ix_participant_years_year", table_name="participant_years")
    op.drop_table("participant_years")
    op.drop_index("ix_audit_log_action_subject", table_name="audit_log")
    with op.batch_alter_table("contacts") as table:
        table.drop_column("awaiting_since")
        table.drop_column("awaiting")
    with op.batch_alter_table("registrations") as table:
        table.drop_index(op.f("ix_registrations_kpj"))
        table.drop_column("deceased_on")
        table.drop_column("legal_basis")
        table.drop_column("funder")
        table.drop_column("source")
