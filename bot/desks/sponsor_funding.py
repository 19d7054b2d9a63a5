"""Who pays a worker's premium when a sponsor does, and what a registration's status change means for its
sponsorship. `change_status` (bot/desks/status_news.py) asks `after_status_change` at its end, so nothing
here imports it (no import circle); approving is left to it:

- becomes "verified" with a sponsorship accepted (or one paying already, checked again after a correction):
  the answer is "approved", and change_status approves it at once, funded by the sponsor and holding no
  place of the budget's quota (db/repositories/quotas.py counts only rows with a `quota_year`). A
  registration that breaks a programme rule (conversations.registration_flags) waits for an admin, as it
  does for the quota;
- becomes "approved" without a quota year, with a sponsorship accepted: the sponsor pays from now on
  (`fund`): `registration.funder` names them, the sponsorship is "active", and the worker (and the leader
  who registered them) and the sponsor are told;
- becomes "active": the sponsor is told their worker is enrolled;
- becomes "rejected" or "ended" (a deletion or a death recorded by a claim does not pass here: the hourly
  round finds those): the sponsorship ends and the sponsor is told the worker left the programme.

A sponsor hears of their worker the name and how the registration stands in a few words, nothing else: no
reason, no number, no KPJ. A worker hears who pays only when the sponsor agreed to share their name."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.corrections_policy import holds_place
from conversations.letters import Letter
from conversations.messages import Money, Msg, msg
from conversations.programme import Programme
from conversations.registration_flags import flags_on
from conversations.sponsor_letters import sponsor_who
from conversations.sponsor_words import month_words
from conversations.sponsorship import Commitment, first_paying_month
from db.models import Registration, Sponsor, Sponsorship
from db.repositories import audit, sponsors
from db.repositories.sponsor_periods import GONE_STATUSES

__all__ = [
    "FUNDER_WIDTH",
    "SPONSOR_ACTOR",
    "after_status_change",
    "end_for_worker_left",
    "fund",
    "funder_label",
    "payer_words",
    "sponsor_shown",
    "sponsor_words",
    "worker_contacts",
    "worker_left",
]

SPONSOR_ACTOR = "sponsor"  # the actor of a status change a sponsor's funding makes (audit, events)
FUNDER_WIDTH = 100  # registrations.funder
_KIND_LABELS = {"asn": "Donatur ASN", "csr": "CSR", "bumd": "BUMD"}


def funder_label(programme: Programme, sponsor: Sponsor) -> str:
    """Who pays, as the enrolment export and the Dinas read it: "Donatur ASN: Sri Wahyuni (Dinas Kesehatan)",
    "CSR: PT Maju Jaya", "BUMD: PDAM Tirta Kendal". At most 100 characters."""
    kind = _KIND_LABELS.get(sponsor.kind, sponsor.kind.upper())
    if sponsor.kind == "asn":
        rules = programme.sponsors
        found = rules.organisation(sponsor.organisation_id or "") if rules is not None else None
        where = found.name if found is not None else sponsor.organisation_name or ""
        label = f"{kind}: {sponsor.name} ({where})" if where else f"{kind}: {sponsor.name}"
    else:
        label = f"{kind}: {sponsor.organisation_name or sponsor.name}"
    return label[:FUNDER_WIDTH]


def sponsor_shown(programme: Programme, sponsor: Sponsor) -> tuple[str, str]:
    """The sponsor's name and organisation as a worker may be shown them: an ASN by name and OPD, a company
    or BUMD by its own name; ("", "") when the sponsor did not agree to share it."""
    if not sponsor.share_name:
        return "", ""
    if sponsor.kind == "asn":
        rules = programme.sponsors
        found = rules.organisation(sponsor.organisation_id or "") if rules is not None else None
        return sponsor.name, found.name if found is not None else sponsor.organisation_name or ""
    return sponsor.organisation_name or sponsor.name, ""


def sponsor_words(programme: Programme, sponsor: Sponsor) -> str | Msg:
    """How the worker is told who pays: by name only when the sponsor agreed."""
    return sponsor_who(sponsor.kind, *sponsor_shown(programme, sponsor))


def worker_contacts(registration: Registration) -> list[int]:
    """The worker's own chat and the leader who registered them, once each."""
    told = {registration.registrant_contact_id, registration.operator_contact_id}
    return sorted(contact for contact in told if contact is not None)


def _worker_name(registration: Registration | None) -> str:
    if registration is None or registration.erased_at is not None:
        return ""
    return registration.full_name or ""


async def payer_words(session: AsyncSession, programme: Programme, registration: Registration) -> str | Msg:
    """Who pays this worker's premium, as the worker is told: their sponsor (by name only when the sponsor
    agreed), else what the Pemda's records or file say. Never `registration.funder` itself, which names
    the sponsor for the Dinas and BPJS TK."""
    sponsorship = await sponsors.open_for_registration(session, registration.id)
    sponsor = await session.get(Sponsor, sponsorship.sponsor_id) if sponsorship is not None else None
    if sponsor is not None:
        return sponsor_words(programme, sponsor)
    return registration.funder or programme.premium.paid_by


# ---- the hook ---------------------------------------------------------------------------------------------


