"""The renewal round into the next budget year: opened by the Dinas in the programme file's month,
answered by each reachable worker in chat, reminded once, shown, exported for BPJS TK, and closed from
1 January. The rules are in conversations/renewal_rules.py (pure); the worker's side is the `renewal`
flow (conversations/flows/renewal.py).

- **Open** (`open_round`, one transaction under the quota lock): every participant of the programme —
  active, and those holding a place in this year's quota without being active yet (approved and waiting
  for BPJS TK's number, or checked again after a correction), who hold this year's places as much as the
  active ones — gets a row. The deceased and those past the age band on 1 January end at once (the
  aged-out worker is told kindly, with the band and where to ask; nobody is sent anything about a dead
  worker); everyone else continues. Each continuing worker whose chat is linked gets ONE question with
  buttons and `Contact.awaiting = "renewal"`; without a chat they continue silently (not reachable).
- **Answers** (`renewal_question`, `answer_renewal`, the flow's requests): scoped to the asker's own
  registration in the open round. Yes: continues. Moved / not working: "check" and a letter to the
  kelurahan's verifiers (none holding the role: the Dinas admins). Leave: ends. Answered once.
- **Reminder** (`renewal_reminders`): once, `reminder_days` after the question, to whoever has not
  answered; `jaring renewal remind` and `jaring serve`'s hourly round.
- **Close** (`close_round`, from 1 January, one transaction under the quota lock): refused while the
  year's quota is not set or smaller than the places the continuing need. The continuing (and undecided
  checks: silence never removes) get the new quota year and a "continuing" participant year; participants
  approved after the round opened continue too; the others become "ended" (the worker and their leader
  told, except about a dead worker); the waiting list moves up into the places left; `awaiting` cleared.

While the round is open its continuing participants hold the new year's places
(`quotas.places_held_by_renewal`). Everything is audited (`renewal.opened`, `renewal.answered`,
`renewal.reminded`, `renewal.exported`, `renewal.closed`), with counts and numbers, never names or NIKs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.export import EnrolmentExport, enrolment_row, export_file
from bot.desks.quota import promote_waiting_list
from bot.desks.status_news import change_status
from conversations.dates import age_on
from conversations.flows.renewal import ANSWER_LABELS, QUESTION_CHOICES, renewal_question
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.programme import Programme
from conversations.programme_rules import age_band_text
from conversations.regions import Region
from conversations.renewal_rules import (
    OpenRefused,
    continues,
    decision_for,
    first_day,
    job_words,
    last_covered_day,
    may_close,
    not_continuing,
    past_age_band,
    reason_words,
    renewal_year,
)
from conversations.requests.export import ExportFormat
from conversations.requests.renewal import (
    AnswerRenewal,
    NothingToRenew,
    RenewalAsked,
    RenewalQuestion,
    RenewalRecord,
    RenewalRecorded,
)
from db.models import Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, participant_years, quotas, renewals, roles
from db.repositories.renewals import NewRenewal, RoundRow
from locales import Catalogs

__all__ = [
    "CloseNeedsQuota",
    "CloseTooEarly",
    "NoRound",
    "RoundAlreadyOpen",
    "RoundClosed",
    "RoundCounts",
    "RoundOpened",
    "answer_renewal",
    "ask_renewal",
    "close_round",
    "continuing_export",
    "open_round",
    "renewal_reminders",
    "round_counts",
]

_PLACE_HOLDING = quotas.PLACE_HOLDING_STATUSES
_REASON_WIDTH = 300  # registrations.status_reason


# ---- what the Dinas is told --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundOpened:
    year: int
    participants: int
    continuing: int
    asked: int  # a question sent to their chat
    not_reachable: int  # continuing without a linked chat: not asked
    not_yet_active: int  # among the participants: holding this year's place, not active yet
    deceased: int
    aged_out: int
    aged_out_told: int
    places: int | None  # the new year's quota as it stands (None: not set yet)
    deceased_numbers: tuple[int, ...] = ()  # left out as deceased: the Dinas checks them (a claim marked them)


@dataclass(frozen=True, slots=True)
class RoundAlreadyOpen:
    year: int
    opened_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class NoRound:
    """No round to act on (none open; none at all for `show` and `export`)."""

    month: int | None  # the programme file's renewal month, to say when one opens


@dataclass(frozen=True, slots=True)
class RoundCounts:
    year: int
    status: str
    opened_at: datetime
    closed_at: datetime | None
    participants: int
    asked: int
    answered_yes: int
    waiting_for_kelurahan: int  # said no ("moved", "not working"), not decided yet
    decided_by_kelurahan: int
    leaving: tuple[tuple[str, int], ...]  # (reason, count), every "ends"
    not_reachable: int  # continuing, no chat to ask (not those who joined late)
    silent: int  # asked, no answer (they continue)
    reminded: int
    joined_late: int = 0  # approved after the round opened: continue at the close, never asked
    deceased_numbers: tuple[int, ...] = ()  # ended as deceased: the Dinas checks them (a claim marked them)


@dataclass(frozen=True, slots=True)
class CloseTooEarly:
    year: int


@dataclass(frozen=True, slots=True)
class CloseNeedsQuota:
    """The year's quota is not set (`places` None) or smaller than the places needed after the close."""

    year: int
    places: int | None
    needed: int
    continuing: int


