"""Work-accident reports: stored, and each Dinas admin told at once through the outbox.

Permenaker 1/2025 (Pasal 48A) lets a BPU's group report a suspected work accident; the family still
takes the report to the BPJS TK branch within 2 × 24 hours, the Dinas can help them do it."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.membership import registration_membership
from conversations.coverage import Coverage, Verdict, coverage_on
from conversations.flows.accident_report import report_deadline, worker_text
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.requests.accidents import (
    AccidentReported,
    FindParticipant,
    ParticipantFound,
    ParticipantNotFound,
    SubmitAccidentReport,
)
from conversations.state import Json
from db.models import Registration
from db.personal_data import PersonalDataCipher
from db.repositories import accident_reports, audit, registrations, roles

__all__ = ["find_participant", "submit_accident_report"]


async def find_participant(call: DeskCall, request: FindParticipant) -> ParticipantFound | ParticipantNotFound:
    row = await _named_worker(call.session, call.cipher, nik=request.nik, kpj=request.kpj)
    if row is None:
        return ParticipantNotFound()
    return ParticipantFound(
        registration_id=row.id,
        registered_on=call.programme.local_date(row.created_at),
        membership=await registration_membership(call.session, call.programme, row),
    )


def _coverage_line(coverage: Coverage) -> Msg:
    """For the Dinas: whether the worker was protected on the day of the accident."""
    if coverage.verdict is Verdict.COVERED:
        return msg("accident.admin_covered", start=coverage.start or coverage.day)
    if coverage.verdict is Verdict.NOT_YET:
        return msg("accident.admin_not_yet")
    if coverage.verdict is Verdict.ENDED:
        return msg("accident.admin_ended", ended=coverage.ended_on or coverage.day)
    return msg("accident.admin_unconfirmed")


def _named_worker(
    session: AsyncSession, cipher: PersonalDataCipher, *, nik: str, kpj: str
) -> Awaitable[Registration | None]:
    return registrations.find_by_nik_hash_or_kpj(session, cipher.blind_index(nik) if nik else None, kpj)


async def submit_accident_report(call: DeskCall, request: SubmitAccidentReport) -> AccidentReported:
    """Stored, and each Dinas admin (but the reporter) gets a letter with the report and its deadline."""
    session, cipher, programme, reporter, report, now = (
        call.session, call.cipher, call.programme, call.asker, request.report, call.now
    )  # fmt: skip
    nik, kpj = _text(report.get("nik")), _text(report.get("kpj"))
    occurred_on, occurred_time = date.fromisoformat(_text(report["occurred_on"])), _text(report.get("occurred_time"))
    found = await _named_worker(session, cipher, nik=nik, kpj=kpj)
    row = await accident_reports.add_report(
        session,
        {
            "programme_id": programme.id,
            "registration_id": found.id if found is not None else None,
            "nik_cipher": cipher.encrypt(nik) if nik else None,
            "kpj": kpj or None,
            "what": _text(report.get("what"))[:500],
            "place": _text(report.get("place"))[:200],
            "occurred_on": occurred_on,
            "occurred_time": occurred_time or None,
            "treated_at": _text(report.get("treated_at"))[:200],
            "reporter_contact_id": reporter.id,
            "reporter_phone": _text(report.get("reporter_phone"))[:32],
            "relation": _text(report.get("relation"))[:16] or "other",
            "created_at": now,
        },
    )
    await audit.record_audit(
        session, "accident.reported", now=now, actor_contact_id=reporter.id, subject=f"accident:{row.id}"
    )
    membership = await registration_membership(session, programme, found) if found is not None else None
    coverage = _coverage_line(coverage_on(membership, occurred_on))
    deadline = report_deadline(programme, occurred_on, occurred_time)
    when = f"{occurred_on:%d-%m-%Y} {occurred_time}".strip()
    admins = [admin for admin in await roles.contacts_with_role(session, "admin") if admin.id != reporter.id]
    for admin in admins:
        notice = msg(
            "accident.admin_notice",
            number=row.id,
            worker=worker_text(nik, kpj),
            coverage=coverage,
            what=row.what,
            place=row.place,
            when=when,
            treated_at=row.treated_at,
            phone=row.reporter_phone,
            deadline=deadline.strftime("%d-%m-%Y %H:%M %Z"),
        )
        call.post.append(Letter.of(admin.id, notice))
    return AccidentReported(report_id=row.id, admins_told=len(admins))


def _text(value: Json) -> str:
    return "" if value is None else str(value).strip()
