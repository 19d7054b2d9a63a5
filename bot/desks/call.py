"""What every desk handler gets: the transaction, who asks, when, the programme and the cipher, and a
bag for the letters its answer causes (the caller hands them to the outbox writer).

A handler is `async def handler(call: DeskCall, request: SomeRequest) -> TheAnswerItDeclares`; the
dispatcher (bot/inbound/dispatcher.py) holds the table of them. The command line and the web pages
call the same handlers, or the desk functions under them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.letters import Letter
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.base import RoleRefused
from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import audit, roles
from locales import Catalogs

__all__ = ["DeskCall", "page_size", "refuse", "unless_admin"]

_MAX_PAGE = 50


@dataclass(slots=True)
class DeskCall:
    session: AsyncSession
    asker: Contact
    now: datetime
    programme: Programme
    cipher: PersonalDataCipher
    catalogs: Catalogs  # a chart's labels and an export's status column: files, not messages
    region: Region | None = None
    whatsapp_template_configured: bool = False  # a broadcast preview warns when WhatsApp has no template
    desk_url: str = ""  # the web desk's address, for its sign-in links (Settings.desk_url)
    post: list[Letter] = field(default_factory=list)


async def refuse(call: DeskCall, request: object) -> RoleRefused:
    """Audit a request the asker's roles do not allow (a crafted message, or a role revoked meanwhile)."""
    found = getattr(request, "registration_id", None)
    await audit.record_audit(
        call.session,
        "access.refused",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{found}" if isinstance(found, int) else None,
        detail={"request": type(request).__name__},
    )
    return RoleRefused()


async def unless_admin(call: DeskCall, request: object) -> RoleRefused | None:
    """The refusal when the asker is not a Dinas admin now (roles are read again for every request)."""
    if await roles.holds_role(call.session, call.asker.id, "admin"):
        return None
    return await refuse(call, request)


def page_size(limit: int) -> int:
    return min(max(1, limit), _MAX_PAGE)
