"""several workers: platform limits shared through the database, and each person's flood window

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "send_pacing",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("due", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_pacing")),
    )
    # Plain ADD COLUMNs with constant defaults: SQLite adds them without copying the table.
    op.add_column("contacts", sa.Column("flood_since", _UTC, nullable=True))
    op.add_column("contacts", sa.Column("flood_count", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("contacts", sa.Column("flood_told", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as table:
        table.drop_column("flood_told")
        table.drop_column("flood_count")
        table.drop_column("flood_since")
    op.drop_table("send_pacing")
