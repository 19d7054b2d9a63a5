"""The sponsor's own desk: becoming a sponsor, their view, and whom they pay for (a named worker's code,
or a match from the waiting list). SCAFFOLD: being written (issue 18)."""

from __future__ import annotations

from bot.desks.call import DeskCall
from conversations.requests.sponsors import (
    AlreadySponsor,
    BecomeSponsor,
    MatchWorker,
    MySponsor,
    NobodyWaiting,
    NotSponsor,
    OfferToWorker,
    SponsorRecorded,
    SponsorsOff,
    SponsorView,
    WorkerCodeGiven,
    WorkerMatched,
)

__all__ = ["become_sponsor", "match_worker", "my_sponsor", "offer_to_worker"]


async def become_sponsor(call: DeskCall, request: BecomeSponsor) -> SponsorRecorded | AlreadySponsor | SponsorsOff:
    raise NotImplementedError


async def my_sponsor(call: DeskCall, request: MySponsor) -> SponsorView | NotSponsor | SponsorsOff:
    raise NotImplementedError


async def offer_to_worker(call: DeskCall, request: OfferToWorker) -> WorkerCodeGiven | NotSponsor | SponsorsOff:
    raise NotImplementedError


async def match_worker(
    call: DeskCall, request: MatchWorker
) -> WorkerMatched | NobodyWaiting | NotSponsor | SponsorsOff:
    raise NotImplementedError
