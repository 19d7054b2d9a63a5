"""The Dinas's figures of the sponsors. SCAFFOLD (issue 18)."""

from __future__ import annotations

from bot.desks.call import DeskCall
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import SponsorFigures, SponsorFiguresView, SponsorsOff

__all__ = ["sponsor_figures"]


async def sponsor_figures(call: DeskCall, request: SponsorFigures) -> SponsorFiguresView | SponsorsOff | RoleRefused:
    raise NotImplementedError
