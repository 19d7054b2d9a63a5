"""The worker's side of a sponsorship: the code a sponsor passed on, accepted (or declined) by the worker in
their own chat or by the RT/RW leader who registered them; the funding starting; a sponsor stopping; and
the worker's answer to "stay on the waiting list?".

- **The code** (`find_sponsor_offer`, `accept_sponsor`, `decline_sponsor`): only its keyed hash is stored
  (bot/desks/sponsor_codes.py). Wrong codes count against the same per-person limit as invite codes
  (bot/desks/invites.py: a guesser gets one allowance for every kind of code), recorded without the code.
  The asker accepts for their own registration, or one they registered as an RT/RW leader (the role read
  again now), with the registration's row locked: a worker has one funder at a time (an open sponsorship,
  or a place of the budget's quota: `AlreadyFunded`). Verified or on the waiting list: approved at once,
  funded by the sponsor (`activate_sponsorship`); already approved or active without a quota place: the
  sponsor pays from now; not verified yet: "accepted", and the kelurahan's verification funds it
  (bot/desks/sponsor_funding.py, through change_status). The sponsor hears the worker's name and how the
  registration stands, nothing else; a declined offer tells them nothing about the worker.
- **Stopping** (`stop_sponsoring`): the sponsor's own sponsorship only. The registration loses its funder;
  the worker (and their leader) are told kindly and, when they were funded, asked whether to go back on
  the waiting list (a letter with choices; `Contact.awaiting = "sponsor_news"`); every Dinas admin is told.
  The hourly round does the same when the months ran out (bot/desks/sponsor_payments.py).
- **The answer** (`worker_news`, `answer_worker_news`): "stay" puts the registration on the waiting list
  (another sponsor or the budget may take it); "no" changes nothing. Answered once per sponsorship
  (audited as `sponsor.worker_answered`).

Audited with numbers, never names or NIKs: `sponsor.accepted`, `sponsor.declined`, `sponsor.stopped`,
`sponsor.worker_answered` (and `sponsor.activated`, `sponsor.ended` in sponsor_funding)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, refuse
from bot.desks.invites import INVITE_FAILED, wait_after_failed_tries
from bot.desks.roles import address_of
from bot.desks.sponsor_codes import offer_hash
from bot.desks.sponsor_funding import (
    SPONSOR_ACTOR,
    fund,
    funder_label,
    sponsor_shown,
    sponsor_words,
    worker_contacts,
)
from bot.desks.status_news import change_status
from conversations.corrections_policy import holds_place
from conversations.flows.sponsor_news import AWAITING_NEWS, NEWS_CHOICES
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.programme import Programme, SponsorKind
from conversations.registration_flags import flags_on
from conversations.requests.base import Done, RoleRefused
from conversations.requests.sponsors import (
    AcceptSponsor,
    AlreadyFunded,
    AnswerWorkerNews,
    DeclineSponsor,
    FindSponsorOffer,
    LeaveAsSponsor,
    NotSponsor,
    OfferUnknown,
    SponsorAccepted,
    SponsoringStopped,
    SponsorOffer,
    SponsorOfferDeclined,
    StopSponsoring,
    TooManyCodeTries,
    WorkerNews,
    WorkerNewsAsked,
    WorkerNewsClosed,
    YourRegistration,
)
from conversations.sponsor_words import month_words
from conversations.sponsorship import FUNDER_APBD, OPEN_STATUSES, Commitment
from db.models import Registration, Sponsor, Sponsorship
from db.repositories import audit, registrations, roles, sponsor_periods, sponsors

__all__ = [
    "ACCEPTABLE_STATUSES",
    "accept_sponsor",
    "activate_sponsorship",
    "answer_worker_news",
    "decline_sponsor",
    "find_sponsor_offer",
    "funder_label",
    "leave_as_sponsor",
    "release_worker",
    "stop_sponsoring",
    "worker_news",
]

# A registration a sponsor can be accepted for: still in the programme's way or in it.
ACCEPTABLE_STATUSES = ("submitted", "corrected", "returned", "verified", "waiting_list", "approved", "active")
_PAID = ("approved", "active")  # approved or enrolled: someone pays from now on
_ANSWERED = "sponsor.worker_answered"
_OFFER_THROTTLED = "sponsor.code_throttled"


# ---- the offer behind a code --------------------------------------------------------------------------------


async def find_sponsor_offer(
    call: DeskCall, request: FindSponsorOffer
) -> SponsorOffer | OfferUnknown | TooManyCodeTries:
    """What the code offers and the registrations the asker may accept it for; too many wrong codes lately:
    refused without looking the code up."""
    wait = await wait_after_failed_tries(call.session, call.asker.id, call.now)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        await audit.record_audit(
            call.session,
            _OFFER_THROTTLED,
            now=call.now,
            actor_contact_id=call.asker.id,
            detail={"wait_minutes": str(minutes)},
        )
        return TooManyCodeTries(minutes)
    found = await _offer(call, request.code)
    if isinstance(found, OfferUnknown):
        return found
    sponsorship, sponsor = found
    name, organisation = sponsor_shown(call.programme, sponsor)
    return SponsorOffer(
        sponsorship_id=sponsorship.id,
        sponsor_name=name,
        sponsor_kind=_kind(sponsor),
        organisation=organisation,
        start_month=sponsorship.start_month,
        months=sponsorship.months,
        registrations=await _yours(call),
    )


async def _offer(call: DeskCall, code: str) -> tuple[Sponsorship, Sponsor] | OfferUnknown:
    """The open offer behind `code` (locked), or why not; a wrong code is recorded, never the code itself."""
    if call.programme.sponsors is None:
        return OfferUnknown("unknown")
    code_hash = offer_hash(call.cipher, code)
    sponsorship = await sponsors.find_offer(call.session, code_hash)
    sponsor = await call.session.get(Sponsor, sponsorship.sponsor_id) if sponsorship is not None else None
    refused: OfferUnknown | None = None
    if sponsorship is None or sponsor is None or sponsor.programme_id != call.programme.id:
        refused = OfferUnknown("unknown")
    elif sponsorship.status != "offered":
        refused = OfferUnknown("used")
    elif sponsors.expired(sponsorship, call.now):
        refused = OfferUnknown("expired")
    if refused is not None:
        await audit.record_audit(
            call.session,
            INVITE_FAILED,  # one allowance of wrong codes per person, whatever the code was for
            now=call.now,
            actor_contact_id=call.asker.id,
            subject=f"sponsorship:{sponsorship.id}" if sponsorship is not None else None,
            detail={
                "kind": "sponsor_offer",
                "reason": refused.reason,
                "length": str(len(code.strip())),
                "hash_prefix": code_hash[:8],
            },
        )
        return refused
    assert sponsorship is not None
    assert sponsor is not None
    return sponsorship, sponsor


def _kind(sponsor: Sponsor) -> SponsorKind:
    return "asn" if sponsor.kind == "asn" else "bumd" if sponsor.kind == "bumd" else "csr"


async def _yours(call: DeskCall) -> tuple[YourRegistration, ...]:
    own = await registrations.list_for_contact(call.session, call.asker.id)
    led = (
        await registrations.list_operated_by(call.session, call.asker.id)
        if await roles.holds_role(call.session, call.asker.id, "rtrw")
        else []
    )
    return tuple(
        YourRegistration(row.id, row.full_name or "-", row.status, own=row in own)
        for row in (*own, *led)
        if row.programme_id == call.programme.id and row.status in ACCEPTABLE_STATUSES
    )


async def _may_act_for(call: DeskCall, row: Registration | None) -> bool:
    """The asker's own registration, or one they registered as an RT/RW leader they still are."""
    if row is None or row.erased_at is not None or row.programme_id != call.programme.id:
        return False
    if row.registrant_contact_id == call.asker.id:
        return True
    return row.operator_contact_id == call.asker.id and await roles.holds_role(call.session, call.asker.id, "rtrw")


