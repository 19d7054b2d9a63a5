"""the unanswered-question loop: admins' phrases, trained question models, how typed questions went

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "question_phrases",
        sa.Column("id", _ID, nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("added_by", _ID, nullable=True),
        sa.Column("added_at", _UTC, nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["contacts.id"], name=op.f("fk_question_phrases_added_by_contacts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_phrases")),
    )
    op.create_table(
        "question_models",
        sa.Column("id", _ID, nullable=False),
        sa.Column("trained_at", _UTC, nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("phrases_up_to", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_models")),
    )
    op.create_table(
        "question_outcomes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("asked_at", _UTC, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("asked_in", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_outcomes")),
    )
    op.create_index(op.f("ix_question_outcomes_asked_at"), "question_outcomes", ["asked_at"], unique=False)
    with op.batch_alter_table("unanswered_questions") as table:
        table.add_column(sa.Column("attached_topic", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("attached_at", _UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unanswered_questions") as table:
        table.drop_column("attached_at")
        table.drop_column("attached_topic")
    op.drop_index(op.f("ix_question_outcomes_asked_at"), table_name="question_outcomes")
    op.drop_table("question_outcomes")
    op.drop_table("question_models")
    op.drop_table("question_phrases")
