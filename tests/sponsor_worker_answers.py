"""What the store would answer the worker's and the paying sponsor's requests (issue 18), for the pure-core
tests: an offer from an ASN who shares her name, for the asker's own registration or a neighbour's; a
sponsor with two months open; a question waiting after a sponsor stopped. `default_answer` in
tests/core_support.py hands these requests here."""

from __future__ import annotations

from datetime import date

from conversations.requests.base import Done, Request
from conversations.requests.sponsors import (
    AcceptSponsor,
    AnswerWorkerNews,
    DeclineSponsor,
    FindSponsorOffer,
    PaymentRecorded,
    PeriodItem,
    RecordPayment,
    SponsorAccepted,
    SponsoredWorker,
    SponsorOffer,
    SponsorOfferDeclined,
    SponsorView,
    WorkerNews,
    WorkerNewsAsked,
    YourRegistration,
)

__all__ = ["SAMPLE_OFFER", "SAMPLE_PAYING_VIEW", "SPONSOR_WORKER_REQUESTS", "sponsor_worker_answer"]

SPONSOR_WORKER_REQUESTS = (FindSponsorOffer, AcceptSponsor, DeclineSponsor, WorkerNews, AnswerWorkerNews, RecordPayment)

SAMPLE_OFFER = SponsorOffer(
    sponsorship_id=6,
    sponsor_name="Sri Wahyuni",
    sponsor_kind="asn",
    organisation="Sekretariat Daerah",
    start_month=date(2026, 12, 1),
    months=12,
    registrations=(
        YourRegistration(7, "Siti Aminah", "verified", own=True),
        YourRegistration(8, "Darto Sumarno", "submitted", own=False),
    ),
)

_DECEMBER = PeriodItem(3, "Siti Aminah", date(2026, 12, 1), date(2026, 12, 10), "due")
_NOVEMBER = PeriodItem(5, "Darto Sumarno", date(2026, 11, 1), date(2026, 11, 10), "missed")
SAMPLE_PAYING_VIEW = SponsorView(
    sponsor_id=1,
    kind="asn",
    name="Sri Wahyuni",
    organisation="Sekretariat Daerah",
    share_name=True,
    workers=(
        SponsoredWorker(3, "Siti Aminah", "active", "active", "named", date(2026, 12, 1), 12, 0, _DECEMBER),
        SponsoredWorker(5, "Darto Sumarno", "approved", "active", "matched", date(2026, 11, 1), 12, 0, _NOVEMBER),
    ),
    unpaid=(_NOVEMBER, _DECEMBER),
)


def sponsor_worker_answer(request: Request[object]) -> object:
    match request:
        case FindSponsorOffer():
            return SAMPLE_OFFER
        case AcceptSponsor():
            return SponsorAccepted(6, "Siti Aminah", "active")
        case DeclineSponsor():
            return SponsorOfferDeclined()
        case WorkerNews():
            return WorkerNewsAsked(7, "Siti Aminah")
        case AnswerWorkerNews():
            return Done()
        case RecordPayment(sponsorship_id=sponsorship_id, period=period):
            return PaymentRecorded(sponsorship_id, period, already=False)
    return SAMPLE_PAYING_VIEW
