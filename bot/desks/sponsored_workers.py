"""The worker's side of a sponsorship: accepting a sponsor's code (themselves or through their RT/RW
leader), the funding starting when the kelurahan verifies, a sponsor stopping. SCAFFOLD (issue 18)."""

from __future__ import annotations

from bot.desks.call import DeskCall
from conversations.requests.base import Done, RoleRefused
from conversations.requests.sponsors import (
    AcceptSponsor,
    AlreadyFunded,
    AnswerWorkerNews,
    DeclineSponsor,
    FindSponsorOffer,
    NotSponsor,
    OfferUnknown,
    SponsorAccepted,
    SponsorOffer,
    SponsorOfferDeclined,
    SponsoringStopped,
    StopSponsoring,
    TooManyCodeTries,
    WorkerNews,
    WorkerNewsAsked,
)

__all__ = [
    "accept_sponsor",
    "answer_worker_news",
    "decline_sponsor",
    "find_sponsor_offer",
    "stop_sponsoring",
    "worker_news",
]


async def find_sponsor_offer(
    call: DeskCall, request: FindSponsorOffer
) -> SponsorOffer | OfferUnknown | TooManyCodeTries:
    raise NotImplementedError


async def accept_sponsor(
    call: DeskCall, request: AcceptSponsor
) -> SponsorAccepted | AlreadyFunded | OfferUnknown | RoleRefused:
    raise NotImplementedError


async def decline_sponsor(call: DeskCall, request: DeclineSponsor) -> SponsorOfferDeclined | OfferUnknown:
    raise NotImplementedError


async def worker_news(call: DeskCall, request: WorkerNews) -> WorkerNewsAsked | Done:
    raise NotImplementedError


async def answer_worker_news(call: DeskCall, request: AnswerWorkerNews) -> Done | RoleRefused:
    raise NotImplementedError


async def stop_sponsoring(call: DeskCall, request: StopSponsoring) -> SponsoringStopped | NotSponsor | RoleRefused:
    raise NotImplementedError