async def after_status_change(
    session: AsyncSession, post: list[Letter], registration: Registration, programme: Programme | None, now: datetime
) -> str | None:
    """What the registration's new status means for its sponsorship (see the module's notes); the status it
    moves on to at once ("approved"), or None. One indexed query, and only for the statuses that matter."""
    if programme is None or programme.sponsors is None:
        return None
    status = registration.status
    if status not in ("verified", "approved", "active", *GONE_STATUSES):
        return None
    sponsorship = await sponsors.open_for_registration(session, registration.id)
    if sponsorship is None:
        return None
    if status == "verified":
        if holds_place(status, registration.quota_year) or _flagged(programme, registration):
            return None  # the budget's place it kept, or a rule it breaks: the Dinas decides
        return "approved"
    if status == "approved" and registration.quota_year is None:
        if sponsorship.status == "accepted":
            await fund(session, post, programme, sponsorship, registration, now=now)
        return None
    sponsor = await session.get(Sponsor, sponsorship.sponsor_id)
    if sponsor is None:
        return None
    if status == "approved":  # the Dinas gave it a place of the budget's quota (an override, say): one funder
        await end_for_worker_left(session, post, sponsorship, sponsor, registration, why="apbd", now=now)
        return None
    if status == "active":
        if sponsorship.status == "active" and sponsor.contact_id is not None:
            enrolled = msg("sponsor_worker.sponsor_enrolled", name=_worker_name(registration) or "-")
            post.append(Letter.of(sponsor.contact_id, enrolled))
        return None
    await end_for_worker_left(session, post, sponsorship, sponsor, registration, why=status, now=now)
    return None


def _flagged(programme: Programme, registration: Registration) -> bool:
    return bool(
        flags_on(
            programme, registration.flags, birth_date=registration.birth_date, registered_at=registration.created_at
        )
    )


# ---- the sponsor starts paying ----------------------------------------------------------------------------


async def fund(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    sponsorship: Sponsorship,
    registration: Registration,
    *,
    now: datetime,
) -> None:
    """The sponsor pays for this (approved or active) registration from now on: its funder, the sponsorship
    active from the first month it can still be paid in time, both sides told, audited."""
    sponsor = await session.get(Sponsor, sponsorship.sponsor_id)
    if sponsor is None:
        raise ValueError(f"sponsorship {sponsorship.id} has no sponsor")
    today = programme.local_date(now)
    sponsorship.status, sponsorship.activated_at = "active", now
    sponsorship.registration_id = registration.id
    sponsorship.accepted_at = sponsorship.accepted_at or now
    if programme.sponsors is not None:
        sponsorship.start_month = first_paying_month(programme.sponsors, sponsorship.start_month, today)
    registration.funder, registration.quota_year = funder_label(programme, sponsor), None
    registration.updated_at = now
    commitment = Commitment(sponsorship.start_month, sponsorship.months)
    name = registration.full_name or "-"
    for contact in worker_contacts(registration):
        told = msg(
            "sponsor_worker.worker_funded",
            name=name,
            sponsor=sponsor_words(programme, sponsor),
            first=month_words(commitment.start),
            last=month_words(commitment.last_month),
            months=commitment.months,
        )
        post.append(Letter.of(contact, told, msg("sponsor_worker.what_sponsor_sees")))
    if sponsor.contact_id is not None:
        rules = programme.sponsors
        due_day = rules.due_day if rules is not None else 1
        said = msg(
            "sponsor_worker.sponsor_funded",
            name=name,
            first=month_words(commitment.start),
            months=commitment.months,
            premium=Money(programme.premium.monthly),
            total=Money(commitment.total(programme)),
            due_day=due_day,
            first_due=commitment.start.replace(day=due_day),
        )
        how = msg("sponsor_worker.how_to_pay", how=rules.how_to_pay if rules is not None else "-")
        post.append(Letter.of(sponsor.contact_id, said, how))
    await audit.record_audit(
        session,
        "sponsor.activated",
        now=now,
        subject=f"sponsorship:{sponsorship.id}",
        detail={
            "registration": str(registration.id),
            "start": sponsorship.start_month.isoformat(),
            "months": str(sponsorship.months),
            "kind": sponsor.kind,
        },
    )


# ---- the worker left ---------------------------------------------------------------------------------------


async def worker_left(
    session: AsyncSession, post: list[Letter], registration: Registration, *, why: str, now: datetime
) -> None:
    """For what does not pass change_status — personal data deleted, a death recorded by a paid claim: the
    open sponsorship ends at once and the sponsor is told (the hourly round does it otherwise, within the
    hour). Called before the personal data is emptied, the sponsor hears the worker's name."""
    sponsorship = await sponsors.open_for_registration(session, registration.id)
    sponsor = await session.get(Sponsor, sponsorship.sponsor_id) if sponsorship is not None else None
    if sponsorship is not None and sponsor is not None:
        await end_for_worker_left(session, post, sponsorship, sponsor, registration, why=why, now=now)


async def end_for_worker_left(
    session: AsyncSession,
    post: list[Letter],
    sponsorship: Sponsorship,
    sponsor: Sponsor,
    registration: Registration | None,
    *,
    why: str,
    now: datetime,
) -> None:
    """The worker is no longer in the programme (rejected, ended, data deleted, died), or the budget pays for
    them now ("apbd"): the sponsorship ends and the sponsor is told, with the worker's name only, that they
    need not pay for them any more."""
    sponsorship.status, sponsorship.ended_at, sponsorship.end_reason = "ended", now, f"worker_{why}"[:40]
    sponsorship.code_hash = None
    if registration is not None:
        registration.funder = None
    if sponsor.contact_id is not None:
        name = _worker_name(registration)
        if why == "apbd":
            said = msg("sponsor_worker.sponsor_worker_budget", name=name or "-")
        elif name:
            said = msg("sponsor_worker.sponsor_worker_left", name=name)
        else:
            said = msg("sponsor_worker.sponsor_worker_left_unnamed")
        post.append(Letter.of(sponsor.contact_id, said))
    await audit.record_audit(
        session,
        "sponsor.ended",
        now=now,
        subject=f"sponsorship:{sponsorship.id}",
        detail={
            "registration": str(registration.id) if registration is not None else "-",
            "reason": f"worker_{why}"[:40],
        },
    )
