"""Verification ("Verifikasi"): a kelurahan verifier (or a Dinas admin, for any kelurahan) goes through
the registrations waiting for the kelurahan, oldest first, opens one — NIK masked, every answer, who
registered it, its history, each programme rule it breaks — and verifies it, rejects it with a reason,
or sends it back to be fixed.

The renewal's "no"s wait here too: a participant who answered the renewal question "sudah pindah" or
"tidak bekerja lagi" is listed under the registrations ("Perpanjangan 2027: 2 warga menjawab tidak"),
keyed by registration number the same way; the verifier opens one (NIK masked, job, kelurahan, what the
worker said and when) and decides "Tetap lanjut" or "Berhenti" with the reason (what the worker said, or
the other one), confirmed once with the worker's name. The worker and their RT/RW leader are told.

A person decides, never the bot. The list is keyed by registration number ("4" opens No. 4, wherever
it stands); every decision is confirmed once with the worker's name, and a decision step takes only its
explicit choices (`conversations/flows/decisions.py`): a menu word typed there decides nothing. What a
verifier may see and decide is checked by the store for every request (their own kelurahan only); a
decision on a registration someone decided meanwhile is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.choices import looks_like_a_number
from conversations.dates import age_on
from conversations.flow import (
    Answer,
    ContactInfo,
    Context,
    Data,
    Fetch,
    Finish,
    Flow,
    Goto,
    Invalid,
    Step,
    TextLimit,
    Transition,
)
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES, YES_NO
from conversations.flows.decisions import explicit_choice, officer_word
from conversations.flows.dinas_menu import REVIEW_WORDS, VERIFIER_ROLE, count_text, is_admin, is_officer
from conversations.flows.jobs import job_name
from conversations.flows.places import kelurahan_name
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Msg, Param, Reply, msg
from conversations.programme import Programme
from conversations.programme_rules import age_band_text, age_rule_day
from conversations.regions import Region
from conversations.registration_flags import flag_message, flags_on
from conversations.requests.base import RoleRefused
from conversations.requests.review import (
    AlreadyDecided,
    Decided,
    DecideRegistration,
    DecideRenewal,
    Decision,
    ListPending,
    OpenRegistration,
    OpenRenewalCheck,
    PendingPage,
    RenewalAlreadyDecided,
    RenewalCheckView,
    RenewalChoice,
    RenewalDecided,
    ReviewView,
)
from conversations.role_needs import OFFICER_NEEDED

__all__ = ["PAGE", "REJECT_REASONS", "RejectReason", "reject_reasons", "review_flow"]

PAGE = 10
_NOTE = TextLimit(280, msg("limit.note"))
_MIN_NOTE = 5
_PENDING = ("submitted", "corrected")

_NEXT = Choice("next", msg("review.next"), ("berikutnya", "lanjut", "selanjutnya"))
_DONE = Choice("done", msg("review.done"), ("selesai", "sudah"))
_VERIFY = Choice("verify", msg("review.verify"), ("benar", "data benar"))
_REJECT = Choice("reject", msg("review.reject"), ("tolak",))
_RETURN = Choice("return", msg("review.return"), ("kembalikan", "perbaiki"))
_BACK = Choice("back", msg("review.back"), ("kembali", "daftar"))
_OTHER = "other"
# A renewal "no": the worker stays, or ends for a reason. Never labelled "Berhenti" alone: typed, that is
# the global word that stops announcements.
_CONTINUE = Choice("continues", msg("review.renewal_continue"), ("tetap lanjut", "tetap", "lanjut terus"))
_END_MOVED = Choice("moved", msg("review.renewal_end_moved"), ("berhenti sudah pindah", "sudah pindah", "pindah"))
_END_NOT_WORKING = Choice(
    "not_working", msg("review.renewal_end_not_working"), ("berhenti tidak bekerja lagi", "tidak bekerja lagi")
)
_RENEWAL_CHOICES: dict[str, RenewalChoice] = {"continues": "continues", "moved": "moved", "not_working": "not_working"}
_RENEWAL_PREFIX = "r"  # a renewal "no" in the list: its choice id is "r" and the registration number
_ANSWER_KEYS = {"moved": "review.renewal_answer_moved", "not_working": "review.renewal_answer_not_working"}

# Reasons to reject, as the verifier picks them (label) and as the person reads them (text).
REJECT_REASONS: tuple[tuple[str, str, str], ...] = (
    ("not_resident", "review.reject_not_resident", "review.reason_not_resident"),
    ("age", "review.reject_age", "review.reason_age"),
    ("job", "review.reject_job", "review.reason_job"),
    ("participant", "review.reject_participant", "review.reason_participant"),
    ("mismatch", "review.reject_mismatch", "review.reason_mismatch"),
    ("twice", "review.reject_twice", "review.reason_twice"),
)


def _officers_only() -> Finish:
    return Finish(say=(Reply.of(msg("review.officers_only")),))


@dataclass(frozen=True, slots=True)
class ReviewData(FlowData):
    offset: int = 0  # the page of the list shown
    total: int = 0
    items: tuple[tuple[int, str, str, str], ...] = ()  # number, name, kelurahan code, registered on
    place: str = ""  # the kelurahan the list covers, as shown
    registration_id: int = 0  # the one being decided
    name: str = ""
    status: str = ""
    decision: str = ""  # being confirmed: verified, rejected or returned
    reason: str = ""  # why it is rejected, or what must be fixed, as the person will read it
    # Renewal "no"s listed beside the registrations: number, name, kelurahan code, what the worker said.
    renewals: tuple[tuple[int, str, str, str], ...] = ()
    renewal_total: int = 0
    renewal_year: int = 0  # the year of the round listed, or of the one opened
    answer: str = ""  # what the worker opened said: moved, not_working
    renewal_choice: str = ""  # being confirmed: continues, moved or not_working

    VERSION = 2


def _list(offset: int = 0, say: tuple[Reply, ...] = ()) -> Fetch[PendingPage | RoleRefused]:
    return Fetch(ListPending(offset, PAGE), then=_on_listed, data=ReviewData(offset=offset).dump(), say=say)


def _start(ctx: Context, _: Data) -> Transition:
    if not is_officer(ctx.contact):
        return Invalid(msg("review.officers_only"))
    return _list()


# ---- the list --------------------------------------------------------------------------------------------


def _place(ctx: Context, codes: tuple[str, ...]) -> Msg | str:
    if not codes:
        return msg("review.all_kelurahan")
    return ", ".join(kelurahan_name(ctx, code) for code in codes)


def _on_listed(ctx: Context, data: Data, result: PendingPage | RoleRefused) -> Transition:
    if not isinstance(result, PendingPage):
        return _officers_only()
    offset = ReviewData.load(data).offset
    if not result.items and offset > 0:  # the last page emptied meanwhile: start from the top
        return _list()
    if not result.items and not result.renewal_checks:
        return Finish(say=(Reply.of(msg("review.none", place=_place(ctx, result.kelurahan_codes))),))
    items = tuple(
        (item.id, item.full_name, item.kelurahan_code, f"{item.registered_on:%d-%m-%Y}") for item in result.items
    )
    listed = {item[0] for item in items}
    renewals = tuple(
        (check.registration_id, check.full_name, check.kelurahan_code, check.answer)
        for check in result.renewal_checks
        if check.registration_id not in listed  # one choice per number (never both, in practice)
    )
    place = _place(ctx, result.kelurahan_codes)
    place_text = place if isinstance(place, str) else ctx.renderer.render(place, ctx.language)
    listed_data = ReviewData(
        offset=offset,
        total=result.total,
        items=items,
        place=place_text,
        renewals=renewals,
        renewal_total=result.renewal_total,
        renewal_year=max((check.year for check in result.renewal_checks), default=0),
    )
    return Goto("pick", listed_data.dump())


def _item_choice(ctx: Context, item: tuple[int, str, str, str]) -> Choice:
    """Keyed by the registration number: "4" opens No. 4 wherever it stands; the name opens it too."""
    number, name, code, day = item
    label = msg(
        "review.item",
        number=str(number),
        name=str(name)[:24],
        kelurahan=kelurahan_name(ctx, str(code))[:18],
        date=str(day),
    )
    return Choice(str(number), label, (str(name),), number=int(number))


def _renewal_choice(ctx: Context, item: tuple[int, str, str, str]) -> Choice:
    """A renewal "no", keyed by the registration number like a registration waiting."""
    number, name, code, answer = item
    label = msg(
        "review.renewal_item",
        number=str(number),
        name=str(name)[:24],
        kelurahan=kelurahan_name(ctx, str(code))[:18],
        answer=_answer_words(str(answer)),
    )
    return Choice(f"{_RENEWAL_PREFIX}{number}", label, (str(name),), number=int(number))


def _answer_words(answer: str) -> Msg:
    return msg(_ANSWER_KEYS.get(answer, "review.renewal_answer_no"))


def _shown_numbers(saved: ReviewData) -> str:
    return ", ".join(str(item[0]) for item in (*saved.items, *saved.renewals))


def _ask_pick(ctx: Context, data: Data) -> Reply:
    saved = ReviewData.load(data)
    items, offset, total = saved.items, saved.offset, saved.total
    more = (_NEXT,) if offset + len(items) < total else ()
    place, count = saved.place, count_text(total, ctx.language)
    if not items:
        said = msg("review.none_but_renewals", place=place)
    elif total > len(items):
        said = msg("review.list_page", place=place, total=count, first=offset + 1, last=offset + len(items))
    else:
        said = msg("review.list", place=place, total=count)
    parts = (said, *_renewals_heading(ctx, saved))
    choices = (
        *(_item_choice(ctx, item) for item in items),
        *(_renewal_choice(ctx, item) for item in saved.renewals),
        *more,
        _DONE,
    )
    return Reply.of(*parts, choices=choices)


def _renewals_heading(ctx: Context, saved: ReviewData) -> tuple[Msg, ...]:
    if not saved.renewals:
        return ()
    year, total = saved.renewal_year, count_text(saved.renewal_total, ctx.language)
    if saved.renewal_total > len(saved.renewals):
        return (msg("review.renewals_some", year=year, total=total, shown=len(saved.renewals)),)
    return (msg("review.renewals", year=year, total=total),)


def _on_pick(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_officer(ctx.contact):
        return _officers_only()
    if answer.choice == _DONE.id:
        return Finish(say=(Reply.of(msg("review.finished")),))
    saved = ReviewData.load(data)
    if answer.choice == _NEXT.id:
        return _list(saved.offset + PAGE)
    if answer.choice is None and officer_word(answer) is not None:
        return _list(saved.offset)  # "verifikasi" again: the list as it is now
    if answer.choice is None and looks_like_a_number(answer.text):
        typed = "".join(ch for ch in answer.text if ch.isdecimal())
        return Invalid(msg("review.number_not_listed", number=typed, shown=_shown_numbers(saved)))
    renewal = (answer.choice or "").removeprefix(_RENEWAL_PREFIX)
    if answer.choice and answer.choice.startswith(_RENEWAL_PREFIX) and renewal.isdecimal():
        chosen = int(renewal)
        opening = saved.but(registration_id=chosen)
        return Fetch(OpenRenewalCheck(chosen), then=_on_renewal_opened, data=opening.dump())
    if answer.choice is None or not answer.choice.isdecimal():
        return Invalid(msg("review.pick_by_number", shown=_shown_numbers(saved)))
    chosen = int(answer.choice)
    return Fetch(OpenRegistration(chosen), then=_on_opened, data=saved.but(registration_id=chosen).dump())


# ---- one registration ------------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> Msg:
    return msg("common.unknown") if value is None else msg("common.yes" if value else "common.no")


def _details(ctx: Context, view: ReviewView) -> Msg:
    region = ctx.region
    kecamatan = region.kecamatan_of(view.kelurahan_code) if region else None
    born = (
        msg("review.born", date=view.birth_date, age=age_on(view.birth_date, ctx.today))
        if view.birth_date
        else msg("common.unknown")
    )
    by = msg("review.by_leader", rt=view.leader_rt or "-", rw=view.leader_rw or "-") if view.by_leader else None
    dtsen = {"yes": "common.yes", "no": "common.no"}.get(view.poverty_register, "common.unknown")
    job = job_name(ctx, view.job_type)
    if view.job_text and view.job_text.casefold() != job.casefold():  # their own words, when they differ
        job += f" ({view.job_text})"
    history = tuple(
        msg("status.history_line", date=ctx.programme.local_date(e.at), status=status_text(e.status, e.reason))
        for e in view.history[-8:]
    )
    return msg(
        "review.details",
        number=view.id,
        nik=view.nik_masked or "-",
        name=view.full_name or "-",
        born=born,
        sex=msg("common.unknown") if view.female is None else msg("review.female" if view.female else "review.male"),
        street=view.street or "-",
        rt=view.rt or "-",
        rw=view.rw or "-",
        kelurahan=kelurahan_name(ctx, view.kelurahan_code),
        kecamatan=kecamatan.name if kecamatan else "-",
        job=job,
        phone=view.phone or "-",
        breadwinner=_yes_no(view.breadwinner),
        dtsen=msg(dtsen),
        by=by or msg("review.by_self"),
        registered=ctx.programme.local_date(view.registered_at),
        status=status_text(view.status, view.status_reason),
        history=history or (msg("common.unknown"),),
    )


def _flags(ctx: Context, view: ReviewView) -> tuple[Msg, ...]:
    """Each programme rule it breaks, in plain words: the stored flags, and the age on the day it was
    registered whenever that was outside the programme's band (the day the rule is judged on)."""
    found = flags_on(ctx.programme, list(view.flags), birth_date=view.birth_date, registered_at=view.registered_at)
    if not found:
        return ()
    registered_on = age_rule_day(ctx.programme, view.registered_at)
    said = tuple(
        msg(
            "review.flag_line",
            flag=flag_message(ctx.programme, flag, birth_date=view.birth_date, registered_on=registered_on),
        )
        for flag in found
    )
    return (msg("review.flags", lines=said),)