@dataclass(frozen=True, slots=True)
class RoundClosed:
    year: int
    continued: int
    unchecked: int  # among them: a "no" the kelurahan did not decide (silence never removes)
    joined_late: int  # among them: approved after the round opened, never asked
    ended: tuple[tuple[str, int], ...]  # (reason, count)
    promoted: int
    places: int
    used: int


# ---- opening ------------------------------------------------------------------------------------------


async def open_round(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    region: Region | None,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> RoundOpened | RoundAlreadyOpen | OpenRefused:
    """Open the round into next year, once, in the programme file's month (see the module's notes)."""
    year = renewal_year(programme, now)
    if isinstance(year, OpenRefused):
        return year
    await quotas.lock_quota(session)  # the round holds next year's places: one opening at a time
    existing = await renewals.find_round(session, programme.id, year)
    if existing is not None:
        return RoundAlreadyOpen(year, existing.opened_at, existing.status)
    members = await renewals.participants(session, programme.id, year - 1)
    found = await renewals.add_round(
        session, programme.id, year, opened_by=actor, opened_by_contact_id=actor_contact_id, now=now
    )
    place = _place(programme, region)
    rows: list[NewRenewal] = []
    asked: list[int] = []
    ended: Counter[str] = Counter()
    dead: list[int] = []
    aged_out_told = 0
    for row in members:
        contact = row.registrant_contact_id
        why = not_continuing(programme, born=row.birth_date, deceased_on=row.deceased_on, year=year)
        if why == "deceased":  # nobody is sent anything about a dead worker
            rows.append(NewRenewal(row.id, "ends", "deceased"))
            dead.append(row.id)
        elif why == "aged_out":
            rows.append(NewRenewal(row.id, "ends", "aged_out", contact_id=contact))
            if contact is not None:
                post.append(_aged_out_letter(programme, row, contact, year))
                aged_out_told += 1
        else:
            rows.append(NewRenewal(row.id, "continues", contact_id=contact, asked_at=now if contact else None))
            if contact is not None:
                post.append(_question_letter(programme, place, row, contact, year))
                asked.append(contact)
        if why is not None:
            ended[why] += 1
    await renewals.add_renewals(session, found.id, rows)
    await renewals.set_awaiting(session, asked, now=now)
    continuing = len(rows) - sum(ended.values())
    opened = RoundOpened(
        year=year,
        participants=len(members),
        continuing=continuing,
        asked=len(asked),
        not_reachable=continuing - len(asked),
        not_yet_active=sum(row.status != "active" for row in members),
        deceased=ended["deceased"],
        aged_out=ended["aged_out"],
        aged_out_told=aged_out_told,
        places=await _places(session, programme, year),
        deceased_numbers=tuple(sorted(dead)),
    )
    await audit.record_audit(
        session,
        "renewal.opened",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=_round_subject(programme, year),
        detail={
            "participants": str(opened.participants),
            "continuing": str(opened.continuing),
            "asked": str(opened.asked),
            "not_reachable": str(opened.not_reachable),
            "deceased": str(opened.deceased),
            "aged_out": str(opened.aged_out),
            "by": actor,
        },
    )
    return opened


def _place(programme: Programme, region: Region | None) -> str:
    """The Pemda's place as people name it ("Kota Pekalongan")."""
    return region.name if region is not None else programme.pemda


def _question_letter(programme: Programme, place: str, row: Registration, contact: int, year: int) -> Letter:
    job = job_words(programme, row.job_type, row.job_text)
    question = renewal_question(programme, place, year, row.full_name or "-", job)
    return Letter.of(contact, question, choices=QUESTION_CHOICES)


def _aged_out_letter(programme: Programme, row: Registration, contact: int, year: int) -> Letter:
    """Kind words: thanks, the band and their age on 1 January, covered until 31 December, where to ask
    (the age rule's own "what you can do instead": self-funded BPU membership at BPJS TK)."""
    band = age_band_text(programme)
    breach = past_age_band(programme, row.birth_date, year)
    born = row.birth_date
    if band is None or breach is None or born is None:  # cannot be: not_continuing said aged_out
        raise ValueError(f"registration {row.id} is not past the age band")
    said = msg(
        "renewal.aged_out",
        name=row.full_name or "-",
        programme=programme.name,
        band=band,
        age=age_on(born, first_day(year)),
        first_day=first_day(year),
        year=year,
        last_day=last_covered_day(year),
        dinas=programme.dinas_name,
    )
    return Letter.of(contact, said, *breach.instead)


async def _places(session: AsyncSession, programme: Programme, year: int) -> int | None:
    in_file = programme.quota_for(year)
    return await quotas.effective_places(session, programme.id, year, in_file.places if in_file else None)


# ---- the worker's answer (the flow's requests) --------------------------------------------------------


async def ask_renewal(call: DeskCall, request: RenewalQuestion) -> RenewalAsked | RenewalRecord | NothingToRenew:
    """The asker's first unanswered question in the open round, else what was recorded for them."""
    rows = [row for row in await renewals.asked_of(call.session, call.asker.id, call.programme.id) if _askable(row)]
    waiting = next((row for row in rows if renewals.still_waiting(row)), None)
    if waiting is not None:
        registration = waiting.registration
        return RenewalAsked(
            waiting.renewal.registration_id,
            waiting.round.year,
            registration.full_name or "-",
            registration.job_type,
            registration.job_text,
        )
    await _clear_awaiting(call)
    if not rows:
        return NothingToRenew()
    return _record(call.programme, max(rows, key=lambda row: row.renewal.answered_at or row.round.opened_at))


async def answer_renewal(call: DeskCall, request: AnswerRenewal) -> RenewalRecorded | RenewalRecord | NothingToRenew:
    """Record the asker's answer for their own registration, once (see the module's notes)."""
    session = call.session
    if await renewals.open_round_of(session, call.programme.id, lock="share") is None:
        await _clear_awaiting(call)
        return NothingToRenew()
    row = await renewals.lock_asked(session, call.asker.id, call.programme.id, request.registration_id)
    if row is None or not _askable(row):
        await _clear_awaiting(call)
        return NothingToRenew()
    if not renewals.still_waiting(row):
        await _clear_awaiting(call)
        return _record(call.programme, row)
    renewal, registration = row.renewal, row.registration
    decision, reason = decision_for(request.answer)
    renewal.answer, renewal.answered_at = request.answer, call.now
    renewal.decision, renewal.reason = decision, reason
    told = 0
    if decision == "check":
        told = await _tell_kelurahan(call, row)
    await audit.record_audit(
        session,
        "renewal.answered",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{registration.id}",
        detail={"year": str(row.round.year), "answer": request.answer, "decision": decision},
    )
    await _clear_awaiting(call)
    return RenewalRecorded(registration.id, row.round.year, request.answer, told)


def _in_round(row: RoundRow) -> bool:
    """The registration still holds its place (not rejected, deleted or ended meanwhile)."""
    return row.registration.status in _PLACE_HOLDING


def _askable(row: RoundRow) -> bool:
    """Still in the round, and the worker not known to have died: whoever writes from a dead worker's chat
    (their family, to claim) is never asked whether the worker still lives and works here."""
    return _in_round(row) and row.registration.deceased_on is None


async def _clear_awaiting(call: DeskCall) -> None:
    """The person's next message is no longer taken as an answer, unless another question still waits."""
    rows = await renewals.asked_of(call.session, call.asker.id, call.programme.id)
    if not any(renewals.still_waiting(row) and _askable(row) for row in rows):
        await renewals.clear_awaiting(call.session, [call.asker.id])


def _record(programme: Programme, row: RoundRow) -> RenewalRecord:
    renewal = row.renewal
    answered = renewal.answered_at
    return RenewalRecord(
        registration_id=renewal.registration_id,
        year=row.round.year,
        answer=renewal.answer,
        answered_on=programme.local_date(answered) if answered is not None else None,
        decision=renewal.decision,
        reason=renewal.reason,
        decided=renewal.decided_at is not None,
    )


async def _tell_kelurahan(call: DeskCall, row: RoundRow) -> int:
    """The worker's "no" to their kelurahan's verifiers, to decide in Verifikasi; with no verifier for that
    kelurahan, to the Dinas admins. How many were told."""
    registration = row.registration
    code = registration.kelurahan_code
    kelurahan = _kelurahan_name(call.region, code)
    recipients = await renewals.verifiers_of(call.session, code)
    parts: list[Msg] = []
    if not recipients:
        recipients = await roles.contacts_with_role(call.session, "admin")
        parts.append(msg("renewal.no_verifier", kelurahan=kelurahan))
    answer = row.renewal.answer or ""
    parts.append(
        msg(
            "renewal.check_letter",
            year=row.round.year,
            number=registration.id,
            name=registration.full_name or "-",
            kelurahan=kelurahan,
            answer=msg(ANSWER_LABELS.get(answer, "renewal.choice_moved")),
            place=_place(call.programme, call.region),
            job=job_words(call.programme, registration.job_type, registration.job_text),
        )
    )
    told = [contact for contact in recipients if contact.id != call.asker.id]
    call.post.extend(Letter.of(contact.id, *parts) for contact in told)
    return len(told)


def _kelurahan_name(region: Region | None, code: str) -> str:
    found = next((k.name for k in region.all_kelurahan if k.code == code), None) if region else None
    return found or code


# ---- the reminder -------------------------------------------------------------------------------------


async def renewal_reminders(
    session: AsyncSession, programme: Programme, region: Region | None, *, now: datetime
) -> list[Letter]:
    """The one reminder to each worker who has not answered `reminder_days` after the question."""
    if programme.renewal is None:
        return []
    found = await renewals.open_round_of(session, programme.id)
    if found is None:
        return []
    due = await renewals.due_reminders(session, found.id, now - timedelta(days=programme.renewal.reminder_days))
    place = _place(programme, region)
    letters: list[Letter] = []
    for row in due:
        contact = row.renewal.contact_id
        if contact is None:
            continue
        row.renewal.reminded_at = now
        question = _question_letter(programme, place, row.registration, contact, found.year)
        letters.append(
            Letter.of(contact, msg("renewal.reminder", year=found.year), *question.parts, choices=question.choices)
        )
    await renewals.set_awaiting(session, [row.renewal.contact_id for row in due if row.renewal.contact_id], now=now)
    if letters:
        await audit.record_audit(
            session,
            "renewal.reminded",
            now=now,
            subject=f"renewal:{programme.id}:{found.year}"[:120],
            detail={"reminded": str(len(letters))},
        )
    return letters


# ---- what the round looks like ------------------------------------------------------------------------


async def round_counts(session: AsyncSession, programme: Programme) -> RoundCounts | NoRound:
    """The newest round (open or closed), counted."""
    found = await renewals.newest_round(session, programme.id)
    if found is None:
        return NoRound(programme.renewal.month if programme.renewal else None)
    counted = await renewals.count_rows(session, found.id)

    def total(*, decision: str | None = None, **wanted: object) -> int:
        return sum(
            c.count
            for c in counted
            if (decision is None or c.decision == decision) and all(getattr(c, k) == v for k, v in wanted.items())
        )

    joined_late = total(decision="continues", reason=renewals.JOINED_LATE)
    leaving: Counter[str] = Counter()
    for c in counted:
        if c.decision == "ends":
            leaving[c.reason or "other"] += c.count
    return RoundCounts(
        year=found.year,
        status=found.status,
        opened_at=found.opened_at,
        closed_at=found.closed_at,
        participants=total(),
        asked=total(asked=True),
        answered_yes=total(answer="yes"),
        waiting_for_kelurahan=total(decision="check", decided=False),
        decided_by_kelurahan=total(decided=True),
        leaving=tuple(sorted(leaving.items())),
        not_reachable=total(decision="continues", asked=False) - joined_late,
        silent=total(decision="continues", asked=True, answer=None),
        reminded=total(reminded=True),
        joined_late=joined_late,
        deceased_numbers=tuple(await renewals.deceased_in_round(session, found.id)),
    )


async def continuing_export(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    region: Region | None,
    catalogs: Catalogs,
    *,
    file_format: ExportFormat,
    now: datetime,
    by: str,
    actor_contact_id: int | None = None,
) -> tuple[int, EnrolmentExport] | NoRound:
    """BPJS TK's list of the newest round's continuing participants (continues, and a "check" not decided:
    silence never removes), in the enrolment export's columns and formats, audited like it. The year too."""
    found = await renewals.newest_round(session, programme.id)
    if found is None:
        return NoRound(programme.renewal.month if programme.renewal else None)
    registrations = await renewals.continuing_registrations(session, found.id)
    rows = [enrolment_row(r, cipher, programme, region, catalogs) for r in registrations]
    await audit.record_audit(
        session,
        "renewal.exported",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"renewal:{programme.id}:{found.year}"[:120],
        detail={"rows": str(len(rows)), "year": str(found.year), "format": file_format, "by": by},
    )
    name = f"daftar-bpjstk-lanjut-{found.year}-{programme.local_date(now):%d-%m-%Y}.{file_format}"
    return found.year, export_file(rows, file_format, name)


# ---- closing ------------------------------------------------------------------------------------------


async def close_round(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    catalogs: Catalogs,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> RoundClosed | NoRound | CloseTooEarly | CloseNeedsQuota:
    """Close the open round from 1 January of its year (see the module's notes); nothing changes when
    refused."""
    found = await renewals.open_round_of(session, programme.id, lock="update")
    if found is None:
        return NoRound(programme.renewal.month if programme.renewal else None)
    year = found.year
    if not may_close(year, programme.local_date(now)):
        return CloseTooEarly(year)
    await quotas.lock_quota(session)
    rows = [row for row in await renewals.round_rows(session, found.id, lock=True) if _in_round(row)]
    staying, leaving = _sort_out(rows)
    late = await renewals.left_out_participants(session, programme.id, found.id, year - 1)
    late_why = {r.id: not_continuing(programme, born=r.birth_date, deceased_on=r.deceased_on, year=year) for r in late}
    late_staying = [r for r in late if late_why[r.id] is None]
    carried = [row.registration for row in staying] + late_staying
    places = await _places(session, programme, year)
    needed = await quotas.places_held_by_approval(session, year) + sum(r.quota_year != year for r in carried)
    if places is None or places < needed:
        return CloseNeedsQuota(year, places, needed, len(carried))
    for registration in carried:
        registration.quota_year = year
    await participant_years.record_years(
        session, programme.id, [(r.id, year, "continuing") for r in carried], source="renewal", now=now
    )
    # Approved or activated after the round opened: never asked, they are judged by the same rules now.
    await renewals.add_renewals(
        session,
        found.id,
        [_late_row(r.id, late_why[r.id]) for r in late],
    )
    ended: Counter[str] = Counter()
    ending = [(row.registration, reason) for row, reason in leaving]
    ending += [(r, why) for r in late if (why := late_why[r.id]) is not None]
    for row, reason in leaving:
        row.renewal.decision, row.renewal.reason = "ends", reason
    for registration, reason in ending:
        await _end(session, post, programme, catalogs, registration, reason=reason, year=year, now=now, actor=actor)
        ended[reason] += 1
    await renewals.clear_awaiting(session, await renewals.round_contacts(session, found.id))
    found.status, found.closed_at = "closed", now
    await session.flush()
    used = await quotas.places_used(session, year)
    promoted = await promote_waiting_list(
        session, post, programme, year=year, free=places - used, now=now, actor=actor, actor_contact_id=actor_contact_id
    )
    closed = RoundClosed(
        year=year,
        continued=len(carried),
        unchecked=sum(row.renewal.decision == "check" for row in staying),
        joined_late=len(late_staying),
        ended=tuple(sorted(ended.items())),
        promoted=promoted,
        places=places,
        used=used + promoted,
    )
    await audit.record_audit(
        session,
        "renewal.closed",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=_round_subject(programme, year),
        detail={
            "continued": str(closed.continued),
            "unchecked": str(closed.unchecked),
            "joined_late": str(closed.joined_late),
            "ended": str(sum(ended.values())),
            "promoted": str(promoted),
            "by": actor,
        },
    )
    return closed


def _late_row(registration_id: int, why: str | None) -> NewRenewal:
    """A participant approved after the round opened: continues, marked as joining late, or ends."""
    if why is None:
        return NewRenewal(registration_id, "continues", renewals.JOINED_LATE)
    return NewRenewal(registration_id, "ends", why)


def _year_starts(programme: Programme, year: int) -> datetime:
    """1 January 00:00 of the round's year in the programme's local time, as an aware datetime."""
    return datetime.combine(first_day(year), time(0, 0), tzinfo=ZoneInfo(programme.timezone))


def _sort_out(rows: list[RoundRow]) -> tuple[list[RoundRow], list[tuple[RoundRow, str]]]:
    """Who continues and who ends (with why): a worker who died while the round was open ends too."""
    staying: list[RoundRow] = []
    leaving: list[tuple[RoundRow, str]] = []
    for row in rows:
        died = row.registration.deceased_on is not None
        if continues(row.renewal.decision) and not died:
            staying.append(row)
        else:
            leaving.append((row, "deceased" if died else row.renewal.reason or "other"))
    return staying, leaving


async def _end(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    catalogs: Catalogs,
    registration: Registration,
    *,
    reason: str,
    year: int,
    now: datetime,
    actor: str,
) -> None:
    """The registration becomes "ended" with the reason in the Dinas's words; the worker and the leader who
    registered them are told what it means — never about a dead worker."""
    words = catalogs.render(reason_words(reason), "id")[:_REASON_WIDTH]
    general_news: list[Letter] = []  # change_status's short news: ours below says what it means
    await change_status(
        session,
        general_news,
        registration.id,
        "ended",
        now=now,
        actor=actor,
        reason=words,
        programme=programme,
        effective_at=_year_starts(programme, year),  # covered until 31 December, whenever the close ran
    )
    if reason == "deceased":
        return
    told = {registration.registrant_contact_id, registration.operator_contact_id}
    for contact in sorted(c for c in told if c is not None):
        news = msg(
            "renewal.ended_news",
            number=registration.id,
            name=registration.full_name or "-",
            programme=programme.name,
            reason=reason_words(reason),
            first_day=first_day(year),
            last_day=last_covered_day(year),
            dinas=programme.dinas_name,
            call_centre=programme.call_centre,
        )
        post.append(Letter.of(contact, news))


def _round_subject(programme: Programme, year: int) -> str:
    """How the audit log names a renewal round (its opening and its closing)."""
    return f"renewal:{programme.id}:{year}"[:120]
