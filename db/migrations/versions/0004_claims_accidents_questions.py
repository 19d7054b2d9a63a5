"""claim cases of heirs, work-accident reports, questions the bot could not answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 17:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accident_reports",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("registration_id", _ID, nullable=True),
        sa.Column("nik_cipher", sa.Text(), nullable=True),
        sa.Column("kpj", sa.String(length=11), nullable=True),
        sa.Column("what", sa.String(length=500), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.String(length=5), nullable=True),
        sa.Column("treated_at", sa.String(length=200), nullable=False),
        sa.Column("reporter_contact_id", _ID, nullable=True),
        sa.Column("reporter_phone", sa.String(length=32), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_accident_reports_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_contact_id"],
            ["contacts.id"],
            name=op.f("fk_accident_reports_reporter_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_reports")),
    )
    op.create_index(
        op.f("ix_accident_reports_reporter_contact_id"), "accident_reports", ["reporter_contact_id"], unique=False
    )
    op.create_table(
        "claim_cases",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("registration_id", _ID, nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.Column("reminded_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_claim_cases_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_claim_cases_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_cases")),
    )
    op.create_index(op.f("ix_claim_cases_contact_id"), "claim_cases", ["contact_id"], unique=False)
    op.create_index("ix_claim_cases_status_updated_at", "claim_cases", ["status", "updated_at"], unique=False)
    op.create_table(
        "unanswered_questions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("asked_in", sa.String(length=60), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_unanswered_questions_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
    )
    op.create_index(
        op.f("ix_unanswered_questions_created_at"), "unanswered_questions", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_unanswered_questions_created_at"), table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_index("ix_claim_cases_status_updated_at", table_name="claim_cases")
    op.drop_index(op.f("ix_claim_cases_contact_id"), table_name="claim_cases")
    op.drop_table("claim_cases")
    op.drop_index(op.f("ix_accident_reports_reporter_contact_id"), table_name="accident_reports")
    op.drop_table("accident_reports")
