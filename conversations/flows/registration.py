"""Daftar: the privacy notice and consent first (the engine puts it in front), then one field per
message, a summary where any field can be changed, and the submission. A registration left halfway is
kept (the flow is resumable) and offered again when the person comes back. An RT/RW leader can
register neighbours, whose consent is recorded as given through the leader."""

from __future__ import annotations

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
from conversations.flows.common import YES, YES_NO, YES_NO_UNKNOWN, updated
from conversations.flows.fields import (
    FIELDS,
    QUESTIONS,
    Checked,
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
from conversations.state import Json

__all__ = ["LEADER_ROLE", "registration_flow"]

LEADER_ROLE = "rtrw"
_SELF = Choice("self", msg("registration.for_self"), ("saya", "diri sendiri", "sendiri"))
_OTHER = Choice("other", msg("registration.for_neighbour"), ("warga", "tetangga", "orang lain"))
_CONTINUE = Choice("continue", msg("registration.continue"), ("lanjut", "lanjutkan", "teruskan"))
_RESTART = Choice("restart", msg("registration.restart"), ("ulang", "mulai baru", "dari awal", "baru"))
_SUBMIT = Choice("submit", msg("registration.submit"), ("kirim", "ya", "benar", "sudah benar", "daftar"))
_CHANGE = Choice("change", msg("registration.change"), ("ubah", "ganti", "perbaiki", "salah"))
_NO_PHONE = ("-", "tidak ada", "tidak punya", "gak ada", "ga ada")


def _is_leader(contact: ContactInfo) -> bool:
    return LEADER_ROLE in contact.roles


def _fields_needed(ctx: Context) -> list[str]:
    rules = ctx.programme.eligibility
    skip = {"breadwinner"} if not rules.asks_breadwinner else set()
    if not rules.asks_poverty_register:
        skip.add("poverty_register")
    return [f.key for f in FIELDS if f.key not in skip]


def _next(ctx: Context, data: Data) -> str:
    """The step for the first field still missing; the summary when none is."""
    missing = next((key for key in _fields_needed(ctx) if key not in data), None)
    return next((f.step for f in FIELDS if f.key == missing), "summary") if missing else "summary"


def _go_next(ctx: Context, data: Data) -> Transition:
    return Goto(_next(ctx, data), data)


# ---- start, resume, for whom ---------------------------------------------------------------------


def _start(ctx: Context, data: Data) -> Transition:
    if any(f.key in data for f in FIELDS) and "prefill" not in data:
        return Goto("resume", data)  # a draft left halfway
    draft: dict[str, Json] = {}
    prefill = data.get("prefill")
    if isinstance(prefill, dict):
        draft.update(prefill)
    if data.get("for_other") is True:
        return Goto("neighbour_consent", updated(draft, for_other=True))
    if _is_leader(ctx.contact):
        return Goto("whom", draft)
    return _for_self(ctx, draft)


def _for_self(ctx: Context, draft: Data) -> Transition:
    data = updated(draft, for_other=False)
    if ctx.contact.phone and "phone" not in data and (phone := normalise_phone(ctx.contact.phone)):
        data["phone"] = phone  # WhatsApp gives the number: no need to ask it
    return Goto(_next(ctx, data), data, say=(Reply.of(msg("registration.intro")),))


def _ask_resume(ctx: Context, data: Data) -> Reply:
    done = sum(1 for key in _fields_needed(ctx) if key in data)
    total = len(_fields_needed(ctx))
    return Reply.of(msg("registration.resume", done=done, total=total), choices=(_CONTINUE, _RESTART))


def _on_resume(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CONTINUE.id:
        return Goto(_next(ctx, data), data)
    return _start(ctx, {"for_other": True} if data.get("for_other") is True else {})


def _ask_whom(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_whom"), choices=(_SELF, _OTHER))


def _on_whom(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _OTHER.id:
        return Goto("neighbour_consent", updated(data, for_other=True))
    return _for_self(ctx, data)


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
    consented = updated(data, consent_via="operator")
    return Goto(
        _next(ctx, consented),
        consented,
        effects=(Audit("consent.via_operator", {"notice": NOTICE_VERSION}),),
    )


# ---- the text fields ------------------------------------------------------------------------------


def _text_step(key: str) -> Step:
    def ask(_: Context, data: Data) -> Reply:
        whose = "other" if data.get("for_other") is True else "self"
        return Reply.of(msg(QUESTIONS[key, whose == "other"]))

    def on_answer(ctx: Context, data: Data, answer: Answer) -> Transition:
        if key == "phone" and answer.phone:  # a contact shared with the Telegram button
            checked = check_text_field(ctx, key, answer.phone, data)
        elif key == "phone" and data.get("for_other") is True and answer.text.strip().casefold() in _NO_PHONE:
            checked = Checked({"phone": ""})
        else:
            checked = check_text_field(ctx, key, answer.text, data)
        if checked.contradicts_nik and checked.problem is not None:
            return Goto("which_is_wrong", data, say=(Reply.of(checked.problem),))
        if checked.problem is not None:
            return Invalid(checked.problem)
        new = updated(data, **checked.values)
        if key == "nik":
            return Fetch(CheckNik(str(checked.values["nik"])), then=_on_nik_checked, data=new)
        return Goto(_next(ctx, new), new)

    return Step(ask=ask, on_answer=on_answer, limit=field_limit(key), asks_nik=key == "nik")


_DATE_WRONG = Choice("date", msg("registration.date_is_wrong"), ("tanggal", "tanggal lahir"))
_NIK_WRONG = Choice("nik", msg("registration.nik_is_wrong"), ("nik", "nik salah"))


def _ask_which_is_wrong(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_which_is_wrong"), choices=(_DATE_WRONG, _NIK_WRONG))


def _on_which_is_wrong(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _NIK_WRONG.id:
        return Goto("nik", {key: value for key, value in data.items() if key not in ("nik", "female")})
    return Goto("birth_date", data)


def _on_nik_checked(ctx: Context, data: Data, result: object) -> Transition:
    if isinstance(result, NikCheck) and result.registered:
        said = "registration.nik_registered_yours" if result.mine else "registration.nik_registered"
        return Finish(say=(Reply.of(msg(said, call_centre=ctx.programme.call_centre)),))
    return Goto(_next(ctx, data), data)


# ---- yes / no fields -----------------------------------------------------------------------------


def _ask_breadwinner(_: Context, data: Data) -> Reply:
    whose = "other" if data.get("for_other") is True else "self"
    return Reply.of(msg(QUESTIONS["breadwinner", whose == "other"]), choices=YES_NO)


def _on_breadwinner(ctx: Context, data: Data, answer: Answer) -> Transition:
    new = updated(data, breadwinner=answer.choice == YES.id)
    return Goto(_next(ctx, new), new)


def _ask_poverty(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_poverty(ctx: Context, data: Data, answer: Answer) -> Transition:
    new = updated(data, poverty_register=str(answer.choice))
    return Goto(_next(ctx, new), new)


# ---- summary, changes, submission -----------------------------------------------------------------


def _ask_summary(ctx: Context, data: Data) -> Reply:
    lines = tuple(
        msg("field.line", label=f.label, value=field_value_text(ctx, f.key, data))
        for f in FIELDS
        if f.key in _fields_needed(ctx)
    )
    summary = msg("registration.summary", lines=lines)
    return Reply.of(summary, msg("registration.ask_submit"), choices=(_SUBMIT, _CHANGE))


def _on_summary(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHANGE.id:
        return Goto("change_which", data)
    draft = {key: data[key] for key in (*_fields_needed(ctx), "female", "job_text") if key in data}
    return Fetch(SubmitRegistration(draft, on_behalf=data.get("for_other") is True), then=_on_submitted)


def _ask_change_which(ctx: Context, _: Data) -> Reply:
    choices = tuple(Choice(f.key, f.label) for f in FIELDS if f.key in _fields_needed(ctx))
    return Reply.of(msg("registration.ask_change_which"), choices=choices)


def _on_change_which(ctx: Context, data: Data, answer: Answer) -> Transition:
    field = str(answer.choice)
    dropped = {field, "job_text"} if field == "job_type" else {field}
    cleared = {key: value for key, value in data.items() if key not in dropped}
    return Goto(_next(ctx, cleared), cleared)


def _on_submitted(ctx: Context, data: Data, result: object) -> Transition:
    if isinstance(result, AlreadyRegistered):
        return Finish(say=(Reply.of(msg("registration.nik_registered", call_centre=ctx.programme.call_centre)),))
    assert isinstance(result, Submitted)
    done = Reply.of(msg("registration.submitted", number=result.registration_id))
    if data.get("for_other") is True:
        return Goto("another", {"for_other": True}, say=(done,))
    return Finish(say=(done,))


def _ask_another(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_another"), choices=YES_NO)


def _on_another(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Finish(then="registration", then_data={"for_other": True})
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
        **place_steps(then=_go_next, on_outside=lambda _, __: Invalid(msg("registration.must_live_here"))),
        **job_steps(then=_go_next),
        "breadwinner": Step(ask=_ask_breadwinner, on_answer=_on_breadwinner),
        "poverty": Step(ask=_ask_poverty, on_answer=_on_poverty),
        "summary": Step(ask=_ask_summary, on_answer=_on_summary),
        "change_which": Step(ask=_ask_change_which, on_answer=_on_change_which),
        "another": Step(ask=_ask_another, on_answer=_on_another),
    },
    aliases=("daftar", "pendaftaran", "registrasi", "mau daftar", "daftarkan"),
)
