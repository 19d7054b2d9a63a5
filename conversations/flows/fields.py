"""The registration form's fields: how each is asked, checked and shown. Used when registering and
when correcting a registration later, so both check the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.dates import parse_date
from conversations.flow import ANSWER_LIMIT, Context, Data, TextLimit
from conversations.flow_data import FlowData
from conversations.flows.common import NO, UNKNOWN, YES
from conversations.flows.jobs import OTHER_JOB, job_name
from conversations.flows.places import kelurahan_name
from conversations.messages import Msg, msg
from conversations.names import looks_like_a_name
from conversations.nik import Nik, NikProblem, mask_nik, mask_niks, parse_nik, problems_with_birth_date
from conversations.questions.desk import has_a_question_word
from conversations.state import Json

__all__ = [
    "FIELDS",
    "NIK_PROBLEMS",
    "QUESTIONS",
    "Checked",
    "Draft",
    "Field",
    "YesNoUnknown",
    "check_text_field",
    "field_limit",
    "field_value_text",
    "normalise_phone",
]

_RT_RW = re.compile(r"^(?:rt|rw|no|nomor)?\.?\s*0*(\d{1,3})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^(?:\+?62|0)(8\d{7,11})$")


YesNoUnknown = Literal["yes", "no", "unknown"]  # the ids of common.YES_NO_UNKNOWN


@dataclass(frozen=True, slots=True)
class Draft(FlowData):
    """The form's answers as a flow keeps them, under the keys of FIELDS; None: not answered yet."""

    nik: str | None = None
    female: bool | None = None  # read from the NIK
    full_name: str | None = None
    birth_date: date | None = None
    kelurahan_code: str | None = None
    rt: str | None = None
    rw: str | None = None
    street: str | None = None
    job_type: str | None = None
    job_text: str | None = None  # the work in the person's words, when it was typed
    phone: str | None = None  # "" for a neighbour without one
    breadwinner: bool | None = None
    poverty_register: YesNoUnknown | None = None


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # in the draft
    step: str  # the step that asks it
    label: Msg  # its name on the summary and in "which field to change?"


FIELDS: tuple[Field, ...] = (
    Field("nik", "nik", msg("field.nik")),
    Field("full_name", "full_name", msg("field.full_name")),
    Field("birth_date", "birth_date", msg("field.birth_date")),
    Field("kelurahan_code", "kelurahan", msg("field.kelurahan")),
    Field("rt", "rt", msg("field.rt")),
    Field("rw", "rw", msg("field.rw")),
    Field("street", "street", msg("field.street")),
    Field("job_type", "job", msg("field.job")),
    Field("phone", "phone", msg("field.phone")),
    Field("breadwinner", "breadwinner", msg("field.breadwinner")),
    Field("poverty_register", "poverty", msg("field.poverty_register")),
)


# The longest answer each text field takes (the engine refuses more, with the count); the rest take
# flow.ANSWER_LIMIT. The store's columns are as wide.
_LIMITS = {
    "full_name": TextLimit(100, msg("limit.name")),
    "street": TextLimit(200, msg("limit.street")),
}


def field_limit(key: str) -> TextLimit:
    return _LIMITS.get(key, ANSWER_LIMIT)


# (field, asked about somebody else) → the question
QUESTIONS = {
    ("nik", False): "registration.ask_nik_self",
    ("nik", True): "registration.ask_nik_other",
    ("full_name", False): "registration.ask_full_name_self",
    ("full_name", True): "registration.ask_full_name_other",
    ("breadwinner", False): "registration.ask_breadwinner_self",
    ("breadwinner", True): "registration.ask_breadwinner_other",
    ("phone", True): "registration.ask_phone_other",
    ("phone", False): "registration.ask_phone",
    ("birth_date", False): "registration.ask_birth_date",
    ("birth_date", True): "registration.ask_birth_date",
    ("rt", False): "registration.ask_rt",
    ("rt", True): "registration.ask_rt",
    ("rw", False): "registration.ask_rw",
    ("rw", True): "registration.ask_rw",
    ("street", False): "registration.ask_street",
    ("street", True): "registration.ask_street",
}


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked answer: the values to store, or the problem to tell the person."""

    values: dict[str, Json]
    problem: Msg | None = None
    contradicts_nik: bool = False  # the birth date given is not the one inside the NIK


NIK_PROBLEMS = {
    NikProblem.NOT_16_DIGITS: msg("nik.not_16_digits"),
    NikProblem.UNKNOWN_PROVINCE: msg("nik.unknown_province"),
    NikProblem.BAD_DAY: msg("nik.bad_day"),
    NikProblem.BAD_MONTH: msg("nik.bad_month"),
    NikProblem.IMPOSSIBLE_DATE: msg("nik.impossible_date"),
    NikProblem.SERIAL_ZERO: msg("nik.serial_zero"),
    NikProblem.IN_THE_FUTURE: msg("nik.in_the_future"),
    NikProblem.DATE_DIFFERS: msg("nik.date_differs"),
    NikProblem.SEVERAL: msg("nik.several"),
}


def check_text_field(ctx: Context, key: str, text: str, draft: Draft | Data) -> Checked:
    """Check a typed answer for one of the text fields (NIK, name, birth date, RT, RW, street, phone);
    `draft` holds the answers given so far (the NIK and the birth date are checked against each other).
    A Mapping is read as a Draft's saved form, for callers that keep no Draft (accident_report)."""
    checker = _CHECKERS.get(key)
    if checker is None:
        raise ValueError(f"not a text field: {key}")
    said = " ".join(text.split())
    known = draft if isinstance(draft, Draft) else Draft.load(draft)
    # A NIK belongs in the NIK field only: typed anywhere else (a street), it is kept masked.
    return checker(ctx, said if key == "nik" else mask_niks(said), known)