# ---- accepting, declining ---------------------------------------------------------------------------------


async def accept_sponsor(
    call: DeskCall, request: AcceptSponsor
) -> SponsorAccepted | AlreadyFunded | OfferUnknown | RoleRefused:
    """The asker accepts the offer for one registration (see the module's notes)."""
    row = await registrations.lock_registration(call.session, request.registration_id)
    if not await _may_act_for(call, row) or row is None or row.status not in ACCEPTABLE_STATUSES:
        return await refuse(call, request)
    found = await _offer(call, request.code)
    if isinstance(found, OfferUnknown):
        return found
    sponsorship, sponsor = found
    funded = await _funder_now(call.session, row)
    if funded is not None:
        return funded
    sponsorship.status, sponsorship.accepted_at = "accepted", call.now
    sponsorship.registration_id, sponsorship.code_hash = row.id, None
    await audit.record_audit(
        call.session,
        "sponsor.accepted",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsorship:{sponsorship.id}",
        detail={
            "registration": str(row.id),
            "by": "worker" if row.registrant_contact_id == call.asker.id else "leader",
        },
    )
    if row.status in _PAID or (row.status in ("verified", "waiting_list") and not _flagged(call.programme, row)):
        await activate_sponsorship(call, sponsorship, row)
        return SponsorAccepted(sponsorship.id, row.full_name or "-", "active")
    if sponsor.contact_id is not None:
        said = msg("sponsor_worker.sponsor_accepted", name=row.full_name or "-")
        call.post.append(Letter.of(sponsor.contact_id, said))
    return SponsorAccepted(sponsorship.id, row.full_name or "-", "accepted")


