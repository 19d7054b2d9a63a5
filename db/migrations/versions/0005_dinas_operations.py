"""broadcasts, quota changes, outbox files and priorities

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:07:33.350011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("id", _ID, nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("purged_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_files")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("author_contact_id", _ID, nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", _UTC, nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("skipped_opted_out", sa.Integer(), nullable=False),
        sa.Column("skipped_unreachable", sa.Integer(), nullable=False),
        sa.Column("progress_outbox_id", _ID, nullable=True),
        sa.Column("progress_shown", sa.Integer(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("started_at", _UTC, nullable=True),
        sa.Column("finished_at", _UTC, nullable=True),
        sa.Column("cancelled_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["author_contact_id"],
            ["contacts.id"],
            name=op.f("fk_broadcasts_author_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index("ix_broadcasts_status_send_at", ["status", "send_at"], unique=False)

    op.create_table(
        "quota_changes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("programme_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("actor_contact_id", _ID, nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_contact_id"],
            ["contacts.id"],
            name=op.f("fk_quota_changes_actor_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_changes")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("broadcast_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("file_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("replaces", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_broadcast_id"), ["broadcast_id"], unique=False)
        batch_op.create_index("ix_outbox_claim_order", ["status", "priority", "id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_outbox_broadcast_id_contact_id"), ["broadcast_id", "contact_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_file_id_outbox_files"), "outbox_files", ["file_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_broadcast_id_broadcasts"), "broadcasts", ["broadcast_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("quota_year")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_broadcast_id_broadcasts"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_outbox_file_id_outbox_files"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_outbox_broadcast_id_contact_id"), type_="unique")
        batch_op.drop_index("ix_outbox_claim_order")
        batch_op.drop_index(batch_op.f("ix_outbox_broadcast_id"))
        batch_op.drop_column("replaces")
        batch_op.drop_column("file_id")
        batch_op.drop_column("broadcast_id")
        batch_op.drop_column("priority")

    op.drop_table("quota_changes")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcasts_status_send_at")

    op.drop_table("broadcasts")
    op.drop_table("outbox_files")