def _on_opened(ctx: Context, data: Data, result: ReviewView | RoleRefused) -> Transition:
    if not isinstance(result, ReviewView):
        return Goto("pick", data, say=(Reply.of(msg("review.not_allowed")),))
    chosen = ReviewData.load(data).but(
        registration_id=result.id, name=result.full_name[:60], status=result.status, decision="", reason=""
    )
    return Goto("decide", chosen.dump(), say=(Reply.of(_details(ctx, result), *_flags(ctx, result)),))


def _pending(data: Data) -> bool:
    return ReviewData.load(data).status in _PENDING


def _decide_choices(data: Data) -> tuple[Choice, ...]:
    return (_VERIFY, _REJECT, _RETURN, _BACK) if _pending(data) else (_BACK, _DONE)


def _ask_decide(_: Context, data: Data) -> Reply:
    saved = ReviewData.load(data)
    number = saved.registration_id
    if not _pending(data):
        status = status_text(saved.status)
        return Reply.of(msg("review.not_pending", number=number, status=status), choices=_decide_choices(data))
    return Reply.of(msg("review.ask_decision", number=number), choices=_decide_choices(data))


def _left_undecided(data: Data, then: str) -> Finish:
    """An officer's menu word typed at a decision: open what it names; the registration stays undecided."""
    saved = ReviewData.load(data)
    said = msg("review.left_undecided", number=saved.registration_id, name=saved.name)
    return Finish(say=(Reply.of(said),), then=then)