async def _funder_now(session: AsyncSession, row: Registration) -> AlreadyFunded | None:
    """Who pays for the registration already: an open sponsorship, or a place of the budget's quota."""
    open_one = await sponsors.open_for_registration(session, row.id)
    if open_one is not None:
        other = await session.get(Sponsor, open_one.sponsor_id)
        return AlreadyFunded(other.kind if other is not None else "sponsor")
    if holds_place(row.status, row.quota_year) or (row.status in _PAID and row.quota_year is not None):
        return AlreadyFunded(FUNDER_APBD)
    return None


def _flagged(programme: Programme, row: Registration) -> bool:
    return bool(flags_on(programme, row.flags, birth_date=row.birth_date, registered_at=row.created_at))


async def activate_sponsorship(call: DeskCall, sponsorship: Sponsorship, registration: Registration) -> None:
    """The sponsor pays for this registration from now on (verified or on the waiting list, locked by the
    caller; approved or active without a quota place): it is approved through change_status, funded by the
    sponsor and holding no place of the budget's quota; the worker (and their leader) and the sponsor are
    told (bot/desks/sponsor_funding.py)."""
    if holds_place(registration.status, registration.quota_year) and registration.status not in _PAID:
        raise ValueError(f"registration {registration.id} holds a place of the {registration.quota_year} quota")
    sponsorship.registration_id, sponsorship.code_hash = registration.id, None
    if sponsorship.status == "offered":
        sponsorship.status, sponsorship.accepted_at = "accepted", call.now
    if registration.status in _PAID:
        await fund(call.session, call.post, call.programme, sponsorship, registration, now=call.now)
        return
    registration.quota_year = None  # a year it no longer holds a place of: the sponsor's, not the budget's
    await change_status(
        call.session,
        call.post,
        registration.id,
        "approved",
        now=call.now,
        actor=SPONSOR_ACTOR,
        actor_contact_id=call.asker.id,
        programme=call.programme,
    )
    if sponsorship.status != "active":  # change_status funds an accepted sponsorship; say so if it did not
        raise RuntimeError(f"sponsorship {sponsorship.id} was not funded by the approval")


async def decline_sponsor(call: DeskCall, request: DeclineSponsor) -> SponsorOfferDeclined | OfferUnknown:
    """The worker says no: the offer ends; the sponsor hears only that the code was declined."""
    found = await _offer(call, request.code)
    if isinstance(found, OfferUnknown):
        return found
    sponsorship, sponsor = found
    sponsorship.status, sponsorship.ended_at, sponsorship.end_reason = "declined", call.now, "declined"
    sponsorship.code_hash = None
    if sponsor.contact_id is not None:
        made = call.programme.local_date(sponsorship.created_at)
        call.post.append(Letter.of(sponsor.contact_id, msg("sponsor_worker.sponsor_declined", day=made)))
    await audit.record_audit(
        call.session,
        "sponsor.declined",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsorship:{sponsorship.id}",
    )
    return SponsorOfferDeclined()


# ---- stopping -------------------------------------------------------------------------------------------------


