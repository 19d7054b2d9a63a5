"""a broadcast recorded from the web desk keeps its form's one-time key, so a second submit records nothing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column and a unique index: neither copies SQLite's table.
    op.add_column("broadcasts", sa.Column("request_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_broadcasts_request_key"), "broadcasts", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_broadcasts_request_key"), table_name="broadcasts")
    with op.batch_alter_table("broadcasts") as table:
        table.drop_column("request_key")
