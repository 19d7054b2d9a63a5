"""Each month a sponsor pays: "sudah bayar" recorded, and the round `jaring serve` runs every hour (and
`jaring sponsors remind` once) that reminds, tells and ends. Jaring takes no money and checks no payment:
it records what the sponsor says, and says "not recorded as paid", never "not paid".

The round (`sponsor_reminders`), idempotent — every step is recorded the first time and never repeated:
- a sponsorship whose worker left without a status change passing change_status (personal data deleted,
  a death recorded by a paid claim) ends, and the sponsor is told (bot/desks/sponsor_funding.py);
- a code never used before its expiry day: "expired", and the sponsor told they can make a new one;
- each month of each paying sponsorship (conversations/sponsorship.py): from `reminder_days` before its
  due day the sponsor is reminded once; once it is missed (`missed_after_days` after the due day, not said
  paid) every Dinas admin is told once (the worker's name and number, the sponsor, the month) and the
  sponsor once, kindly. A sponsor gets ONE letter a round, listing every worker and month, with "Sudah
  bayar" / "Belum" (`Contact.awaiting = "sponsor_payment"`, the flow conversations/flows/sponsor_payment.py);
- once `inactive_after_unpaid_months` months in a row are missed (BPJS TK's rule for BPU), the worker (and
  their leader) are told once, kindly, that protection may stop and whom to ask;
- once the months committed to have passed (and the last is paid or missed), the sponsorship "ended": the
  sponsor thanked, the worker told and asked whether to go back on the waiting list, as after a stop.

Audited: `sponsor.paid` per month said paid, `sponsor.reminded` per round with counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, refuse
from bot.desks.sponsor_funding import end_for_worker_left, funder_label
from bot.desks.sponsored_workers import release_worker
from conversations.flows.sponsor_payment import AWAITING_PAYMENT, PAYMENT_CHOICES
from conversations.letters import Letter
from conversations.messages import Money, Msg, msg
from conversations.programme import Programme, Sponsors
from conversations.regions import Region
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import NotSponsor, PaymentRecorded, RecordPayment
from conversations.sponsor_words import month_words
from conversations.sponsorship import (
    Commitment,
    add_months,
    due_day,
    first_of_month,
    lapsed,
    period_state,
    reminder_due,
)
from db.models import Registration, Sponsor, SponsorPeriod, Sponsorship
from db.repositories import audit, roles, sponsor_periods, sponsors
from db.repositories.sponsor_periods import SponsoredRow

__all__ = ["record_payment", "sponsor_reminders"]


# ---- "sudah bayar" ----------------------------------------------------------------------------------------


async def record_payment(call: DeskCall, request: RecordPayment) -> PaymentRecorded | NotSponsor | RoleRefused:
    """The sponsor says one month of their own sponsorship is paid: recorded once (`already` after that)."""
    sponsor = await sponsors.sponsor_of_contact(call.session, call.asker.id, call.programme.id)
    if sponsor is None:
        return NotSponsor()
    sponsorship = await sponsors.lock_sponsorship(call.session, request.sponsorship_id)
    if (
        sponsorship is None
        or sponsorship.sponsor_id != sponsor.id
        or sponsorship.activated_at is None
        or request.period not in Commitment(sponsorship.start_month, sponsorship.months).periods
    ):
        return await refuse(call, request)
    kept = await sponsor_periods.period_row(call.session, sponsorship.id, request.period)
    already = kept.paid_at is not None
    if not already:
        kept.paid_at = call.now
        await audit.record_audit(
            call.session,
            "sponsor.paid",
            now=call.now,
            actor_contact_id=call.asker.id,
            subject=f"sponsorship:{sponsorship.id}",
            detail={"period": request.period.isoformat()},
        )
    if not await _still_asked(call.session, call.programme, sponsor, call.programme.local_date(call.now)):
        await sponsor_periods.clear_awaiting(call.session, [call.asker.id], AWAITING_PAYMENT)
    return PaymentRecorded(sponsorship.id, request.period, already)


async def _still_asked(session: AsyncSession, programme: Programme, sponsor: Sponsor, today: date) -> bool:
    """Does a month of the sponsor's still wait for "sudah bayar" (reminded, due or missed, not said paid)?"""
    rules = programme.sponsors
    if rules is None:
        return False
    paying = [s for s in await sponsors.sponsorships_of(session, sponsor.id) if s.status == "active"]
    paid = await sponsors.paid_periods(session, [s.id for s in paying])
    return any(_open_months(rules, s, paid[s.id], today) for s in paying)