async def stop_sponsoring(call: DeskCall, request: StopSponsoring) -> SponsoringStopped | NotSponsor | RoleRefused:
    """The sponsor stops paying for one of their own sponsorships (see the module's notes); stopped already:
    said again, nothing done twice."""
    sponsor = await sponsors.sponsor_of_contact(call.session, call.asker.id, call.programme.id)
    if sponsor is None:
        return NotSponsor()
    sponsorship = await sponsors.lock_sponsorship(call.session, request.sponsorship_id)
    if sponsorship is None or sponsorship.sponsor_id != sponsor.id:
        return await refuse(call, request)
    row = (
        await registrations.lock_registration(call.session, sponsorship.registration_id)
        if sponsorship.registration_id is not None
        else None
    )
    name = (row.full_name or "-") if row is not None and row.erased_at is None else ""
    if sponsorship.status in OPEN_STATUSES:
        await _stop(call, sponsor, sponsorship, row)
    return SponsoringStopped(sponsorship.id, name)


async def leave_as_sponsor(call: DeskCall, request: LeaveAsSponsor) -> Done | NotSponsor:
    """The sponsor withdrew their consent (the privacy menu): every sponsorship of theirs stops, each worker
    and the Dinas told as for a stop; they are no longer a sponsor (no reminders, no announcements to
    sponsors), and their NIP and phone number are erased. Past months stay recorded for the Dinas."""
    sponsor = await sponsors.sponsor_of_contact(call.session, call.asker.id, call.programme.id)
    if sponsor is None:
        return NotSponsor()
    stopped = 0
    for sponsorship in await sponsors.sponsorships_of(call.session, sponsor.id):
        if sponsorship.status not in OPEN_STATUSES:
            continue
        locked = await sponsors.lock_sponsorship(call.session, sponsorship.id)
        row = (
            await registrations.lock_registration(call.session, sponsorship.registration_id)
            if sponsorship.registration_id is not None
            else None
        )
        if locked is not None and locked.status in OPEN_STATUSES:
            await _stop(call, sponsor, locked, row)
            stopped += 1
    sponsor.status, sponsor.nip_cipher, sponsor.phone, sponsor.updated_at = "stopped", None, None, call.now
    await audit.record_audit(
        call.session,
        "sponsor.left",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsor:{sponsor.id}",
        detail={"stopped": str(stopped)},
    )
    return Done()


async def _stop(call: DeskCall, sponsor: Sponsor, sponsorship: Sponsorship, row: Registration | None) -> None:
    was = sponsorship.status
    sponsorship.status, sponsorship.ended_at, sponsorship.end_reason = "stopped", call.now, "sponsor_stopped"
    sponsorship.code_hash = None
    if row is not None and row.erased_at is None and was != "offered":
        await release_worker(
            call.session,
            call.post,
            call.programme,
            sponsorship=sponsorship,
            sponsor=sponsor,
            row=row,
            why="stopped",
            now=call.now,
        )
        await _tell_dinas_stopped(call, sponsor, row)
    await audit.record_audit(
        call.session,
        "sponsor.stopped",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"sponsorship:{sponsorship.id}",
        detail={"was": was, "registration": str(row.id) if row is not None else "-"},
    )


async def release_worker(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    *,
    sponsorship: Sponsorship,
    sponsor: Sponsor,
    row: Registration,
    why: str,
    now: datetime,
) -> None:
    """The registration has no funder any more, and the worker (and their leader) are told, kindly: the
    sponsor stopped (`why` "stopped") or their months ran out ("months_done"). Funded already (approved or
    active, no quota place): asked whether to go back on the waiting list, and their next message answers
    it; not approved yet: the registration goes on as before."""
    row.funder = None
    contacts = worker_contacts(row)
    if not contacts:
        return
    who = sponsor_words(programme, sponsor)
    name = row.full_name or "-"
    asks = row.status in _PAID and row.quota_year is None
    if not asks:
        said = msg("sponsor_worker.worker_stopped_pending", name=name, sponsor=who, dinas=programme.dinas_name)
        post.extend(Letter.of(contact, said) for contact in contacts)
        return
    commitment = Commitment(sponsorship.start_month, sponsorship.months)
    parts: Sequence[Msg] = (
        msg("sponsor_worker.worker_stopped", name=name, sponsor=who)
        if why == "stopped"
        else msg(
            "sponsor_worker.worker_months_done",
            name=name,
            sponsor=who,
            first=month_words(commitment.start),
            last=month_words(commitment.last_month),
        ),
        msg(
            "sponsor_worker.protection_may_stop",
            months=programme.premium.inactive_after_unpaid_months,
            call_centre=programme.call_centre,
        ),
        msg("sponsor_news.question", name=name),
    )
    post.extend(Letter.of(contact, *parts, choices=NEWS_CHOICES) for contact in contacts)
    await sponsor_periods.set_awaiting(session, contacts, AWAITING_NEWS, now=now)


