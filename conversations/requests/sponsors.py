"""Sponsors (donatur): becoming one, whom they pay for, the months they pay, and what the Dinas sees.

Scoping, checked by the desks: a sponsor sees and acts on their own sponsorships only, and of each worker
only the name and the status (never NIK, address, phone, job or anything else); a worker (or the RT/RW
leader who registered them) accepts a sponsor for their own registration only; the figures are the
admins'. Rules with dates and money come from conversations/sponsorship.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.programme import SponsorKind
from conversations.requests.base import Done, Request, RoleRefused

__all__ = [
    "AcceptSponsor",
    "AlreadyFunded",
    "AlreadySponsor",
    "AnswerWorkerNews",
    "BecomeSponsor",
    "DeclineSponsor",
    "FindSponsorOffer",
    "FundedCount",
    "LeaveAsSponsor",
    "MatchWorker",
    "MySponsor",
    "NobodyWaiting",
    "NotSponsor",
    "OfferToWorker",
    "OfferUnknown",
    "OrganisationFigures",
    "PaymentRecorded",
    "PeriodItem",
    "RecordPayment",
    "SponsorAccepted",
    "SponsorFigures",
    "SponsorFiguresView",
    "SponsorOffer",
    "SponsorOfferDeclined",
    "SponsorRecorded",
    "SponsorView",
    "SponsoredWorker",
    "SponsoringStopped",
    "SponsorsOff",
    "StopSponsoring",
    "TooManyCodeTries",
    "WorkerCodeGiven",
    "WorkerMatched",
    "WorkerNews",
    "WorkerNewsAsked",
    "WorkerNewsClosed",
    "YourRegistration",
]

# What a sponsor may be told of their worker's registration: its status, nothing else.
SponsorshipStatus = Literal["offered", "accepted", "active", "declined", "stopped", "ended", "expired"]


@dataclass(frozen=True, slots=True)
class SponsorsOff:
    """The programme file does not switch sponsors on (or not this kind of sponsor)."""


@dataclass(frozen=True, slots=True)
class NotSponsor:
    """The asker is not a sponsor (yet)."""


# ---- becoming a sponsor --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SponsorRecorded:
    sponsor_id: int


@dataclass(frozen=True, slots=True)
class AlreadySponsor:
    sponsor_id: int


@dataclass(frozen=True, slots=True)
class BecomeSponsor(Request[SponsorRecorded | AlreadySponsor | SponsorsOff]):
    """The asker becomes a sponsor. Consent to the sponsors' notice (purpose "sponsor_data") is recorded by
    the flow's consent step before this is asked. `nip`: an ASN's 18-digit NIP, "" where it does not apply
    (stored encrypted). `organisation_id`: an ASN's OPD from the programme file; `organisation_name`: the
    company or BUMD (kind "csr"/"bumd"), whose contact person is `name`."""

    kind: SponsorKind
    name: str
    phone: str
    share_name: bool
    nip: str = ""
    organisation_id: str = ""
    organisation_name: str = ""


# ---- the sponsor's own view ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodItem:
    """One month of one sponsorship: paid, due, missed or upcoming (conversations.sponsorship.PeriodState)."""

    sponsorship_id: int
    worker_name: str
    period: date  # the first day of the month
    due_on: date
    state: Literal["upcoming", "due", "missed", "paid"]


@dataclass(frozen=True, slots=True)
class SponsoredWorker:
    """One sponsorship as its sponsor sees it: the worker's name and the status of their registration
    (None while no worker has accepted the code), the sponsorship's own status and months."""

    sponsorship_id: int
    worker_name: str  # "" while the code has not been accepted
    registration_status: str | None
    status: SponsorshipStatus
    how: Literal["named", "matched"]
    start_month: date
    months: int
    paid_months: int
    next_due: PeriodItem | None  # the oldest unpaid month whose due day came (or comes next)


@dataclass(frozen=True, slots=True)
class SponsorView:
    sponsor_id: int
    kind: SponsorKind
    name: str
    organisation: str  # the OPD's or the company's name
    share_name: bool
    workers: tuple[SponsoredWorker, ...]  # open ones first, newest first
    unpaid: tuple[PeriodItem, ...]  # due or missed months, oldest first


@dataclass(frozen=True, slots=True)
class MySponsor(Request[SponsorView | NotSponsor | SponsorsOff]):
    """The asker's own sponsor record and sponsorships."""


# ---- whom they pay for ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerCodeGiven:
    """A code the worker (or their RT/RW leader) types in their own chat to accept; it works once, until
    `expires_on`. Only its keyed hash is stored."""

    sponsorship_id: int
    code: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class OfferToWorker(Request[WorkerCodeGiven | NotSponsor | SponsorsOff]):
    """The sponsor will pay for a worker they know, for `months` from `start_month`: a sponsorship "offered",
    and a code to pass on. The sponsor never types the worker's NIK: the worker registers (or is registered
    by their RT/RW leader) through the normal registration, with their own consent, and accepts."""

    start_month: date
    months: int


@dataclass(frozen=True, slots=True)
class WorkerMatched:
    sponsorship_id: int
    worker_name: str
    registration_status: str


@dataclass(frozen=True, slots=True)
class NobodyWaiting:
    """No verified worker without a funder is waiting (flagged ones wait for an admin's decision)."""


@dataclass(frozen=True, slots=True)
class MatchWorker(Request[WorkerMatched | NobodyWaiting | NotSponsor | SponsorsOff]):
    """The sponsor pays for the first verified worker on the waiting list, in priority order as for the
    quota (conversations.priority), who has no funder: approved at once, funded by this sponsor; the worker
    (and their leader) told."""

    start_month: date
    months: int


