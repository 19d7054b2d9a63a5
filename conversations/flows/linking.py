"""Hubungkan data: a participant the Dinas already holds (imported from its own list, or entered by an
RT/RW leader) proves with NIK and birth date that the record is theirs, and their chat is linked to it.

First one short message says why both are asked (only compared with the Dinas's records; nothing new is
kept); then the NIK, then the birth date. The store compares them by keyed hash and limits wrong tries
per person and per NIK (bot/desks/linking.py); a wrong answer never says which of the two was wrong.
Linked, the person is told in one message their status as the coverage rule judges it today, the KPJ
masked, what they are protected against, and how their data is held: for an imported record the
Pemda's public task and its regulation (UU 27/2022 Pasal 20(2)e: no consent asked), with their rights.
On WhatsApp they are asked once whether the number they write from is their phone.

Reached by its words, from "cek status" and "data saya" finding nothing, and from "daftar" when the NIK
typed belongs to a record no chat is linked to."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.coverage import Verdict, coverage_on
from conversations.dates import parse_date
from conversations.effects import Audit
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import YES, YES_NO
from conversations.flows.fields import NIK_PROBLEMS, normalise_phone
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.nik import NikProblem, parse_nik
from conversations.requests.base import Done, NotAllowed
from conversations.requests.linking import (
    AlreadyLinkedElsewhere,
    AlreadyYours,
    ChatHasARecord,
    EnteredByYou,
    LinkAnswer,
    Linked,
    LinkRefused,
    LinkRegistration,
    RecordLinkedPhone,
    TooManyLinkTries,
)

__all__ = [
    "LINK_FLOW",
    "LINK_MINE",
    "LINK_NOTICE_VERSION",
    "RETYPE_NIK",
    "LinkData",
    "link_flow",
    "mask_kpj",
]

LINK_FLOW = "link"
# Change it whenever the notice's text (link.notice_*) changes: the audit says which one a person read.
LINK_NOTICE_VERSION = "2026-12-06"

# From registration, when the NIK typed is held by the Dinas with no chat linked to it.
LINK_MINE = Choice("link", msg("link.yes_mine"), ("ya", "iya", "hubungkan", "punya saya", "nik saya"))
RETYPE_NIK = Choice("retype", msg("link.retype_nik"), ("tulis ulang", "ulang", "salah", "salah tulis", "bukan"))


@dataclass(frozen=True, slots=True)
class LinkData(FlowData):
    nik: str | None = None  # kept (sealed) only until the birth date is asked, then dropped
    registration_id: int | None = None  # once linked: the record whose phone may be recorded


def mask_kpj(kpj: str) -> str:
    """•••••••8901: the last four digits, enough to recognise one's own card."""
    return "•" * (len(kpj) - 4) + kpj[-4:] if len(kpj) > 4 else "•" * len(kpj)


# ---- NIK and birth date --------------------------------------------------------------------------


def _start(_: Context, data: Data) -> Transition:
    nik = LinkData.load(data).nik  # typed already in "daftar"
    if nik:
        return Goto("birth_date", LinkData(nik=nik).dump(), say=(Reply.of(msg("link.why_nik_given")),))
    return Goto("nik", LinkData().dump(), say=(Reply.of(msg("link.why")),))


