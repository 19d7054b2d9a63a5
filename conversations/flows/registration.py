"""Daftar: the privacy notice and consent first (the engine puts it in front), then one field per
message, a summary where any field can be changed, and the submission. A registration left halfway is
kept (the flow is resumable) and offered again when the person comes back. An RT/RW leader can
register neighbours, whose consent is recorded as given through the leader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.effects import Audit
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
    Transition,
)
from conversations.flow_data import FlowData
from conversations.flows.common import NO, UNKNOWN, YES, YES_NO, YES_NO_UNKNOWN
from conversations.flows.fields import (
    FIELDS,
    QUESTIONS,
    Checked,
    Draft,
    YesNoUnknown,
    check_text_field,
    field_limit,
    field_value_text,
    normalise_phone,
)
from conversations.flows.jobs import job_steps
from conversations.flows.linking import LINK_FLOW, LINK_MINE, RETYPE_NIK, LinkData
from conversations.flows.places import kelurahan_name, place_steps
from conversations.flows.privacy import NOTICE_VERSION
from conversations.messages import Choice, Msg, Reply, msg
from conversations.nik import Nik, parse_nik
from conversations.programme_rules import (
    Breach,
    Facts,
    birth_date_breach,
    explain_refusal,
    judge,
    kelurahan_decides_note,
    participant_breach,
    poverty_breach,
    resident_breach,
)
from conversations.registration_flags import flag_message, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.registrations import (
    AlreadyRegistered,
    CheckNik,
    FindLeaderArea,
    LeaderArea,
    NikCheck,
    RuleBroken,
    SubmitRegistration,
    Submitted,
)
from conversations.role_needs import LEADER_NEEDED

__all__ = ["LEADER_ROLE", "Prefill", "RegistrationData", "registration_flow"]

LEADER_ROLE = "rtrw"
_SELF = Choice("self", msg("registration.for_self"), ("saya", "diri sendiri", "sendiri"))
_OTHER = Choice("other", msg("registration.for_neighbour"), ("warga", "tetangga", "orang lain"))
_CONTINUE = Choice("continue", msg("registration.continue"), ("lanjut", "lanjutkan", "teruskan"))
_RESTART = Choice("restart", msg("registration.restart"), ("ulang", "mulai baru", "dari awal", "baru"))
_SUBMIT = Choice("submit", msg("registration.submit"), ("kirim", "ya", "benar", "sudah benar", "daftar"))
_CHANGE = Choice("change", msg("registration.change"), ("ubah", "ganti", "perbaiki", "salah"))
_NO_PHONE = ("-", "tidak ada", "tidak punya", "gak ada", "ga ada")
_SAME_AREA = Choice("same_area", msg("registration.same_area"), ("ya", "iya", "sama", "benar", "betul"))
_OTHER_AREA = Choice("other_area", msg("registration.other_area"), ("bukan", "lain", "tidak", "beda", "ubah"))
_ALREADY_MEMBER = "already_member"  # asked after the form's fields (fields.FIELDS): not a correctable field
_OFFER_LINK = "offer_link"  # the NIK is a record the Dinas holds with no chat linked: link it instead


@dataclass(frozen=True, slots=True)
class Prefill(FlowData):
    """What Cek kelayakan found out, so that a registration started from there does not ask it again."""

    job_type: str | None = None
    job_text: str | None = None
    kelurahan_code: str | None = None
    breadwinner: bool | None = None
    poverty_register: YesNoUnknown | None = None
    already_member: YesNoUnknown | None = None


@dataclass(frozen=True, slots=True)
class RegistrationData(Draft):
    """The draft (the form's answers, fields.Draft), and how the registration goes."""

    for_other: bool = False  # an RT/RW leader registering a neighbour
    consent_via: Literal["operator"] | None = None  # the neighbour agreed through the leader
    prefill: Prefill | None = None  # handed over by Cek kelayakan: the start takes the draft from it
    kelurahan_candidates: tuple[str, ...] = ()  # for the place steps
    kecamatan_code: str = ""
    job_candidates: tuple[str, ...] = ()  # for the job steps
    already_member: YesNoUnknown | None = None  # already a BPJS Ketenagakerjaan participant?
    # The leader's own area (their role's kelurahan, RT, RW), offered for each neighbour in one tap.
    area_kelurahan: str = ""
    area_rt: str = ""
    area_rw: str = ""
    area_offered: bool = False
    noted: tuple[str, ...] = ()  # rules the kelurahan decides, already told to the person


def _is_leader(contact: ContactInfo) -> bool:
    return LEADER_ROLE in contact.roles


def _fields_needed(ctx: Context) -> list[str]:
    rules = ctx.programme.eligibility
    skip = {"breadwinner"} if not rules.asks_breadwinner else set()
    if not rules.asks_poverty_register:
        skip.add("poverty_register")
    return [f.key for f in FIELDS if f.key not in skip]


def _next(ctx: Context, draft: RegistrationData) -> str:
    """The step for the first field still missing; the summary when none is. For a neighbour, the
    leader's own area is offered before the place steps."""
    missing = next((key for key in _fields_needed(ctx) if not draft.answered(key)), None)
    if missing == "kelurahan_code" and draft.for_other and draft.area_kelurahan and not draft.area_offered:
        return "leader_area"
    if missing is None:
        return _ALREADY_MEMBER if draft.already_member is None else "summary"
    return next((f.step for f in FIELDS if f.key == missing), "summary")


def _go_next(ctx: Context, data: Data) -> Transition:
    return Goto(_next(ctx, RegistrationData.load(data)), data)


def _about_other(data: Data) -> bool:
    return RegistrationData.load(data).for_other


# ---- start, resume, for whom ---------------------------------------------------------------------


def _start(ctx: Context, data: Data) -> Transition:
    saved = RegistrationData.load(data)
    if any(saved.answered(f.key) for f in FIELDS) and saved.prefill is None:
        return Goto("resume", data)  # a draft left halfway
    found = saved.prefill
    draft = (
        RegistrationData()
        if found is None
        else RegistrationData(
            job_type=found.job_type,
            job_text=found.job_text,
            kelurahan_code=found.kelurahan_code,
            breadwinner=found.breadwinner,
            poverty_register=found.poverty_register,
            already_member=found.already_member,
        )
    )
    if saved.for_other:
        return Goto("neighbour_consent", draft.but(for_other=True).dump())
    if _is_leader(ctx.contact):
        # An empty draft is saved as {}: the engine keeps nothing to resume when the leader leaves here.
        return Goto("whom", {} if draft == RegistrationData() else draft.dump())
    return _for_self(ctx, draft)


def _for_self(ctx: Context, draft: RegistrationData) -> Transition:
    mine = draft.but(for_other=False)
    if ctx.contact.phone and mine.phone is None and (phone := normalise_phone(ctx.contact.phone)):
        mine = mine.but(phone=phone)  # WhatsApp gives the number: no need to ask it
    return Goto(_next(ctx, mine), mine.dump(), say=(Reply.of(msg("registration.intro")),))


def _ask_resume(ctx: Context, data: Data) -> Reply:
    draft = RegistrationData.load(data)
    done = sum(1 for key in _fields_needed(ctx) if draft.answered(key))
    total = len(_fields_needed(ctx))
    return Reply.of(msg("registration.resume", done=done, total=total), choices=(_CONTINUE, _RESTART))


def _on_resume(ctx: Context, data: Data, answer: Answer) -> Transition:
    draft = RegistrationData.load(data)
    if answer.choice == _CONTINUE.id:
        return Goto(_next(ctx, draft), data)
    return _start(ctx, RegistrationData(for_other=draft.for_other).dump())


def _ask_whom(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_whom"), choices=(_SELF, _OTHER))


def _on_whom(ctx: Context, data: Data, answer: Answer) -> Transition:
    draft = RegistrationData.load(data)
    if answer.choice == _OTHER.id:
        return Goto("neighbour_consent", draft.but(for_other=True).dump())
    return _for_self(ctx, draft)


def _ask_neighbour_consent(ctx: Context, _: Data) -> Reply:
    privacy = ctx.programme.privacy
    return Reply.of(
        msg("registration.neighbour_notice", controller=privacy.controller, years=privacy.retention_years),
        msg("registration.ask_neighbour_consent"),
        choices=YES_NO,
    )


def _on_neighbour_consent(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice != YES.id:
        return Finish(say=(Reply.of(msg("registration.no_neighbour_consent")),))
    consented = RegistrationData.load(data).but(consent_via="operator")
    return Fetch(
        FindLeaderArea(),
        then=_on_leader_area,
        data=consented.dump(),
        effects=(Audit("consent.via_operator", {"notice": NOTICE_VERSION}),),
    )


# ---- the leader's area, offered for each neighbour ---------------------------------------------------


def _on_leader_area(ctx: Context, data: Data, result: LeaderArea | RoleRefused) -> Transition:
    if isinstance(result, RoleRefused):
        return Finish(say=(Reply.of(msg("registration.leader_role_gone")),))
    draft = RegistrationData.load(data).but(
        area_kelurahan=result.kelurahan_code, area_rt=result.rt, area_rw=result.rw, area_offered=False
    )
    return Goto(_next(ctx, draft), draft.dump())


def _area_has_rt_rw(draft: RegistrationData) -> bool:
    return bool(draft.area_rt and draft.area_rw)


def _ask_leader_area(ctx: Context, data: Data) -> Reply:
    draft = RegistrationData.load(data)
    place = kelurahan_name(ctx, draft.area_kelurahan)
    area = (
        msg("registration.area_rt_rw", rt=draft.area_rt, rw=draft.area_rw, place=place)
        if _area_has_rt_rw(draft)
        else msg("registration.area_kelurahan", place=place)
    )
    return Reply.of(msg("registration.ask_leader_area", area=area), choices=(_SAME_AREA, _OTHER_AREA))


def _on_leader_area_answer(ctx: Context, data: Data, answer: Answer) -> Transition:
    draft = RegistrationData.load(data).but(area_offered=True)
    if answer.choice == _SAME_AREA.id:
        draft = draft.but(kelurahan_code=draft.area_kelurahan)
        if _area_has_rt_rw(draft):
            draft = draft.but(rt=draft.area_rt, rw=draft.area_rw)
    return Goto(_next(ctx, draft), draft.dump())


# ---- the text fields ------------------------------------------------------------------------------


def _text_step(key: str) -> Step:
    def ask(_: Context, data: Data) -> Reply:
        return Reply.of(msg(QUESTIONS[key, RegistrationData.load(data).for_other]))

    def on_answer(ctx: Context, data: Data, answer: Answer) -> Transition:
        draft = RegistrationData.load(data)
        if key == "phone" and answer.phone:  # a contact shared with the Telegram button
            checked = check_text_field(ctx, key, answer.phone, draft)
        elif key == "phone" and draft.for_other and answer.text.strip().casefold() in _NO_PHONE:
            checked = Checked({"phone": ""})
        else:
            checked = check_text_field(ctx, key, answer.text, draft)
        if checked.contradicts_nik and checked.problem is not None:
            return Goto("which_is_wrong", data, say=(Reply.of(checked.problem),))
        if checked.problem is not None:
            return Invalid(checked.problem)
        # The checked values are in their saved form (the birth date as text): the codec reads them.
        new = RegistrationData.load({**draft.dump(), **checked.values})
        if key == "nik":
            return Fetch(CheckNik(str(checked.values["nik"])), then=_on_nik_checked, data=new.dump())
        if key == "birth_date" and new.birth_date is not None:
            return _with_rule(
                ctx, new, birth_date_breach(ctx.programme, new.birth_date, _today(ctx), about_other=new.for_other)
            )
        return Goto(_next(ctx, new), new.dump())

    return Step(ask=ask, on_answer=on_answer, limit=field_limit(key), asks_nik=key == "nik")


_DATE_WRONG = Choice("date", msg("registration.date_is_wrong"), ("tanggal", "tanggal lahir"))
_NIK_WRONG = Choice("nik", msg("registration.nik_is_wrong"), ("nik", "nik salah"))


def _ask_which_is_wrong(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_which_is_wrong"), choices=(_DATE_WRONG, _NIK_WRONG))


def _on_which_is_wrong(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _NIK_WRONG.id:
        return Goto("nik", RegistrationData.load(data).but(nik=None, female=None).dump())
    return Goto("birth_date", data)


def _on_nik_checked(ctx: Context, data: Data, result: NikCheck) -> Transition:
    draft = RegistrationData.load(data)
    if result.registered and result.linkable and not draft.for_other:
        return Goto(_OFFER_LINK, data)
    if result.registered:
        return _already_registered(ctx, draft, mine=result.mine)
    nik = parse_nik(draft.nik or "", _today(ctx))
    if not isinstance(nik, Nik):
        return Goto(_next(ctx, draft), data)
    # The NIK holds the birth date: the age band is checked now, before anything else is asked.
    return _with_rule(
        ctx, draft, birth_date_breach(ctx.programme, nik.birth_date, _today(ctx), about_other=draft.for_other)
    )


def _already_registered(ctx: Context, draft: RegistrationData, *, mine: bool) -> Transition:
    """A NIK registered already: said in the leader's words for a neighbour, and the loop goes on."""
    call_centre = ctx.programme.call_centre
    if draft.for_other:
        said = "registration.nik_registered_by_you" if mine else "registration.nik_registered_neighbour"
        return _next_neighbour(Reply.of(msg(said, call_centre=call_centre)))
    said = "registration.nik_registered_yours" if mine else "registration.nik_registered"
    return Finish(say=(Reply.of(msg(said, call_centre=call_centre)),))


def _ask_offer_link(_: Context, __: Data) -> Reply:
    return Reply.of(msg("link.nik_held_by_dinas"), choices=(LINK_MINE, RETYPE_NIK))


def _on_offer_link(_: Context, data: Data, answer: Answer) -> Transition:
    draft = RegistrationData.load(data)
    if answer.choice == LINK_MINE.id and draft.nik:
        return Finish(then=LINK_FLOW, then_data=LinkData(nik=draft.nik).dump())
    return Goto("nik", draft.but(nik=None, female=None).dump())


def _next_neighbour(*said: Reply) -> Transition:
    return Goto("another", RegistrationData(for_other=True).dump(), say=said)


# ---- the programme's rules, as each fact arrives ----------------------------------------------------


def _today(ctx: Context) -> date:
    """The day the rules apply: the day of registration, in the programme's time zone."""
    return ctx.programme.local_date(ctx.now)


def _with_rule(ctx: Context, draft: RegistrationData, breach: Breach | None) -> Transition:
    """Go on with the draft; or refuse it (a strict rule); or, for a rule the kelurahan decides, say so
    once and go on."""
    if breach is None or (breach.kelurahan_decides and breach.rule in draft.noted):
        return Goto(_next(ctx, draft), draft.dump())
    if not breach.kelurahan_decides:
        refusal = Reply.of(*explain_refusal(ctx.programme, breach, about_other=draft.for_other))
        return _next_neighbour(refusal) if draft.for_other else Finish(say=(refusal,))
    noted = draft.but(noted=(*draft.noted, breach.rule))
    note = kelurahan_decides_note(ctx.programme, breach, about_other=draft.for_other)
    return Goto(_next(ctx, noted), noted.dump(), say=(Reply.of(note),))


def _outside(ctx: Context, data: Data) -> Transition:
    draft = RegistrationData.load(data)
    region = ctx.region.name if ctx.region else ctx.programme.pemda
    breach = resident_breach(ctx.programme, region=region, about_other=draft.for_other)
    # A registration belongs to a kelurahan of the region: without the rule, the person still picks one.
    return Invalid(msg("registration.must_live_here")) if breach is None else _with_rule(ctx, draft, breach)


def _ask_already_member(_: Context, data: Data) -> Reply:
    said = "registration.ask_already_member_other" if _about_other(data) else "eligibility.ask_already_member"
    return Reply.of(msg(said), choices=YES_NO_UNKNOWN)


def _on_already_member(ctx: Context, data: Data, answer: Answer) -> Transition:
    draft = RegistrationData.load(data)
    said = _yes_no_unknown(answer.choice)
    new = draft.but(already_member=said)
    return _with_rule(ctx, new, participant_breach(ctx.programme, said, about_other=draft.for_other))


def _yes_no_unknown(choice: str | None) -> YesNoUnknown:
    return "yes" if choice == YES.id else "no" if choice == NO.id else "unknown"


# ---- yes / no fields -----------------------------------------------------------------------------


def _ask_breadwinner(_: Context, data: Data) -> Reply:
    return Reply.of(msg(QUESTIONS["breadwinner", RegistrationData.load(data).for_other]), choices=YES_NO)


def _on_breadwinner(ctx: Context, data: Data, answer: Answer) -> Transition:
    new = RegistrationData.load(data).but(breadwinner=answer.choice == YES.id)
    return Goto(_next(ctx, new), new.dump())


def _ask_poverty(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_poverty(ctx: Context, data: Data, answer: Answer) -> Transition:
    said = _yes_no_unknown(answer.choice)
    new = RegistrationData.load(data).but(poverty_register=said)
    return _with_rule(ctx, new, poverty_breach(ctx.programme, said, about_other=new.for_other))


# ---- summary, changes, submission -----------------------------------------------------------------


def _ask_summary(ctx: Context, data: Data) -> Reply:
    draft = RegistrationData.load(data)
    lines = tuple(
        msg("field.line", label=f.label, value=field_value_text(ctx, f.key, draft))
        for f in FIELDS
        if f.key in _fields_needed(ctx)
    )
    member = {YES.id: YES.label, NO.id: NO.label, UNKNOWN.id: UNKNOWN.label}.get(draft.already_member or "")
    lines += (msg("field.line", label=msg("registration.field_already_member"), value=member or msg("field.empty")),)
    summary = msg("registration.summary", lines=lines)
    return Reply.of(summary, msg("registration.ask_submit"), choices=(_SUBMIT, _CHANGE))


def _on_summary(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHANGE.id:
        return Goto("change_which", data)
    draft = RegistrationData.load(data)
    if (missing := _next(ctx, draft)) != "summary":  # a draft kept from before a field was asked for
        return Goto(missing, data)
    saved = draft.dump()
    kept = (*_fields_needed(ctx), "female", "job_text", _ALREADY_MEMBER)
    sent = {key: saved[key] for key in kept if draft.answered(key)}
    return Fetch(SubmitRegistration(sent, on_behalf=draft.for_other), then=_on_submitted)


def _ask_change_which(ctx: Context, _: Data) -> Reply:
    choices = tuple(Choice(f.key, f.label) for f in FIELDS if f.key in _fields_needed(ctx))
    member = Choice(_ALREADY_MEMBER, msg("registration.field_already_member"))
    return Reply.of(msg("registration.ask_change_which"), choices=(*choices, member))


def _on_change_which(ctx: Context, data: Data, answer: Answer) -> Transition:
    field = str(answer.choice)
    dropped = {field, "job_text"} if field == "job_type" else {field}
    cleared = RegistrationData.load(data).but(**dict.fromkeys(dropped))
    return Goto(_next(ctx, cleared), cleared.dump())


def _on_submitted(
    ctx: Context, data: Data, result: Submitted | AlreadyRegistered | RuleBroken | RoleRefused
) -> Transition:
    draft = RegistrationData.load(data)
    if isinstance(result, AlreadyRegistered):
        return _already_registered(ctx, draft, mine=False)
    if isinstance(result, RoleRefused):
        return Finish(say=(Reply.of(msg("registration.leader_role_gone")),))
    if isinstance(result, RuleBroken):
        return _refused_by_store(ctx, draft, result.rule)
    done = Reply.of(msg("registration.submitted", number=result.registration_id), *_flags_said(ctx, draft, result))
    if draft.for_other:
        return _next_neighbour(done)
    return Finish(say=(done,))


def _flags_said(ctx: Context, draft: RegistrationData, result: Submitted) -> tuple[Msg, ...]:
    """The flags the registration carries, told to the person as the verifier will read them."""
    flags = known_flags(list(result.flags))
    if not flags:
        return ()
    lines = tuple(
        msg(
            "rule.flag_line",
            flag=flag_message(ctx.programme, flag, birth_date=draft.birth_date, registered_on=_today(ctx)),
        )
        for flag in flags
    )
    return (msg("rule.submitted_with_flags", flags=lines),)


def _refused_by_store(ctx: Context, draft: RegistrationData, rule: str) -> Transition:
    """The store found a strict rule broken (the rules changed meanwhile, say): explained the same way."""
    facts = Facts(
        birth_date=draft.birth_date,
        already_participant=draft.already_member,
        poverty_register=draft.poverty_register,
    )
    breaches = judge(ctx.programme, facts, _today(ctx)).refused
    breach = next((b for b in breaches if b.rule == rule), None)
    if breach is not None:
        said = Reply.of(*explain_refusal(ctx.programme, breach, about_other=draft.for_other))
    else:
        said = Reply.of(
            msg("registration.rule_refused", programme=ctx.programme.name, call_centre=ctx.programme.call_centre)
        )
    return _next_neighbour(said) if draft.for_other else Finish(say=(said,))


def _ask_another(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_another"), choices=YES_NO)


def _on_another(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Finish(then="registration", then_data=RegistrationData(for_other=True).dump())
    return Finish(say=(Reply.of(msg("registration.thanks_leader")),))


registration_flow = Flow(
    id="registration",
    version=2,
    title=msg("registration.title"),
    start=_start,
    needs_consent=True,
    resumable=True,
    steps={
        "resume": Step(ask=_ask_resume, on_answer=_on_resume),
        "whom": Step(ask=_ask_whom, on_answer=_on_whom),
        "neighbour_consent": Step(ask=_ask_neighbour_consent, on_answer=_on_neighbour_consent),
        "leader_area": Step(ask=_ask_leader_area, on_answer=_on_leader_area_answer),
        **{key: _text_step(key) for key in ("nik", "full_name", "birth_date", "rt", "rw", "street", "phone")},
        "which_is_wrong": Step(ask=_ask_which_is_wrong, on_answer=_on_which_is_wrong),
        _OFFER_LINK: Step(ask=_ask_offer_link, on_answer=_on_offer_link),
        **place_steps(
            then=_go_next,
            on_outside=_outside,
            data_class=RegistrationData,
            about_other=_about_other,
        ),
        **job_steps(then=_go_next, data_class=RegistrationData, about_other=_about_other),
        "breadwinner": Step(ask=_ask_breadwinner, on_answer=_on_breadwinner),
        "poverty": Step(ask=_ask_poverty, on_answer=_on_poverty),
        _ALREADY_MEMBER: Step(ask=_ask_already_member, on_answer=_on_already_member),
        "summary": Step(ask=_ask_summary, on_answer=_on_summary),
        "change_which": Step(ask=_ask_change_which, on_answer=_on_change_which),
        "another": Step(ask=_ask_another, on_answer=_on_another, no_way_back=True),
    },
    aliases=("daftar", "pendaftaran", "registrasi", "mau daftar", "daftarkan"),
    needs_role=LEADER_NEEDED.only_when(_about_other),  # a neighbour's registration, not the leader's own
    data=RegistrationData,
)
