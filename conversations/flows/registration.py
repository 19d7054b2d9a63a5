"""Daftar: the privacy notice and consent first (the engine puts it in front), then one field per
message, a summary where any field can be changed, and the submission. A registration left halfway is
kept (the flow is resumable) and offered again when the person comes back. An RT/RW leader can
register neighbours, whose consent is recorded as given through the leader."""

from __future__ import annotations

from dataclasses import dataclass
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
from conversations.flows.common import YES, YES_NO, YES_NO_UNKNOWN
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
from conversations.flows.places import place_steps
from conversations.flows.privacy import NOTICE_VERSION
from conversations.messages import Choice, Reply, msg
from conversations.requests.registrations import AlreadyRegistered, CheckNik, NikCheck, SubmitRegistration, Submitted

__all__ = ["LEADER_ROLE", "Prefill", "RegistrationData", "registration_flow"]

LEADER_ROLE = "rtrw"
_SELF = Choice("self", msg("registration.for_self"), ("saya", "diri sendiri", "sendiri"))
_OTHER = Choice("other", msg("registration.for_neighbour"), ("warga", "tetangga", "orang lain"))
_CONTINUE = Choice("continue", msg("registration.continue"), ("lanjut", "lanjutkan", "teruskan"))
_RESTART = Choice("restart", msg("registration.restart"), ("ulang", "mulai baru", "dari awal", "baru"))
_SUBMIT = Choice("submit", msg("registration.submit"), ("kirim", "ya", "benar", "sudah benar", "daftar"))
_CHANGE = Choice("change", msg("registration.change"), ("ubah", "ganti", "perbaiki", "salah"))
_NO_PHONE = ("-", "tidak ada", "tidak punya", "gak ada", "ga ada")


@dataclass(frozen=True, slots=True)
class Prefill(FlowData):
    """What Cek kelayakan found out, so that a registration started from there does not ask it again."""

    job_type: str | None = None
    job_text: str | None = None
    kelurahan_code: str | None = None
    breadwinner: bool | None = None
    poverty_register: YesNoUnknown | None = None


@dataclass(frozen=True, slots=True)
class RegistrationData(Draft):
    """The draft (the form's answers, fields.Draft), and how the registration goes."""

    for_other: bool = False  # an RT/RW leader registering a neighbour
    consent_via: Literal["operator"] | None = None  # the neighbour agreed through the leader
    prefill: Prefill | None = None  # handed over by Cek kelayakan: the start takes the draft from it
    kelurahan_candidates: tuple[str, ...] = ()  # for the place steps
    kecamatan_code: str = ""
    job_candidates: tuple[str, ...] = ()  # for the job steps


def _is_leader(contact: ContactInfo) -> bool:
    return LEADER_ROLE in contact.roles


def _fields_needed(ctx: Context) -> list[str]:
    rules = ctx.programme.eligibility
    skip = {"breadwinner"} if not rules.asks_breadwinner else set()
    if not rules.asks_poverty_register:
        skip.add("poverty_register")
    return [f.key for f in FIELDS if f.key not in skip]


def _next(ctx: Context, draft: RegistrationData) -> str:
    """The step for the first field still missing; the summary when none is."""
    missing = next((key for key in _fields_needed(ctx) if not draft.answered(key)), None)
    return next((f.step for f in FIELDS if f.key == missing), "summary") if missing else "summary"


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
    return Goto(
        _next(ctx, consented),
        consented.dump(),
        effects=(Audit("consent.via_operator", {"notice": NOTICE_VERSION}),),
    )


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
    if result.registered:
        said = "registration.nik_registered_yours" if result.mine else "registration.nik_registered"
        return Finish(say=(Reply.of(msg(said, call_centre=ctx.programme.call_centre)),))
    return Goto(_next(ctx, RegistrationData.load(data)), data)


# ---- yes / no fields -----------------------------------------------------------------------------


def _ask_breadwinner(_: Context, data: Data) -> Reply:
    return Reply.of(msg(QUESTIONS["breadwinner", RegistrationData.load(data).for_other]), choices=YES_NO)


