"""Verification by the kelurahan (conversations/requests/review.py). This is the real gate: every
answer reads the asker's roles again and refuses what they may not do — a verifier sees and decides
only registrations of their own kelurahan, whatever request a crafted message makes. Refusals are
audited.

The renewal's "no"s are decided here too: a worker who answered the renewal question "sudah pindah" or
"tidak bekerja lagi" stays in the round as "check" until their kelurahan's verifier (or an admin) decides
whether they continue into the new budget year or end on 31 December; the worker and the RT/RW leader
who registered them are told by letter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse
from bot.desks.roles import address_of
from bot.desks.status_news import change_status
from conversations.corrections_policy import status_after_verification
from conversations.letters import Letter
from conversations.messages import Param, msg
from conversations.nik import mask_nik
from conversations.programme import Programme
from conversations.registration_flags import flags_on, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.registrations import StatusEvent
from conversations.requests.review import (
    AlreadyDecided,
    Decided,
    DecideRegistration,
    DecideRenewal,
    ListPending,
    OpenRegistration,
    OpenRenewalCheck,
    PendingItem,
    PendingPage,
    RenewalAlreadyDecided,
    RenewalCheckItem,
    RenewalCheckView,
    RenewalDecided,
    ReviewView,
)
from db.models import Contact, Registration
from db.repositories import audit, registrations, renewal_checks, renewals, roles
from db.repositories.renewal_checks import RenewalCheck

__all__ = [
    "RENEWAL_CHECKS_SHOWN",
    "OfficerScope",
    "QueueSearch",
    "decide_registration",
    "decide_renewal",
    "list_pending",
    "officer_scope",
    "open_registration",
    "open_renewal_check",
    "queue_search",
]

_MAX_REASON = 300
_MAX_SEARCH = 60
RENEWAL_CHECKS_SHOWN = 10  # renewal "no"s listed at once, the longest waiting first
_END_REASONS = ("moved", "not_working")
_REASON_WORDS = {"moved": "review.renewal_answer_moved", "not_working": "review.renewal_answer_not_working"}


@dataclass(frozen=True, slots=True)
class OfficerScope:
    """What a contact may review: everything (an admin) or their kelurahan (a verifier)."""

    admin: bool
    kelurahan: frozenset[str]

    def covers(self, kelurahan_code: str) -> bool:
        return self.admin or kelurahan_code in self.kelurahan


async def officer_scope(session: AsyncSession, contact: Contact) -> OfficerScope | None:
    """None: neither an admin nor a verifier (or every such role was revoked)."""
    grants = await roles.active_grants(session, contact.id)
    admin = any(g.role == "admin" for g in grants)
    kelurahan = frozenset(g.kelurahan_code for g in grants if g.role == "verifier" and g.kelurahan_code)
    return OfficerScope(admin, kelurahan) if admin or kelurahan else None


async def list_pending(call: DeskCall, request: ListPending) -> PendingPage | RoleRefused:
    """Registrations waiting for a decision: the verifier's kelurahan, or all for an admin; narrowed to
    one kelurahan and to a search when the request asks (the web desk)."""
    scope = await officer_scope(call.session, call.asker)
    if scope is None:
        return await refuse(call, request)
    covered = None if scope.admin else scope.kelurahan
    codes = _narrowed(covered, request.kelurahan_code)
    offset, limit = max(0, request.offset), page_size(request.limit)
    search = queue_search(request.search)
    counts = await registrations.count_pending_by_kelurahan(call.session, covered) if request.counts else None
    if search is None and counts is not None:  # the total is in the counts: one count fewer
        rows = await registrations.pending_page(call.session, codes, offset=offset, limit=limit)
        total = sum(count for code, count in counts.items() if codes is None or code in codes)
    elif search is None:
        rows, total = await registrations.list_pending(call.session, codes, offset=offset, limit=limit)
    else:
        numbers = set(search.numbers)
        if search.nik_ending:
            numbers |= await _nik_ending_with(call, codes, search.nik_ending)
        rows, total = await registrations.list_pending_matching(
            call.session, codes, name=search.name, ids=numbers, offset=offset, limit=limit
        )
    items = tuple(
        PendingItem(
            row.id, row.full_name or "-", row.kelurahan_code, call.programme.local_date(row.created_at), row.status
        )
        for row in rows
    )
    checks, checks_total = await renewal_checks.list_checks(
        call.session, call.programme.id, codes, limit=RENEWAL_CHECKS_SHOWN
    )
    waiting = tuple(
        RenewalCheckItem(
            found.registration.id,
            found.registration.full_name or "-",
            found.registration.kelurahan_code,
            found.renewal.answer or "",
            found.year,
        )
        for found in checks
    )
    return PendingPage(
        items,
        total,
        tuple(sorted(covered or ())),
        renewal_checks=waiting,
        renewal_total=checks_total,
        by_kelurahan=tuple(sorted((counts or {}).items())),
    )


def _narrowed(covered: frozenset[str] | None, kelurahan_code: str) -> frozenset[str] | None:
    """The kelurahan listed: those covered (None: all), or the one asked for, if covered."""
    if not kelurahan_code:
        return covered
    if covered is None or kelurahan_code in covered:
        return frozenset({kelurahan_code})
    return frozenset()


@dataclass(frozen=True, slots=True)
class QueueSearch:
    """What a search of the queue looks for: a name, registration numbers, the NIK's last digits."""

    name: str = ""
    numbers: tuple[int, ...] = ()
    nik_ending: str = ""