def _open_months(rules: Sponsors, sponsorship: Sponsorship, paid: set[date], today: date) -> list[date]:
    """The months the sponsor is (or was) asked about and has not said paid."""
    return [
        period
        for period in Commitment(sponsorship.start_month, sponsorship.months).periods
        if period not in paid
        and (reminder_due(rules, period, False, today) or period_state(rules, period, False, today) == "missed")
    ]


# ---- the hourly round ---------------------------------------------------------------------------------------


async def sponsor_reminders(
    session: AsyncSession, programme: Programme, region: Region | None, now: datetime
) -> list[Letter]:
    """One round (see the module's notes): the letters it causes, for the outbox writer. `region` is the
    programme's, as every round gets it; the sponsors' letters name no place."""
    rules = programme.sponsors
    if rules is None:
        return []
    post: list[Letter] = []
    counted: Counter[str] = Counter()
    for row in await sponsor_periods.open_whose_worker_left(session, programme.id):
        await end_for_worker_left(
            session, post, row.sponsorship, row.sponsor, row.registration, why=_why_gone(row.registration), now=now
        )
        counted["worker_left"] += 1
    for row in await sponsor_periods.expired_offers(session, programme.id, now):
        _expire(post, programme, row, now)
        counted["expired"] += 1
    round_ = _Round(session, programme, rules, now)
    await round_.run(await sponsor_periods.active_in_programme(session, programme.id))
    post += round_.letters()
    counted.update(round_.counted)
    await sponsor_periods.set_awaiting(session, round_.asked, AWAITING_PAYMENT, now=now)
    waiting = set(await sponsor_periods.contacts_awaiting(session, AWAITING_PAYMENT))
    await sponsor_periods.clear_awaiting(session, waiting - round_.still_asked, AWAITING_PAYMENT)
    if counted:
        await audit.record_audit(
            session,
            "sponsor.reminded",
            now=now,
            subject=f"sponsors:{programme.id}"[:120],
            detail={key: str(value) for key, value in sorted(counted.items())},
        )
    post += await round_.dinas_letters()
    return post


def _why_gone(registration: Registration | None) -> str:
    if registration is None or registration.erased_at is not None:
        return "deleted"
    if registration.deceased_on is not None:
        return "deceased"
    return registration.status


def _expire(post: list[Letter], programme: Programme, row: SponsoredRow, now: datetime) -> None:
    sponsorship, sponsor = row.sponsorship, row.sponsor
    sponsorship.status, sponsorship.ended_at, sponsorship.end_reason = "expired", now, "code_expired"
    sponsorship.code_hash = None
    if sponsor.contact_id is not None:
        said = msg("sponsor_worker.sponsor_code_expired", day=programme.local_date(sponsorship.created_at))
        post.append(Letter.of(sponsor.contact_id, said))


