"""Work-accident reports made through the bot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AccidentReport

__all__ = ["add_report"]


async def add_report(session: AsyncSession, fields: Mapping[str, Any]) -> AccidentReport:
    report = AccidentReport(**fields, status="new")
    session.add(report)
    await session.flush()
    return report