_NUMBER_PREFIXES = ("no.", "no ", "#")
_MAX_NUMBER_DIGITS = 9
_NIK_ENDING = 4  # the NIK's last four digits, as the issue and the page say


def queue_search(text: str) -> QueueSearch | None:
    """None: no search. Digits ("1234", "No. 12") are a registration number and, exactly four, the NIK's
    last four; anything else is a part of a name. A whole NIK finds nothing: the search travels in the
    page's address (browser history, a proxy's log), which must never hold one."""
    typed = " ".join(text.split())[:_MAX_SEARCH]
    if not typed:
        return None
    bare = typed.casefold()
    for prefix in _NUMBER_PREFIXES:
        bare = bare.removeprefix(prefix)
    digits = bare.replace(" ", "").replace(".", "")
    if not digits.isdecimal():
        return QueueSearch(name=typed)
    number = (int(digits),) if len(digits) <= _MAX_NUMBER_DIGITS else ()
    ending = digits if len(digits) == _NIK_ENDING else ""
    return QueueSearch(numbers=number, nik_ending=ending)


async def _nik_ending_with(call: DeskCall, codes: frozenset[str] | None, ending: str) -> set[int]:
    """The waiting registrations whose NIK ends with `ending`. The NIKs are decrypted here, compared and
    dropped: never returned, never logged. The queue is tens to a few hundred rows; 1.000 took 15 ms to
    read and 40–55 ms to decrypt and compare on a busy 2-core machine."""
    found = await registrations.pending_nik_ciphers(call.session, codes)
    return {number for number, cipher in found if call.cipher.decrypt(cipher).endswith(ending)}


async def _viewed(call: DeskCall, scope: OfficerScope, registration_id: int, purpose: str) -> None:
    """An officer opened a registration in full: audited, never with its NIK."""
    await audit.record_audit(
        call.session,
        "personal_data.viewed",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{registration_id}",
        detail={"by": "admin" if scope.admin else "verifier", "for": purpose},
    )


async def open_registration(call: DeskCall, request: OpenRegistration) -> ReviewView | RoleRefused:
    scope = await officer_scope(call.session, call.asker)
    row = await _reviewable(call.session, scope, request.registration_id) if scope is not None else None
    if scope is None or row is None:
        return await refuse(call, request)
    await _viewed(call, scope, row.id, "review")
    leader = None
    if row.operator_contact_id is not None and row.consent_via == "operator":
        leader = await roles.leader_grant(call.session, row.operator_contact_id)
    events = await registrations.history(call.session, row.id)
    return ReviewView(
        id=row.id,
        nik_masked=mask_nik(call.cipher.decrypt(row.nik_cipher)) if row.nik_cipher else "",
        full_name=row.full_name or "",
        birth_date=row.birth_date,
        female=row.female,
        street=row.street or "",
        rt=row.rt or "",
        rw=row.rw or "",
        kelurahan_code=row.kelurahan_code,
        job_type=row.job_type,
        job_text=row.job_text or "",
        phone=row.phone or "",
        breadwinner=row.breadwinner,
        poverty_register=row.poverty_register,
        status=row.status,
        status_reason=row.status_reason or "",
        registered_at=row.created_at,
        by_leader=row.consent_via == "operator",
        leader_rt=(leader.rt or "") if leader else "",
        leader_rw=(leader.rw or "") if leader else "",
        history=tuple(StatusEvent(e.status, e.created_at, e.reason or "") for e in events),
        flags=known_flags(row.flags),
    )


async def decide_registration(call: DeskCall, request: DecideRegistration) -> Decided | AlreadyDecided | RoleRefused:
    scope = await officer_scope(call.session, call.asker)
    row = await _reviewable(call.session, scope, request.registration_id) if scope is not None else None
    if row is None or request.decision not in ("verified", "rejected", "returned"):
        return await refuse(call, request)
    if row.status not in registrations.PENDING_STATUSES:
        return AlreadyDecided(row.id, row.status)
    status = _status_decided(call.programme, row, request.decision)
    await change_status(
        call.session,
        call.post,
        row.id,
        status,
        now=call.now,
        actor=address_of(call.asker),
        actor_contact_id=call.asker.id,
        reason=request.reason.strip()[:_MAX_REASON] if request.decision != "verified" else "",
        programme=call.programme,
    )
    return Decided(row.id, status)