def _on_decide(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_officer(ctx.contact):
        return _officers_only()
    if (word := officer_word(answer)) is not None:
        return _left_undecided(data, word)
    saved = ReviewData.load(data)
    choice = explicit_choice(ctx, answer, _decide_choices(data))
    if choice is None:
        return Invalid(msg("review.pick_a_decision", number=saved.registration_id))
    if choice == _VERIFY.id and _pending(data):
        return Goto("confirm", saved.but(decision="verified", reason="").dump())
    if choice == _REJECT.id and _pending(data):
        return Goto("reject_reason", data)
    if choice == _RETURN.id and _pending(data):
        return Goto("return_note", data)
    if choice == _DONE.id:
        return Finish(say=(Reply.of(msg("review.finished")),))
    return _list(saved.offset)


# ---- rejecting and returning -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RejectReason:
    id: str
    label: Msg  # as the verifier picks it
    text: Msg  # as the worker reads it


def reject_reasons(programme: Programme, region: Region | None) -> tuple[RejectReason, ...]:
    """The reasons that apply to this programme: no age reason without an age band, no job reason when
    work outside the list is allowed. Figures and names from the programme file. The web desk offers
    the same ones."""
    rules = programme.eligibility
    region_name = region.name if region else programme.pemda
    age_band = age_band_text(programme)
    band = {"band": age_band} if age_band is not None else {}
    found: list[RejectReason] = []
    for reason_id, label, text in REJECT_REASONS:
        if reason_id == "age" and age_band is None:
            continue
        if reason_id == "job" and not rules.listed_jobs_only:
            continue
        params = band if reason_id == "age" else {"region": region_name} if reason_id == "not_resident" else {}
        found.append(RejectReason(reason_id, msg(label, **params), msg(text, **params)))
    return tuple(found)


def _ask_reason(ctx: Context, data: Data) -> Reply:
    choices = tuple(Choice(reason.id, reason.label) for reason in reject_reasons(ctx.programme, ctx.region))
    other = Choice(_OTHER, msg("review.reject_other"), ("lain", "alasan lain", "tulis sendiri"))
    said = msg("review.ask_reject_reason", number=ReviewData.load(data).registration_id)
    return Reply.of(said, choices=(*choices, other, _BACK))


def _on_reason(ctx: Context, data: Data, answer: Answer) -> Transition:
    if (word := officer_word(answer)) is not None:
        return _left_undecided(data, word)
    if answer.choice == _OTHER:
        return Goto("reject_other", data)
    if answer.choice == _BACK.id:
        return Goto("decide", data)
    reasons = reject_reasons(ctx.programme, ctx.region)
    found = next((reason.text for reason in reasons if reason.id == answer.choice), None)
    if found is None:
        return Invalid(msg("engine.pick_a_number"))
    # Stored and sent as the Dinas's own words, in Indonesian: the official record of the decision.
    reason = ctx.renderer.render(found, "id")
    return Goto("confirm", ReviewData.load(data).but(decision="rejected", reason=reason).dump())


def _note(answer: Answer) -> str | Invalid:
    if len(answer.text) < _MIN_NOTE:
        return Invalid(msg("review.note_too_short"))
    return answer.text


def _ask_other(_: Context, __: Data) -> Reply:
    return Reply.of(msg("review.ask_reject_other"))


def _on_other(_: Context, data: Data, answer: Answer) -> Transition:
    if (word := officer_word(answer)) is not None:
        return _left_undecided(data, word)
    note = _note(answer)
    if isinstance(note, Invalid):
        return note
    return Goto("confirm", ReviewData.load(data).but(decision="rejected", reason=note).dump())


def _ask_return(_: Context, data: Data) -> Reply:
    return Reply.of(msg("review.ask_return_note", number=ReviewData.load(data).registration_id))


def _on_return(_: Context, data: Data, answer: Answer) -> Transition:
    if (word := officer_word(answer)) is not None:
        return _left_undecided(data, word)
    note = _note(answer)
    if isinstance(note, Invalid):
        return note
    return Goto("confirm", ReviewData.load(data).but(decision="returned", reason=note).dump())


# ---- confirming: once, with the worker's name -------------------------------------------------------------

_CONFIRM_KEYS = {
    "verified": "review.confirm_verify",
    "rejected": "review.confirm_reject",
    "returned": "review.confirm_return",
}


def _ask_confirm(_: Context, data: Data) -> Reply:
    saved = ReviewData.load(data)
    key = _CONFIRM_KEYS.get(saved.decision, "review.confirm_verify")
    said = msg(key, number=saved.registration_id, name=saved.name or "-", reason=saved.reason or "-")
    return Reply.of(said, choices=YES_NO)


def _on_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_officer(ctx.contact):
        return _officers_only()
    if (word := officer_word(answer)) is not None:
        return _left_undecided(data, word)
    saved = ReviewData.load(data)
    choice = explicit_choice(ctx, answer, YES_NO)
    if choice == NO.id:
        said = msg("review.not_decided", number=saved.registration_id, name=saved.name)
        return Goto("decide", saved.but(decision="", reason="").dump(), say=(Reply.of(said),))
    if choice != YES.id or saved.decision not in _CONFIRM_KEYS:
        return Invalid(msg("review.answer_yes_or_no"))
    return _decide(data, _decision(saved.decision), saved.reason)


def _decision(value: str) -> Decision:
    return "rejected" if value == "rejected" else "returned" if value == "returned" else "verified"


def _decide(data: Data, decision: Decision, reason: str = "") -> Fetch[Decided | AlreadyDecided | RoleRefused]:
    chosen = ReviewData.load(data).registration_id
    return Fetch(DecideRegistration(chosen, decision, reason), then=_on_decided)


# ---- after a decision ------------------------------------------------------------------------------------

_DONE_KEYS = {
    "verified": "review.verified_done",
    "approved": "review.reapproved_done",  # it had kept its quota place through a correction
    "rejected": "review.rejected_done",
    "returned": "review.returned_done",
}


def _on_decided(_: Context, data: Data, result: Decided | AlreadyDecided | RoleRefused) -> Transition:
    saved = ReviewData.load(data)
    if isinstance(result, Decided):
        key = _DONE_KEYS.get(result.status, "review.verified_done")
        said = msg(key, number=result.registration_id, name=saved.name)
        return _list(saved.offset, say=(Reply.of(said),))
    if isinstance(result, AlreadyDecided):
        said = msg("review.decided_meanwhile", number=result.registration_id, status=status_text(result.status))
        return _list(saved.offset, say=(Reply.of(said),))
    return Finish(say=(Reply.of(msg("review.not_allowed")),))


# ---- a renewal "no": the kelurahan decides ---------------------------------------------------------------


def _renewal_details(ctx: Context, view: RenewalCheckView) -> Msg:
    region = ctx.region
    kecamatan = region.kecamatan_of(view.kelurahan_code) if region else None
    job = job_name(ctx, view.job_type)
    if view.job_text and view.job_text.casefold() != job.casefold():
        job += f" ({view.job_text})"
    answered = ctx.programme.local_date(view.answered_at) if view.answered_at else msg("common.unknown")
    return msg(
        "review.renewal_details",
        year=view.year,
        last_year=view.year - 1,
        number=view.registration_id,
        nik=view.nik_masked or "-",
        name=view.full_name or "-",
        job=job,
        kelurahan=kelurahan_name(ctx, view.kelurahan_code),
        kecamatan=kecamatan.name if kecamatan else "-",
        answer=_answer_words(view.answer),
        answered=answered,
    )


def _on_renewal_opened(ctx: Context, data: Data, result: RenewalCheckView | RoleRefused) -> Transition:
    saved = ReviewData.load(data)
    if not isinstance(result, RenewalCheckView):
        return Goto("pick", data, say=(Reply.of(msg("review.not_allowed")),))
    if result.decision != "check" or not result.round_open:  # nothing left to decide: the list as it is now
        return _list(saved.offset, say=(Reply.of(_nothing_to_decide(result)),))
    chosen = saved.but(
        registration_id=result.registration_id,
        name=result.full_name[:60],
        renewal_year=result.year,
        answer=result.answer,
        renewal_choice="",
    )
    return Goto("renewal", chosen.dump(), say=(Reply.of(_renewal_details(ctx, result)),))


def _nothing_to_decide(result: RenewalCheckView | RenewalAlreadyDecided) -> Msg:
    closed = not result.round_open if isinstance(result, RenewalCheckView) else result.round_closed
    if closed:
        return msg("review.renewal_round_closed", number=result.registration_id, year=result.year)
    if isinstance(result, RenewalAlreadyDecided) and result.reason == "deceased":
        return msg("review.renewal_deceased", number=result.registration_id, year=result.year)
    return msg("review.renewal_decided_meanwhile", number=result.registration_id, decision=_decided_words(result))


def _decided_words(result: RenewalCheckView | RenewalAlreadyDecided) -> Msg:
    if result.decision == "continues":
        return msg("review.renewal_decided_continues")
    if result.decision == "ends":
        return msg("review.renewal_decided_ends")
    return msg("review.renewal_decided_other")


_RENEWAL_DECISIONS = (_CONTINUE, _END_MOVED, _END_NOT_WORKING, _BACK)


def _renewal_left_undecided(data: Data, then: str) -> Finish:
    """An officer's menu word typed at a renewal decision: open what it names; the "no" stays undecided."""
    saved = ReviewData.load(data)
    said = msg("review.renewal_left_undecided", number=saved.registration_id, name=saved.name)
    return Finish(say=(Reply.of(said),), then=then)


def _ask_renewal(_: Context, data: Data) -> Reply:
    saved = ReviewData.load(data)
    return Reply.of(msg("review.renewal_ask", number=saved.registration_id), choices=_RENEWAL_DECISIONS)


def _on_renewal(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_officer(ctx.contact):
        return _officers_only()
    if (word := officer_word(answer)) is not None:
        return _renewal_left_undecided(data, word)
    saved = ReviewData.load(data)
    choice = explicit_choice(ctx, answer, _RENEWAL_DECISIONS)
    if choice is None:
        return Invalid(msg("review.renewal_pick", number=saved.registration_id))
    if choice == _BACK.id:
        return _list(saved.offset)
    return Goto("renewal_confirm", saved.but(renewal_choice=choice).dump())


def _ask_renewal_confirm(_: Context, data: Data) -> Reply:
    saved = ReviewData.load(data)
    common: dict[str, Param] = {"number": saved.registration_id, "name": saved.name or "-", "year": saved.renewal_year}
    if saved.renewal_choice == _CONTINUE.id:
        said = msg("review.renewal_confirm_continue", **common)
    else:
        said = msg("review.renewal_confirm_end", **common, reason=_answer_words(saved.renewal_choice))
    return Reply.of(said, choices=YES_NO)


def _on_renewal_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_officer(ctx.contact):
        return _officers_only()
    if (word := officer_word(answer)) is not None:
        return _renewal_left_undecided(data, word)
    saved = ReviewData.load(data)
    choice = explicit_choice(ctx, answer, YES_NO)
    if choice == NO.id:
        said = msg("review.renewal_not_decided", number=saved.registration_id, name=saved.name)
        return Goto("renewal", saved.but(renewal_choice="").dump(), say=(Reply.of(said),))
    decided = _RENEWAL_CHOICES.get(saved.renewal_choice)
    if choice != YES.id or decided is None:
        return Invalid(msg("review.answer_yes_or_no"))
    return Fetch(DecideRenewal(saved.registration_id, decided), then=_on_renewal_decided)


def _on_renewal_decided(
    _: Context, data: Data, result: RenewalDecided | RenewalAlreadyDecided | RoleRefused
) -> Transition:
    saved = ReviewData.load(data)
    if isinstance(result, RenewalDecided):
        common: dict[str, Param] = {"number": result.registration_id, "name": saved.name or "-", "year": result.year}
        if result.decision == "continues":
            said = msg("review.renewal_continues_done", **common)
        else:
            said = msg("review.renewal_ends_done", **common, last_year=result.year - 1)
        return _list(saved.offset, say=(Reply.of(said),))
    if isinstance(result, RenewalAlreadyDecided):
        return _list(saved.offset, say=(Reply.of(_nothing_to_decide(result)),))
    return Finish(say=(Reply.of(msg("review.not_allowed")),))


def _verifier_not_admin(contact: ContactInfo) -> bool:
    return VERIFIER_ROLE in contact.roles and not is_admin(contact)


review_flow = Flow(
    id="review",
    version=2,
    title=msg("review.title"),
    start=_start,
    steps={
        "pick": Step(ask=_ask_pick, on_answer=_on_pick, free_text=True),
        "decide": Step(ask=_ask_decide, on_answer=_on_decide),
        "reject_reason": Step(ask=_ask_reason, on_answer=_on_reason),
        "reject_other": Step(ask=_ask_other, on_answer=_on_other, limit=_NOTE),
        "return_note": Step(ask=_ask_return, on_answer=_on_return, limit=_NOTE),
        "confirm": Step(ask=_ask_confirm, on_answer=_on_confirm),
        "renewal": Step(ask=_ask_renewal, on_answer=_on_renewal),
        "renewal_confirm": Step(ask=_ask_renewal_confirm, on_answer=_on_renewal_confirm),
    },
    # In the main menu of verifiers; admins reach it from the Menu Dinas (and by its words, through the door).
    in_menu=_verifier_not_admin,
    needs_role=OFFICER_NEEDED,
    aliases=REVIEW_WORDS,
    data=ReviewData,
)