def _on_breadwinner(ctx: Context, data: Data, answer: Answer) -> Transition:
    new = RegistrationData.load(data).but(breadwinner=answer.choice == YES.id)
    return Goto(_next(ctx, new), new.dump())


def _ask_poverty(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_poverty(ctx: Context, data: Data, answer: Answer) -> Transition:
    new = RegistrationData.load(data).but(poverty_register=str(answer.choice))
    return Goto(_next(ctx, new), new.dump())


# ---- summary, changes, submission -----------------------------------------------------------------


def _ask_summary(ctx: Context, data: Data) -> Reply:
    draft = RegistrationData.load(data)
    lines = tuple(
        msg("field.line", label=f.label, value=field_value_text(ctx, f.key, draft))
        for f in FIELDS
        if f.key in _fields_needed(ctx)
    )
    summary = msg("registration.summary", lines=lines)
    return Reply.of(summary, msg("registration.ask_submit"), choices=(_SUBMIT, _CHANGE))


def _on_summary(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHANGE.id:
        return Goto("change_which", data)
    draft = RegistrationData.load(data)
    saved = draft.dump()
    sent = {key: saved[key] for key in (*_fields_needed(ctx), "female", "job_text") if draft.answered(key)}
    return Fetch(SubmitRegistration(sent, on_behalf=draft.for_other), then=_on_submitted)


def _ask_change_which(ctx: Context, _: Data) -> Reply:
    choices = tuple(Choice(f.key, f.label) for f in FIELDS if f.key in _fields_needed(ctx))
    return Reply.of(msg("registration.ask_change_which"), choices=choices)


def _on_change_which(ctx: Context, data: Data, answer: Answer) -> Transition:
    field = str(answer.choice)
    dropped = {field, "job_text"} if field == "job_type" else {field}
    cleared = RegistrationData.load(data).but(**dict.fromkeys(dropped))
    return Goto(_next(ctx, cleared), cleared.dump())


def _on_submitted(ctx: Context, data: Data, result: Submitted | AlreadyRegistered) -> Transition:
    if isinstance(result, AlreadyRegistered):
        return Finish(say=(Reply.of(msg("registration.nik_registered", call_centre=ctx.programme.call_centre)),))
    done = Reply.of(msg("registration.submitted", number=result.registration_id))
    if RegistrationData.load(data).for_other:
        return Goto("another", RegistrationData(for_other=True).dump(), say=(done,))
    return Finish(say=(done,))


def _ask_another(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_another"), choices=YES_NO)


def _on_another(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Finish(then="registration", then_data=RegistrationData(for_other=True).dump())
    return Finish(say=(Reply.of(msg("registration.thanks_leader")),))


registration_flow = Flow(
    id="registration",
    version=1,
    title=msg("registration.title"),
    start=_start,
    needs_consent=True,
    resumable=True,
    steps={
        "resume": Step(ask=_ask_resume, on_answer=_on_resume),
        "whom": Step(ask=_ask_whom, on_answer=_on_whom),
        "neighbour_consent": Step(ask=_ask_neighbour_consent, on_answer=_on_neighbour_consent),
        **{key: _text_step(key) for key in ("nik", "full_name", "birth_date", "rt", "rw", "street", "phone")},
        "which_is_wrong": Step(ask=_ask_which_is_wrong, on_answer=_on_which_is_wrong),
        **place_steps(
            then=_go_next,
            on_outside=lambda _, __: Invalid(msg("registration.must_live_here")),
            data_class=RegistrationData,
            about_other=_about_other,
        ),
        **job_steps(then=_go_next, data_class=RegistrationData, about_other=_about_other),
        "breadwinner": Step(ask=_ask_breadwinner, on_answer=_on_breadwinner),
        "poverty": Step(ask=_ask_poverty, on_answer=_on_poverty),
        "summary": Step(ask=_ask_summary, on_answer=_on_summary),
        "change_which": Step(ask=_ask_change_which, on_answer=_on_change_which),
        "another": Step(ask=_ask_another, on_answer=_on_another),
    },
    aliases=("daftar", "pendaftaran", "registrasi", "mau daftar", "daftarkan"),
    data=RegistrationData,
)