def _status_decided(programme: Programme, row: Registration, decision: str) -> str:
    """The status a decision stores. An approved registration checked again after a correction kept its
    place: verified, it is approved again, unless it breaks a programme rule now (a birth date corrected
    outside the age band the kelurahan decides, say) — then it is verified, keeping its place, and held
    for the admin's override like every flagged registration (never approved silently)."""
    if decision != "verified":
        return decision
    status = status_after_verification(row.status, row.quota_year)
    if status == "approved" and flags_on(programme, row.flags, birth_date=row.birth_date, registered_at=row.created_at):
        return "verified"
    return status


async def _reviewable(session: AsyncSession, scope: OfficerScope, registration_id: int) -> Registration | None:
    row = await registrations.lock_registration(session, registration_id)
    if row is None or row.erased_at is not None or not scope.covers(row.kelurahan_code):
        return None
    return row


# ---- the renewal's "no"s ----------------------------------------------------------------------------------


async def _renewal_check(
    call: DeskCall, registration_id: int, *, lock: bool
) -> tuple[OfficerScope, RenewalCheck] | None:
    """The registration's row in the open round, when the asker may decide it (their kelurahan; an admin)."""
    scope = await officer_scope(call.session, call.asker)
    if scope is None:
        return None
    if lock:  # like an answer: a close (FOR UPDATE on the round) waits for us, or we find the round closed
        await renewals.open_round_of(call.session, call.programme.id, lock="share")
    found = await renewal_checks.find_check(call.session, call.programme.id, registration_id, lock=lock)
    if found is None or found.registration.erased_at is not None:
        return None
    return (scope, found) if scope.covers(found.registration.kelurahan_code) else None


async def open_renewal_check(call: DeskCall, request: OpenRenewalCheck) -> RenewalCheckView | RoleRefused:
    allowed = await _renewal_check(call, request.registration_id, lock=False)
    if allowed is None:
        return await refuse(call, request)
    scope, found = allowed
    row, renewal = found.registration, found.renewal
    await _viewed(call, scope, row.id, "renewal")
    return RenewalCheckView(
        registration_id=row.id,
        year=found.year,
        nik_masked=mask_nik(call.cipher.decrypt(row.nik_cipher)) if row.nik_cipher else "",
        full_name=row.full_name or "",
        job_type=row.job_type,
        job_text=row.job_text or "",
        kelurahan_code=row.kelurahan_code,
        answer=renewal.answer or "",
        answered_at=renewal.answered_at,
        decision=renewal.decision,
        reason=renewal.reason or "",
        round_open=found.round_open,
    )


async def decide_renewal(
    call: DeskCall, request: DecideRenewal
) -> RenewalDecided | RenewalAlreadyDecided | RoleRefused:
    """Continue or end a renewal "no", once: the row is locked and decided only while it is "check"."""
    allowed = await _renewal_check(call, request.registration_id, lock=True)
    if allowed is None or request.choice not in ("continues", *_END_REASONS):
        return await refuse(call, request)
    _, found = allowed
    row, renewal = found.registration, found.renewal
    if renewal.decision != renewal_checks.CHECK or not found.round_open:
        closed = not found.round_open
        return RenewalAlreadyDecided(row.id, renewal.decision, renewal.reason or "", found.year, round_closed=closed)
    if row.deceased_on is not None:  # a paid heirs' claim: the close ends it; nobody is told a decision
        return RenewalAlreadyDecided(row.id, "ends", "deceased", found.year)
    ends = request.choice in _END_REASONS
    reason = request.choice if ends else renewal.reason
    renewal_checks.decide_check(
        renewal,
        "ends" if ends else "continues",
        reason=reason,
        decided_by_contact_id=call.asker.id,
        now=call.now,
        note=request.note.strip()[:_MAX_REASON] or None,
    )
    await audit.record_audit(
        call.session,
        "renewal.decided",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{row.id}",
        detail={
            "year": str(found.year),
            "decision": renewal.decision,
            "reason": reason or "",
            "answer": renewal.answer or "",
            "by": address_of(call.asker),
        },
    )
    _tell_worker_and_leader(call, found)
    return RenewalDecided(row.id, found.year, renewal.decision, reason or "")


def _tell_worker_and_leader(call: DeskCall, found: RenewalCheck) -> None:
    """What happens from 1 January, in plain words, to the worker (the chat the question went to) and to
    the RT/RW leader who registered them; one letter each."""
    row, renewal, year = found.registration, found.renewal, found.year
    common: dict[str, Param] = {
        "number": row.id,
        "name": row.full_name or "-",
        "programme": call.programme.name,
        "year": year,
    }
    if renewal.decision == "ends":
        news = msg(
            "review.renewal_news_ends",
            **common,
            reason=msg(_REASON_WORDS.get(renewal.reason or "", "review.renewal_answer_moved")),
            last_year=year - 1,
            dinas=call.programme.dinas_name,
        )
    else:
        news = msg("review.renewal_news_continues", **common)
    told = {renewal.contact_id or row.registrant_contact_id, row.operator_contact_id}
    for contact_id in sorted(c for c in told if c is not None):
        call.post.append(Letter.of(contact_id, news))
