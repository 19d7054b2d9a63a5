"""index: a person's open outbox messages in claim order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each claim asks of every candidate whether an older message to the same person is still open. With
    # only ix_outbox_contact_id that read every row the person was ever sent: on PostgreSQL, 100 people
    # with a backlog were delivered 60 replies a second while 800 were handled (docs/PERFORMANCE.md).
    op.create_index("ix_outbox_contact_open", "outbox", ["contact_id", "status", "priority", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_contact_open", table_name="outbox")