class _Round:
    """The paying sponsorships' months, looked at once: what each sponsor and the Dinas are told."""

    def __init__(self, session: AsyncSession, programme: Programme, rules: Sponsors, now: datetime) -> None:
        self.session, self.programme, self.rules, self.now = session, programme, rules, now
        self.today = programme.local_date(now)
        self.due: defaultdict[int, list[Msg]] = defaultdict(list)  # per sponsor's contact: months reminded
        self.missed: defaultdict[int, list[Msg]] = defaultdict(list)  # per sponsor's contact: months missed
        self.dinas: list[Msg] = []  # every month missed this round
        self.other: list[Letter] = []  # to workers, and to sponsors whose months ran out
        self.asked: set[int] = set()  # sponsors' contacts asked "sudah bayar?" this round
        self.still_asked: set[int] = set()  # sponsors' contacts with a month still waiting for it
        self.counted: Counter[str] = Counter()

    async def run(self, rows: list[SponsoredRow]) -> None:
        kept = await sponsor_periods.period_rows(self.session, [row.sponsorship.id for row in rows])
        for row in rows:
            await self._months(row, kept)

    async def _months(self, row: SponsoredRow, kept: dict[tuple[int, date], SponsorPeriod]) -> None:
        sponsorship, sponsor, registration = row.sponsorship, row.sponsor, row.registration
        commitment = Commitment(sponsorship.start_month, sponsorship.months)
        paid = {p for p in commitment.periods if (k := kept.get((sponsorship.id, p))) and k.paid_at is not None}
        horizon = add_months(first_of_month(self.today), 1)
        name = (registration.full_name if registration is not None else None) or "-"
        contact = sponsor.contact_id
        for period in commitment.periods:
            if period > horizon:
                break
            is_paid = period in paid
            state = period_state(self.rules, period, is_paid, self.today)
            reminding = reminder_due(self.rules, period, is_paid, self.today)
            if contact is not None and not is_paid and (reminding or state == "missed"):
                self.still_asked.add(contact)
            if state == "missed":
                month = await self._kept(kept, sponsorship.id, period)
                if month.missed_told_at is None:
                    month.missed_told_at = self.now
                    self._missed(row, period, name)
            elif reminding:
                month = await self._kept(kept, sponsorship.id, period)
                if month.reminded_at is None:
                    month.reminded_at = self.now
                    if contact is not None:
                        self.due[contact].append(self._line(period, name))
                        self.asked.add(contact)
                    self.counted["reminded"] += 1
        told = sponsorship.lapse_told_at is not None
        if registration is not None and not told and lapsed(self.programme, commitment, paid, self.today):
            sponsorship.lapse_told_at = self.now
            self._tell_lapse(registration)
        last = commitment.last_month
        if self.today >= add_months(last, 1) and period_state(self.rules, last, last in paid, self.today) != "due":
            await self._months_done(row, commitment)

    async def _kept(
        self, kept: dict[tuple[int, date], SponsorPeriod], sponsorship_id: int, period: date
    ) -> SponsorPeriod:
        found = kept.get((sponsorship_id, period))
        if found is None:
            found = kept[(sponsorship_id, period)] = await sponsor_periods.period_row(
                self.session, sponsorship_id, period
            )
        return found

    def _line(self, period: date, name: str) -> Msg:
        return msg(
            "sponsor_worker.sponsor_line",
            name=name,
            month=month_words(period),
            premium=Money(self.programme.premium.monthly),
            due=due_day(self.rules, period),
        )

    def _missed(self, row: SponsoredRow, period: date, name: str) -> None:
        contact = row.sponsor.contact_id
        if contact is not None:
            self.missed[contact].append(self._line(period, name))
            self.asked.add(contact)
        number = row.registration.id if row.registration is not None else 0
        self.dinas.append(
            msg(
                "sponsor_worker.dinas_missed_line",
                month=month_words(period),
                number=number,
                name=name,
                sponsor=funder_label(self.programme, row.sponsor),
                due=due_day(self.rules, period),
            )
        )
        self.counted["missed"] += 1

    def _tell_lapse(self, registration: Registration) -> None:
        said = msg(
            "sponsor_worker.worker_lapse",
            name=registration.full_name or "-",
            months=self.programme.premium.inactive_after_unpaid_months,
            dinas=self.programme.dinas_name,
            call_centre=self.programme.call_centre,
        )
        told = {registration.registrant_contact_id, registration.operator_contact_id}
        self.other.extend(Letter.of(contact, said) for contact in sorted(c for c in told if c is not None))
        self.counted["lapse_told"] += 1

    async def _months_done(self, row: SponsoredRow, commitment: Commitment) -> None:
        sponsorship, sponsor, registration = row.sponsorship, row.sponsor, row.registration
        sponsorship.status, sponsorship.ended_at, sponsorship.end_reason = "ended", self.now, "months_done"
        name = (registration.full_name if registration is not None else None) or "-"
        if sponsor.contact_id is not None:
            said = msg(
                "sponsor_worker.sponsor_months_done",
                name=name,
                months=commitment.months,
                first=month_words(commitment.start),
                last=month_words(commitment.last_month),
            )
            self.other.append(Letter.of(sponsor.contact_id, said))
        if registration is not None and registration.erased_at is None:
            await release_worker(
                self.session,
                self.other,
                self.programme,
                sponsorship=sponsorship,
                sponsor=sponsor,
                row=registration,
                why="months_done",
                now=self.now,
            )
        await audit.record_audit(
            self.session,
            "sponsor.ended",
            now=self.now,
            subject=f"sponsorship:{sponsorship.id}",
            detail={"registration": str(registration.id) if registration else "-", "reason": "months_done"},
        )
        self.counted["months_done"] += 1

    def letters(self) -> list[Letter]:
        """One letter to each sponsor asked this round (the months missed, then those coming due), then the
        rest."""
        found: list[Letter] = []
        how = msg("sponsor_worker.how_to_pay", how=self.rules.how_to_pay)
        for contact in sorted(self.asked):
            parts: list[Msg] = []
            if self.missed.get(contact):
                parts.append(msg("sponsor_worker.sponsor_missed", lines=tuple(self.missed[contact])))
            if self.due.get(contact):
                parts.append(msg("sponsor_worker.sponsor_reminder", lines=tuple(self.due[contact])))
            parts += [how, msg("sponsor_payment.letter_question")]
            found.append(Letter.of(contact, *parts, choices=PAYMENT_CHOICES))
        return found + self.other

    async def dinas_letters(self) -> list[Letter]:
        if not self.dinas:
            return []
        said = msg("sponsor_worker.dinas_missed", lines=tuple(self.dinas), count=len(self.dinas))
        return [Letter.of(admin.id, said) for admin in await roles.contacts_with_role(self.session, "admin")]