async def _tell_dinas_stopped(call: DeskCall, sponsor: Sponsor, row: Registration) -> None:
    said = msg(
        "sponsor_worker.dinas_stopped",
        sponsor=funder_label(call.programme, sponsor),
        number=row.id,
        name=row.full_name or "-",
    )
    call.post.extend(
        Letter.of(admin.id, said)
        for admin in await roles.contacts_with_role(call.session, "admin")
        if admin.id != call.asker.id
    )


# ---- the worker's answer ----------------------------------------------------------------------------------------


async def worker_news(call: DeskCall, request: WorkerNews) -> WorkerNewsAsked | Done:
    """The asker's open question after a sponsor stopped (or their months ran out); none: Done, and their
    next message is no longer taken as its answer."""
    waiting = await _waiting_question(call)
    if waiting is None:
        await sponsor_periods.clear_awaiting(call.session, [call.asker.id], AWAITING_NEWS)
        return Done()
    _, row = waiting
    return WorkerNewsAsked(row.id, row.full_name or "-")


async def answer_worker_news(call: DeskCall, request: AnswerWorkerNews) -> Done | WorkerNewsClosed | RoleRefused:
    """Stay: the registration goes on the waiting list (the flow tells the asker what that means). No:
    nothing changes. Only the asker's own open question; answered already: WorkerNewsClosed, nothing twice."""
    row = await registrations.lock_registration(call.session, request.registration_id)
    if not await _may_act_for(call, row) or row is None:
        return await refuse(call, request)
    waiting = await _waiting_question(call, only=row.id)
    answered = waiting is not None
    if waiting is not None:
        sponsorship, _ = waiting
        if request.stay:
            quiet: list[Letter] = []  # the general "quota full" news does not fit: the flow says what it means
            await change_status(
                call.session,
                quiet,
                row.id,
                "waiting_list",
                now=call.now,
                actor=address_of(call.asker),
                actor_contact_id=call.asker.id,
                programme=call.programme,
            )
        await audit.record_audit(
            call.session,
            _ANSWERED,
            now=call.now,
            actor_contact_id=call.asker.id,
            subject=f"sponsorship:{sponsorship.id}",
            detail={"registration": str(row.id), "stay": str(request.stay).lower()},
        )
    if await _waiting_question(call) is None:
        await sponsor_periods.clear_awaiting(call.session, [call.asker.id], AWAITING_NEWS)
    return Done() if answered else WorkerNewsClosed()


async def _waiting_question(call: DeskCall, *, only: int | None = None) -> tuple[Sponsorship, Registration] | None:
    """The newest unanswered question for the asker's registrations: funded by a sponsor until they stopped
    (or the months ran out), nobody paying since."""
    own = await registrations.list_for_contact(call.session, call.asker.id)
    led = (
        await registrations.list_operated_by(call.session, call.asker.id)
        if await roles.holds_role(call.session, call.asker.id, "rtrw")
        else []
    )
    rows = {
        row.id: row
        for row in (*own, *led)
        if row.programme_id == call.programme.id
        and (only is None or row.id == only)
        and row.status in _PAID
        and row.quota_year is None
        and row.funder is None
    }
    newest: set[int] = set()
    for sponsorship in await sponsor_periods.ended_of_registrations(call.session, rows):
        registration_id = sponsorship.registration_id
        if registration_id is None or registration_id in newest:
            continue
        newest.add(registration_id)  # only its newest sponsorship asks
        if sponsorship.activated_at is None:
            continue
        if not await audit.has_entry(call.session, _ANSWERED, subject=f"sponsorship:{sponsorship.id}"):
            return sponsorship, rows[registration_id]
    return None
