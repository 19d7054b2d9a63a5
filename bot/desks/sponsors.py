"""The sponsor's own desk: becoming a sponsor, their view, and whom they pay for — a worker they name (a code
the worker accepts in their own chat) or the first verified worker waiting, in the quota's priority order.

Scoping: every answer is about the asker's own sponsor record. Of a worker, a sponsor is told the name and
the registration's status and nothing else: the desk reads no other column of theirs
(`sponsor_lists.workers_seen`). The NIP is stored encrypted and never logged; the audit names ids,
kinds and counts, never a name or a number of a person."""

from __future__ import annotations

from datetime import date, timedelta

from bot.desks import sponsored_workers
from bot.desks.call import DeskCall
from bot.desks.quota import queue_in_order
from bot.desks.roles import new_invite_code
from bot.desks.sponsor_codes import offer_hash
from conversations.programme import SponsorKind, Sponsors
from conversations.requests.quota import Queue
from conversations.requests.sponsors import (
    AlreadySponsor,
    BecomeSponsor,
    MatchWorker,
    MySponsor,
    NobodyWaiting,
    NotSponsor,
    OfferToWorker,
    PeriodItem,
    SponsoredWorker,
    SponsorRecorded,
    SponsorshipStatus,
    SponsorsOff,
    SponsorView,
    WorkerCodeGiven,
    WorkerMatched,
)
from conversations.sponsor_words import read_nip
from conversations.sponsorship import OPEN_STATUSES, Commitment, due_day, period_state, start_choices
from db.models import Registration, Sponsor, Sponsorship
from db.repositories import audit, quotas, registrations, sponsor_lists, sponsors

__all__ = ["OFFER_DAYS", "become_sponsor", "match_worker", "my_sponsor", "offer_hash", "offer_to_worker"]

OFFER_DAYS = 14  # a code for a named worker lasts two weeks, as an invite code does
_WAITING: tuple[Queue, ...] = ("verified", "waiting_list")  # the quota's queue: who a match may fund
_PAGE = 50  # of the waiting list, read until a worker without a funder or a flag turns up
_WIDTH = 100  # sponsors.name, sponsors.organisation_name
_CODE_TRIES = 5


# ---- becoming a sponsor -------------------------------------------------------------------------------------


async def become_sponsor(call: DeskCall, request: BecomeSponsor) -> SponsorRecorded | AlreadySponsor | SponsorsOff:
    rules = call.programme.sponsors
    if rules is None or request.kind not in rules.kinds:
        return SponsorsOff()
    found = await sponsors.sponsor_of_contact(call.session, call.asker.id, call.programme.id)
    if found is not None and found.status != "stopped":
        return AlreadySponsor(found.id)
    _check_sign_up(call, rules, request)
    given = {
        "kind": request.kind,
        "name": request.name.strip()[:_WIDTH],
        "nip_cipher": call.cipher.encrypt(request.nip) if request.nip else None,
        "organisation_id": request.organisation_id if request.kind == "asn" else None,
        "organisation_name": request.organisation_name.strip()[:_WIDTH] if request.kind != "asn" else None,
        "phone": request.phone,
        "share_name": request.share_name,
        "status": "active",
        "updated_at": call.now,
    }
    if found is not None:  # one record a chat: someone who withdrew their consent takes it up again, anew
        for field, value in given.items():
            setattr(found, field, value)
        sponsor = found
    else:
        sponsor = await sponsors.add_sponsor(
            call.session,
            Sponsor(programme_id=call.programme.id, contact_id=call.asker.id, created_at=call.now, **given),
        )
    await audit.record_audit(
        call.session,
        "sponsor.joined",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsor:{sponsor.id}",
        detail={"kind": request.kind, "organisation": sponsor.organisation_id or "", "nip": str(bool(request.nip))},
    )
    return SponsorRecorded(sponsor.id)


def _check_sign_up(call: DeskCall, rules: Sponsors, request: BecomeSponsor) -> None:
    """What the flow never sends: a crafted request is refused as the bug it would be."""
    if not request.name.strip() or not request.phone.strip():
        raise ValueError("a sponsor needs a name and a phone number")
    if request.kind == "asn":
        if rules.organisation(request.organisation_id) is None:
            raise ValueError("an ASN sponsor's organisation must be one of the programme file's")
        if request.nip and read_nip(request.nip, call.programme.local_date(call.now)).digits != request.nip:
            raise ValueError("a NIP is 18 digits")
    elif not request.organisation_name.strip():
        raise ValueError("a company or BUMD sponsor needs its name")


