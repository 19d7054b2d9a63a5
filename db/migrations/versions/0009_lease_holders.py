"""outbox leases name their holder; the processes that hold them record themselves

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid_space", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_started", sa.BigInteger(), nullable=True),
        sa.Column("started_at", _UTC, nullable=False),
        sa.Column("heartbeat_at", _UTC, nullable=False),
        sa.Column("stopped_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
    )
    # A plain column (no foreign key): adding one to SQLite's outbox would copy the whole table.
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("lease_holder", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_column("lease_holder")
    op.drop_table("processes")
