"""registrations carry the programme rules they break (for the verifier and the admin to decide)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("flags", _JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.drop_column("flags")
