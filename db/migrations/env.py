"""Alembic environment: always handed an open connection by `db.migrate` (sync inside run_sync)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from db.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through `jaring db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