def _check_nik(ctx: Context, said: str, draft: Draft) -> Checked:
    """The NIK typed alone or inside a sentence ("sy sendiri, 3375…"); two different ones: asked again."""
    nik = parse_nik(said, ctx.today)
    if isinstance(nik, NikProblem):
        return Checked({}, NIK_PROBLEMS[nik])
    birth = draft.birth_date
    if birth is not None and problems_with_birth_date(nik, birth) is not None:
        return Checked({}, msg("nik.date_differs_from_birth_date", nik_date=nik.birth_date))
    return Checked({"nik": nik.digits, "female": nik.female})


def _check_name(_: Context, said: str, __: Draft) -> Checked:
    # "gimana nasib saya nanti" is letters and spaces, but a question is never someone's name
    if not looks_like_a_name(said) or has_a_question_word(said):
        return Checked({}, msg("registration.bad_name"))
    return Checked({"full_name": said})


def _check_birth_date(ctx: Context, said: str, draft: Draft) -> Checked:
    born = parse_date(said, ctx.today)
    if born is None:
        return Checked({}, msg("registration.bad_birth_date"))
    nik = parse_nik(draft.nik, ctx.today) if draft.nik is not None else None
    if isinstance(nik, Nik) and problems_with_birth_date(nik, born) is not None:
        return Checked({}, msg("registration.birth_date_differs", nik_date=nik.birth_date), contradicts_nik=True)

    return Checked({"birth_date": born.isoformat()})


def _check_rt_rw(key: str) -> Callable[[Context, str, Draft], Checked]:
    def check(_: Context, said: str, __: Draft) -> Checked:
        number = _RT_RW.match(said.casefold())
        if number is None or int(number.group(1)) == 0:
            return Checked({}, msg("registration.bad_rt" if key == "rt" else "registration.bad_rw"))
        return Checked({key: f"{int(number.group(1)):03d}"})

    return check


def _check_street(_: Context, said: str, __: Draft) -> Checked:
    if not 3 <= len(said) <= 200:
        return Checked({}, msg("registration.bad_street"))
    return Checked({"street": said})


def _check_phone(_: Context, said: str, __: Draft) -> Checked:
    phone = normalise_phone(said)
    if phone is None:
        return Checked({}, msg("registration.bad_phone"))
    return Checked({"phone": phone})


_CHECKERS: dict[str, Callable[[Context, str, Draft], Checked]] = {
    "nik": _check_nik,
    "full_name": _check_name,
    "birth_date": _check_birth_date,
    "rt": _check_rt_rw("rt"),
    "rw": _check_rt_rw("rw"),
    "street": _check_street,
    "phone": _check_phone,
}


def normalise_phone(text: str) -> str | None:
    """An Indonesian mobile number as 62…: "0812-3456-7890", "+62 812 3456 7890" → "6281234567890"."""
    found = _PHONE.match(_PHONE_SEPARATORS.sub("", text))
    return "62" + found.group(1) if found else None


def field_value_text(ctx: Context, key: str, draft: Draft | Data) -> Msg:
    """How a stored value reads on the summary (the NIK masked). A Mapping is read as a Draft's saved
    form, for callers that keep no Draft (accident_report)."""
    known = draft if isinstance(draft, Draft) else Draft.load(draft)
    empty = msg("field.empty")
    match key:
        case "nik":
            return msg("field.value", value=mask_nik(known.nik)) if known.nik else empty
        case "birth_date":
            return msg("field.date", date=known.birth_date) if known.birth_date else empty
        case "kelurahan_code":
            return (
                msg("field.value", value=kelurahan_name(ctx, known.kelurahan_code)) if known.kelurahan_code else empty
            )
        case "job_type":
            if not known.job_type:
                return empty
            name = job_name(ctx, known.job_type)
            if known.job_text and known.job_type == OTHER_JOB:
                return msg("field.job_value", job=name, said=known.job_text)
            return msg("field.value", value=name)
        case "phone":
            phone = known.phone
            if not phone:
                return empty
            return msg("field.value", value="0" + phone[2:] if phone.startswith("62") else phone)
        case "breadwinner":
            return empty if known.breadwinner is None else YES.label if known.breadwinner else NO.label
        case "poverty_register":
            labels = {YES.id: YES.label, NO.id: NO.label, UNKNOWN.id: UNKNOWN.label}
            return labels[known.poverty_register] if known.poverty_register else empty
    value = {"full_name": known.full_name, "rt": known.rt, "rw": known.rw, "street": known.street}.get(key)
    return msg("field.value", value=value) if value else empty