# ---- the sponsor's own view ---------------------------------------------------------------------------------


async def _acting_sponsor(call: DeskCall) -> tuple[Sponsors, Sponsor] | SponsorsOff | NotSponsor:
    """The programme's rules and the asker's sponsor record, when sponsors are on and the asker is one (one
    who withdrew their consent is not, until they sign up again)."""
    rules = call.programme.sponsors
    if rules is None:
        return SponsorsOff()
    sponsor = await sponsors.sponsor_of_contact(call.session, call.asker.id, call.programme.id)
    if sponsor is None or sponsor.status == "stopped":
        return NotSponsor()
    return rules, sponsor


async def my_sponsor(call: DeskCall, _: MySponsor) -> SponsorView | NotSponsor | SponsorsOff:
    acting = await _acting_sponsor(call)
    if isinstance(acting, SponsorsOff | NotSponsor):
        return acting
    rules, sponsor = acting
    rows = await sponsors.sponsorships_of(call.session, sponsor.id)
    paid = await sponsors.paid_periods(call.session, [row.id for row in rows])
    named = [row.registration_id for row in rows if row.registration_id is not None and row.status != "offered"]
    seen = await sponsor_lists.workers_seen(call.session, named)
    today = call.programme.local_date(call.now)
    workers = [_worker(rules, row, seen, paid[row.id], today) for row in rows]
    workers.sort(key=lambda worker: worker.status not in OPEN_STATUSES)  # open first; newest first within
    unpaid = sorted(
        (item for row in rows if row.status == "active" for item in _periods(rules, row, paid[row.id], seen, today)),
        key=lambda item: (item.period, item.sponsorship_id),
    )
    return SponsorView(
        sponsor_id=sponsor.id,
        kind=_kind(sponsor),
        name=sponsor.name,
        organisation=_organisation(rules, sponsor),
        share_name=sponsor.share_name,
        workers=tuple(workers),
        unpaid=tuple(item for item in unpaid if item.state in ("due", "missed")),
    )


def _kind(sponsor: Sponsor) -> SponsorKind:
    return "asn" if sponsor.kind == "asn" else "bumd" if sponsor.kind == "bumd" else "csr"


def _organisation(rules: Sponsors, sponsor: Sponsor) -> str:
    found = rules.organisation(sponsor.organisation_id) if sponsor.organisation_id else None
    return found.name if found is not None else sponsor.organisation_name or ""


def _worker(
    rules: Sponsors,
    row: Sponsorship,
    seen: dict[int, sponsor_lists.WorkerSeen],
    paid: set[date],
    today: date,
) -> SponsoredWorker:
    worker = seen.get(row.registration_id) if row.registration_id is not None and row.status != "offered" else None
    commitment = Commitment(row.start_month, row.months)
    unpaid = _periods(rules, row, paid, seen, today) if row.status == "active" else ()
    return SponsoredWorker(
        sponsorship_id=row.id,
        worker_name=worker.full_name if worker is not None else "",
        registration_status=worker.status if worker is not None else None,
        status=_status(row.status),
        how="matched" if row.how == "matched" else "named",
        start_month=row.start_month,
        months=row.months,
        paid_months=sum(1 for period in commitment.periods if period in paid),
        next_due=unpaid[0] if unpaid else None,
    )


def _periods(
    rules: Sponsors, row: Sponsorship, paid: set[date], seen: dict[int, sponsor_lists.WorkerSeen], today: date
) -> tuple[PeriodItem, ...]:
    """The months of a paying sponsorship not said paid, oldest first, each with its state today."""
    worker = seen.get(row.registration_id) if row.registration_id is not None else None
    name = worker.full_name if worker is not None else ""
    return tuple(
        PeriodItem(
            sponsorship_id=row.id,
            worker_name=name,
            period=period,
            due_on=due_day(rules, period),
            state=period_state(rules, period, False, today),
        )
        for period in Commitment(row.start_month, row.months).periods
        if period not in paid
    )


_STATUSES: dict[str, SponsorshipStatus] = {
    "offered": "offered",
    "accepted": "accepted",
    "active": "active",
    "declined": "declined",
    "stopped": "stopped",
    "ended": "ended",
    "expired": "expired",
}


def _status(stored: str) -> SponsorshipStatus:
    return _STATUSES.get(stored, "ended")


# ---- whom they pay for --------------------------------------------------------------------------------------