def _ask_nik(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_nik_self"))


def _on_nik(ctx: Context, _: Data, answer: Answer) -> Transition:
    nik = parse_nik(answer.text, ctx.today)
    if isinstance(nik, NikProblem):
        return Invalid(NIK_PROBLEMS[nik])
    return Goto("birth_date", LinkData(nik=nik.digits).dump())


def _ask_birth_date(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_birth_date"))


def _on_birth_date(ctx: Context, data: Data, answer: Answer) -> Transition:
    born = parse_date(answer.text, ctx.today)
    if born is None:
        return Invalid(msg("registration.bad_birth_date"))
    nik = LinkData.load(data).nik
    if not nik:  # lost (an old session): ask it again
        return Goto("nik", LinkData().dump())
    # The NIK leaves the conversation's data as it goes to the store.
    return Fetch(LinkRegistration(nik, born), then=_on_result, data=LinkData().dump())


def _on_result(ctx: Context, _: Data, result: LinkAnswer) -> Transition:
    programme = ctx.programme
    match result:
        case Linked():
            return _linked(ctx, result)
        case LinkRefused(tries_left=left) if left > 0:
            return Goto("nik", LinkData().dump(), say=(Reply.of(msg("link.no_match", left=left)),))
        case LinkRefused(wait_hours=hours) | TooManyLinkTries(wait_hours=hours):
            first = (msg("link.no_match_last"),) if isinstance(result, LinkRefused) else ()
            return Finish(say=(Reply.of(*first, _wait(ctx, hours)),))
        case AlreadyLinkedElsewhere():
            said = msg("link.linked_elsewhere", dinas=programme.dinas_name, call_centre=programme.call_centre)
            return Finish(say=(Reply.of(said),))
        case AlreadyYours():
            return Finish(say=(Reply.of(msg("link.already_yours")),))
        case EnteredByYou():
            return Finish(say=(Reply.of(msg("link.entered_by_you")),))
        case ChatHasARecord(registration_id=number):
            said = msg(
                "link.chat_has_a_record", number=number, dinas=programme.dinas_name, call_centre=programme.call_centre
            )
            return Finish(say=(Reply.of(said),))


def _wait(ctx: Context, hours: int) -> Msg:
    programme = ctx.programme
    return msg("link.wait", hours=hours, dinas=programme.dinas_name, call_centre=programme.call_centre)


# ---- linked: what the person is told, and their WhatsApp number ---------------------------------------


def _linked(ctx: Context, linked: Linked) -> Transition:
    told = Reply.of(*_linked_parts(ctx, linked))
    basis = "public_task" if linked.legal_basis else "operator"
    shown = Audit(
        "privacy.notice_shown",
        {"registration": str(linked.registration_id), "basis": basis, "notice": LINK_NOTICE_VERSION},
    )
    phone = ctx.contact.phone or ""
    if ctx.contact.channel == "whatsapp" and normalise_phone(phone) and not linked.phone_is_this_chat:
        return Goto("phone", LinkData(registration_id=linked.registration_id).dump(), say=(told,), effects=(shown,))
    return Finish(say=(told,), effects=(shown,))


def _linked_parts(ctx: Context, linked: Linked) -> tuple[Msg, ...]:
    """Linked; the status as the coverage rule judges it today; the KPJ masked; what the person is
    protected against (figures only when protected today); how their data is held, and their rights."""
    programme, privacy = ctx.programme, ctx.programme.privacy
    coverage = coverage_on(linked.membership, ctx.today)
    parts: list[Msg] = [msg("link.linked", name=linked.full_name), _status(ctx, linked)]
    if linked.kpj_masked:
        parts.append(msg("link.kpj", kpj=linked.kpj_masked))
    if coverage.verdict is Verdict.COVERED:
        benefits = programme.benefits
        parts.append(
            msg(
                "news.protection",
                jkm=Money(benefits.jkm.total),
                jkk_death=Money(benefits.jkk_death_total(programme.premium.declared_income)),
                premium=Money(programme.premium.monthly),
                paid_by=linked.funder or programme.premium.paid_by,
            )
        )
    if linked.legal_basis:
        notice = msg(
            "link.notice_public_task",
            controller=privacy.controller,
            legal_basis=linked.legal_basis,
            years=privacy.retention_years,
            contact=privacy.contact,
        )
    else:
        notice = msg(
            "link.notice_operator",
            controller=privacy.controller,
            years=privacy.retention_years,
            contact=privacy.contact,
        )
    return (*parts, notice)


def _status(ctx: Context, linked: Linked) -> Msg:
    """The one rule (conversations/coverage.py), for today, said honestly."""
    programme = ctx.programme
    coverage = coverage_on(linked.membership, ctx.today)
    status = status_text(linked.status, linked.status_reason)
    match coverage.verdict:
        case Verdict.COVERED:
            return msg("link.status_covered", start=coverage.start or coverage.day)
        case Verdict.NOT_YET if coverage.start is not None:
            return msg("link.status_starts", start=coverage.start)
        case Verdict.NOT_YET:
            return msg("link.status_not_yet", status=status)
        case Verdict.ENDED:
            return msg("link.status_ended", status=status, ended=coverage.ended_on or coverage.day)
        case _:
            return msg("link.status_unconfirmed", dinas=programme.dinas_name, call_centre=programme.call_centre)


def _shown_phone(phone: str) -> str:
    number = normalise_phone(phone) or ""  # never say back what a forged shared contact carried
    return "0" + number[2:] if number.startswith("62") else number


def _ask_phone(ctx: Context, _: Data) -> Reply:
    return Reply.of(msg("link.ask_phone", phone=_shown_phone(ctx.contact.phone or "")), choices=YES_NO)


def _on_phone(ctx: Context, data: Data, answer: Answer) -> Transition:
    registration_id = LinkData.load(data).registration_id
    if answer.choice != YES.id or registration_id is None:
        return Finish(say=(Reply.of(msg("link.phone_unchanged")),))
    return Fetch(RecordLinkedPhone(registration_id), then=_on_phone_recorded)


def _on_phone_recorded(ctx: Context, _: Data, result: Done | NotAllowed) -> Transition:
    if isinstance(result, NotAllowed):
        return Finish(say=(Reply.of(msg("link.phone_unchanged")),))
    return Finish(say=(Reply.of(msg("link.phone_recorded", phone=_shown_phone(ctx.contact.phone or ""))),))


link_flow = Flow(
    id=LINK_FLOW,
    version=1,
    title=msg("link.title"),
    start=_start,
    steps={
        "nik": Step(ask=_ask_nik, on_answer=_on_nik, asks_nik=True),
        "birth_date": Step(ask=_ask_birth_date, on_answer=_on_birth_date),
        "phone": Step(ask=_ask_phone, on_answer=_on_phone, no_way_back=True),
    },
    aliases=(
        "hubungkan data",
        "hubungkan data saya",
        "hubungkan",
        "sambungkan data",
        "sudah peserta",
        "saya sudah peserta",
    ),
    data=LinkData,
)