# ---- the worker's side ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YourRegistration:
    """A registration the asker may accept a sponsor for: their own, or one they registered as RT/RW leader."""

    registration_id: int
    full_name: str
    status: str
    own: bool


@dataclass(frozen=True, slots=True)
class SponsorOffer:
    """The offer behind a code, as the worker is shown it: the sponsor's name only if they agreed to share
    it (else ""), their kind, the months; and the registrations the asker may accept it for."""

    sponsorship_id: int
    sponsor_name: str
    sponsor_kind: SponsorKind
    organisation: str  # the OPD or company, "" when the sponsor's name is not shared
    start_month: date
    months: int
    registrations: tuple[YourRegistration, ...]


@dataclass(frozen=True, slots=True)
class OfferUnknown:
    """No offer under this code: unknown, used, or expired."""

    reason: Literal["unknown", "used", "expired"]


@dataclass(frozen=True, slots=True)
class TooManyCodeTries:
    wait_minutes: int


@dataclass(frozen=True, slots=True)
class FindSponsorOffer(Request[SponsorOffer | OfferUnknown | TooManyCodeTries]):
    code: str


@dataclass(frozen=True, slots=True)
class SponsorAccepted:
    """Accepted. `status`: "active" when the registration was verified already (now approved, funded by the
    sponsor), "accepted" while the kelurahan has still to verify it. The sponsor is told."""

    sponsorship_id: int
    worker_name: str
    status: Literal["accepted", "active"]


@dataclass(frozen=True, slots=True)
class AlreadyFunded:
    """The registration has a funder already (one at a time): "apbd", or a sponsor's kind."""

    funder: str


@dataclass(frozen=True, slots=True)
class AcceptSponsor(Request[SponsorAccepted | AlreadyFunded | OfferUnknown | RoleRefused]):
    """The asker accepts the offer behind `code` for `registration_id` (their own, or one they registered as
    RT/RW leader: RoleRefused otherwise)."""

    code: str
    registration_id: int


@dataclass(frozen=True, slots=True)
class SponsorOfferDeclined:
    pass


@dataclass(frozen=True, slots=True)
class DeclineSponsor(Request[SponsorOfferDeclined | OfferUnknown]):
    """The worker says no: the offer ends and the sponsor is told (without anything about the worker)."""

    code: str


@dataclass(frozen=True, slots=True)
class WorkerNewsAsked:
    """The question waiting for this worker: their sponsor stopped; stay on the waiting list?"""

    registration_id: int
    full_name: str


@dataclass(frozen=True, slots=True)
class WorkerNews(Request[WorkerNewsAsked | Done]):
    """The asker's open question after their sponsor stopped (Done: none waits)."""


@dataclass(frozen=True, slots=True)
class WorkerNewsClosed:
    """No question waits any more (answered meanwhile, here or by the RT/RW leader): nothing was changed."""


@dataclass(frozen=True, slots=True)
class AnswerWorkerNews(Request[Done | WorkerNewsClosed | RoleRefused]):
    """The worker's answer: `stay` puts their registration on the waiting list for another funder."""

    registration_id: int
    stay: bool


# ---- paying, stopping ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRecorded:
    sponsorship_id: int
    period: date
    already: bool  # it was recorded before


@dataclass(frozen=True, slots=True)
class RecordPayment(Request[PaymentRecorded | NotSponsor | RoleRefused]):
    """The sponsor says the month `period` of their sponsorship is paid ("sudah bayar")."""

    sponsorship_id: int
    period: date


@dataclass(frozen=True, slots=True)
class SponsoringStopped:
    sponsorship_id: int
    worker_name: str


@dataclass(frozen=True, slots=True)
class StopSponsoring(Request[SponsoringStopped | NotSponsor | RoleRefused]):
    """The sponsor stops paying for one worker: the worker is told (and asked whether to stay on the waiting
    list), the Dinas admins are told."""

    sponsorship_id: int


@dataclass(frozen=True, slots=True)
class LeaveAsSponsor(Request[Done | NotSponsor]):
    """The asker withdrew their consent as a sponsor: every sponsorship of theirs stops (each worker and the
    Dinas told), they are a sponsor no more, and their NIP and phone number are erased."""


# ---- the Dinas's figures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationFigures:
    organisation_id: str
    name: str
    sponsors: int  # active ASN sponsors paying for at least one worker
    asn: int | None  # its ASN, where the programme file gives them
    share_percent: float | None  # sponsors / asn


@dataclass(frozen=True, slots=True)
class FundedCount:
    funder: str  # "asn", "csr", "bumd", "apbd"
    workers: int


@dataclass(frozen=True, slots=True)
class SponsorFiguresView:
    sponsors_by_kind: tuple[FundedCount, ...]  # active sponsors paying for at least one worker, by kind
    asn_sponsors: int
    asn_total: int | None
    asn_share_percent: float | None  # the 9,42% figure
    target_percent: float | None
    by_organisation: tuple[OrganisationFigures, ...]  # the OPDs, most sponsors first
    furthest_from_target: tuple[OrganisationFigures, ...]  # up to five OPDs furthest below the target
    workers_by_funder: tuple[FundedCount, ...]  # workers approved or active, by who pays
    periods_due: int  # months due now, not yet said paid
    periods_missed: int  # months past `missed_after_days`, not said paid
    offers_waiting: int  # codes given, not accepted yet


@dataclass(frozen=True, slots=True)
class SponsorFigures(Request[SponsorFiguresView | SponsorsOff | RoleRefused]):
    """The admins' figures of the sponsors (RoleRefused for anyone else)."""