def _check_commitment(call: DeskCall, rules: Sponsors, start_month: date, months: int) -> None:
    """The flow offers only these: anything else is a bug, refused."""
    if not 1 <= months <= rules.max_months:
        raise ValueError(f"months must be between 1 and {rules.max_months}")
    if start_month not in start_choices(rules, call.programme.local_date(call.now)):
        raise ValueError("a sponsorship starts in the first month still payable or the one after")


async def offer_to_worker(call: DeskCall, request: OfferToWorker) -> WorkerCodeGiven | NotSponsor | SponsorsOff:
    acting = await _acting_sponsor(call)
    if isinstance(acting, SponsorsOff | NotSponsor):
        return acting
    rules, sponsor = acting
    _check_commitment(call, rules, request.start_month, request.months)
    code, hashed = await _new_code(call)
    expires_at = call.now + timedelta(days=OFFER_DAYS)
    sponsorship = await sponsors.add_sponsorship(
        call.session,
        Sponsorship(
            sponsor_id=sponsor.id,
            registration_id=None,
            status="offered",
            how="named",
            code_hash=hashed,
            code_expires_at=expires_at,
            start_month=request.start_month,
            months=request.months,
            created_at=call.now,
        ),
    )
    await audit.record_audit(
        call.session,
        "sponsor.offered",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsorship:{sponsorship.id}",
        detail={"sponsor": str(sponsor.id), "start": request.start_month.isoformat(), "months": str(request.months)},
    )
    return WorkerCodeGiven(sponsorship.id, code, call.programme.local_date(expires_at))


async def _new_code(call: DeskCall) -> tuple[str, str]:
    """A code nobody holds (the hash is unique; eight characters of 31 make a clash all but impossible)."""
    for _ in range(_CODE_TRIES):
        code = new_invite_code()
        hashed = offer_hash(call.cipher, code)
        if await sponsors.find_offer(call.session, hashed) is None:
            return code, hashed
    raise RuntimeError("no free sponsor code after several tries")


async def match_worker(
    call: DeskCall, request: MatchWorker
) -> WorkerMatched | NobodyWaiting | NotSponsor | SponsorsOff:
    acting = await _acting_sponsor(call)
    if isinstance(acting, SponsorsOff | NotSponsor):
        return acting
    rules, sponsor = acting
    _check_commitment(call, rules, request.start_month, request.months)
    await quotas.lock_quota(call.session)  # the quota's queue does not move under us, nor does a second match
    registration = await _first_waiting(call)
    if registration is None:
        return NobodyWaiting()
    sponsorship = await sponsors.add_sponsorship(
        call.session,
        Sponsorship(
            sponsor_id=sponsor.id,
            registration_id=registration.id,
            status="accepted",
            how="matched",
            start_month=request.start_month,
            months=request.months,
            created_at=call.now,
            accepted_at=call.now,
        ),
    )
    await sponsored_workers.activate_sponsorship(call, sponsorship, registration)
    # The sponsor is the asker: the reply says what the "you pay from …" letter would, once is enough.
    call.post[:] = [letter for letter in call.post if letter.to != call.asker.id]
    await audit.record_audit(
        call.session,
        "sponsor.matched",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsorship:{sponsorship.id}",
        detail={
            "sponsor": str(sponsor.id),
            "registration": str(registration.id),
            "start": request.start_month.isoformat(),
            "months": str(request.months),
        },
    )
    return WorkerMatched(sponsorship.id, registration.full_name or "-", registration.status)


async def _first_waiting(call: DeskCall) -> Registration | None:
    """The first verified (or waiting-list) registration in the quota's priority order that has no funder and
    breaks no programme rule (flagged ones wait for an admin's decision, as they do for the quota), locked."""
    offset = 0
    while True:
        page = await queue_in_order(call.session, call.programme, _WAITING, year=None, offset=offset, limit=_PAGE)
        if not page.items:
            return None
        funded = await sponsor_lists.funded_among(call.session, [item.id for item in page.items])
        for item in page.items:
            if item.flags or item.id in funded:
                continue
            row = await registrations.lock_registration(call.session, item.id)
            if _still_waiting(call, row) and await sponsors.open_for_registration(call.session, item.id) is None:
                return row
        offset += len(page.items)


def _still_waiting(call: DeskCall, row: Registration | None) -> bool:
    return (
        row is not None
        and row.programme_id == call.programme.id
        and row.status in _WAITING
        and row.erased_at is None
        and row.deceased_on is None
    )
