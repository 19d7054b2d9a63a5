"""sponsors: who pays a worker's premium beside the budget, their commitments and each month's payment

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sponsors",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("nip_cipher", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.String(length=40), nullable=True),
        sa.Column("organisation_name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("share_name", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_sponsors_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_sponsors_contact_id")),
    )
    op.create_index("ix_sponsors_programme", "sponsors", ["programme_id", "status", "kind", "organisation_id"])
    op.create_table(
        "sponsorships",
        sa.Column("id", _ID, nullable=False),
        sa.Column("sponsor_id", _ID, nullable=False),
        sa.Column("registration_id", _ID, nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("how", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", _UTC, nullable=True),
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("accepted_at", _UTC, nullable=True),
        sa.Column("activated_at", _UTC, nullable=True),
        sa.Column("ended_at", _UTC, nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("lapse_told_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["sponsor_id"], ["sponsors.id"], name=op.f("fk_sponsorships_sponsor_id_sponsors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_sponsorships_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorships")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_sponsorships_code_hash")),
    )
    op.create_index(op.f("ix_sponsorships_sponsor_id"), "sponsorships", ["sponsor_id"])
    op.create_index(op.f("ix_sponsorships_registration_id"), "sponsorships", ["registration_id"])
    op.create_index(op.f("ix_sponsorships_status"), "sponsorships", ["status"])
    op.create_table(
        "sponsor_periods",
        sa.Column("id", _ID, nullable=False),
        sa.Column("sponsorship_id", _ID, nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("reminded_at", _UTC, nullable=True),
        sa.Column("paid_at", _UTC, nullable=True),
        sa.Column("missed_told_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_sponsor_periods_sponsorship_id_sponsorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor_periods")),
        sa.UniqueConstraint("sponsorship_id", "period", name=op.f("uq_sponsor_periods_sponsorship_id_period")),
    )


def downgrade() -> None:
    op.drop_table("sponsor_periods")
    op.drop_index(op.f("ix_sponsorships_status"), table_name="sponsorships")
    op.drop_index(op.f("ix_sponsorships_registration_id"), table_name="sponsorships")
    op.drop_index(op.f("ix_sponsorships_sponsor_id"), table_name="sponsorships")
    op.drop_table("sponsorships")
    op.drop_index("ix_sponsors_programme", table_name="sponsors")
    op.drop_table("sponsors")
