"""The sponsor's own flow ("jadi donatur") in tests: what the store answers its requests for the pure-core
tests (a sponsor paying for one worker, waiting for another to accept a code, one who stopped), and the
engine with the sponsor flows in it, whether or not conversations/flows/__init__.py lists them yet."""

from __future__ import annotations

from datetime import date

from conversations.engine import Engine
from conversations.flow import Context, Data, Finish, Flow, Transition
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.sponsor import PAYMENT_FLOW, sponsor_flow
from conversations.messages import Reply, msg
from conversations.questions.desk import default_desk
from conversations.requests.base import Done
from conversations.requests.sponsors import (
    BecomeSponsor,
    LeaveAsSponsor,
    MatchWorker,
    MySponsor,
    OfferToWorker,
    PeriodItem,
    SponsoredWorker,
    SponsoringStopped,
    SponsorRecorded,
    SponsorView,
    StopSponsoring,
    WorkerCodeGiven,
    WorkerMatched,
)

__all__ = ["SAMPLE_SPONSOR_VIEW", "SPONSOR_REQUESTS", "sponsor_answer", "sponsor_engine"]

SPONSOR_REQUESTS = (MySponsor, BecomeSponsor, OfferToWorker, MatchWorker, StopSponsoring, LeaveAsSponsor)

_DUE = PeriodItem(3, "Siti Aminah", date(2026, 11, 1), date(2026, 11, 10), "missed")
SAMPLE_SPONSOR_VIEW = SponsorView(
    sponsor_id=1,
    kind="csr",
    name="Budi Santoso",
    organisation="PT Batik Jaya",
    share_name=True,
    workers=(
        SponsoredWorker(3, "Siti Aminah", "active", "active", "matched", date(2026, 10, 1), 12, 1, _DUE),
        SponsoredWorker(4, "", None, "offered", "named", date(2026, 12, 1), 6, 0, None),
        SponsoredWorker(5, "Darto Sumarno", "submitted", "accepted", "named", date(2026, 11, 1), 12, 0, None),
        SponsoredWorker(2, "Sri Wahyuni", "ended", "stopped", "named", date(2026, 1, 1), 12, 9, None),
    ),
    unpaid=(_DUE,),
)


def sponsor_answer(
    request: MySponsor | BecomeSponsor | OfferToWorker | MatchWorker | StopSponsoring | LeaveAsSponsor,
) -> object:
    match request:
        case LeaveAsSponsor():
            return Done()
        case BecomeSponsor():
            return SponsorRecorded(1)
        case OfferToWorker():
            return WorkerCodeGiven(6, "ABCD2345", date(2026, 12, 5))
        case MatchWorker():
            return WorkerMatched(7, "Siti Aminah", "approved")
        case StopSponsoring(sponsorship_id=number):
            return SponsoringStopped(number, "Siti Aminah" if number == 3 else "")
    return SAMPLE_SPONSOR_VIEW


def _payment_stand_in(_: Context, __: Data) -> Transition:
    return Finish(say=(Reply.of(msg("sponsor.paid")),))


# Stands in for "Sudah bayar" (another part of issue 18) until it is listed among the flows.
_PAYMENT_STAND_IN = Flow(id=PAYMENT_FLOW, version=1, title=msg("sponsor.paid"), start=_payment_stand_in)


def sponsor_engine() -> Engine:
    """The engine as conversations.flows.build_engine makes it, with "sponsor" in it and in the main menu."""
    ids = {flow.id for flow in ALL_FLOWS}
    added = tuple(flow for flow in (sponsor_flow, _PAYMENT_STAND_IN) if flow.id not in ids)
    menu = MAIN_MENU if "sponsor" in MAIN_MENU else (*MAIN_MENU, "sponsor")
    return Engine((*ALL_FLOWS, *added), menu, questions=default_desk(), question_flow="benefits")
