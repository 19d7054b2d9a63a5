"""Lapor kecelakaan kerja: a guided report of a suspected work accident, which the worker, the family
or the worker's group may make (Permenaker 1/2025 Pasal 48A). Who (NIK, KPJ, or not known: the report
is never blocked), what happened, where, when, where treated, and the reporter's contact; a summary
where anything can be changed; then it is stored and the Dinas admins are told. The last messages are
what the family takes to the BPJS Ketenagakerjaan branch before the first-report deadline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.coverage import Membership, Verdict, coverage_on
from conversations.dates import DayAndTime, age_on, date_ahead, parse_day_and_time, parse_time
from conversations.flow import (
    Answer,
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
from conversations.flows.common import UNKNOWN
from conversations.flows.fields import check_text_field, field_value_text, normalise_phone
from conversations.messages import Choice, Msg, Reply, msg
from conversations.nik import NikProblem, mask_nik, nik_in_answer
from conversations.programme import Programme
from conversations.requests.accidents import (
    AccidentReported,
    FindParticipant,
    ParticipantFound,
    ParticipantNotFound,
    SubmitAccidentReport,
)
from conversations.state import Json
from conversations.text import normalise, words

__all__ = ["accident_report_flow", "report_deadline", "worker_text"]

_NIK_DIGITS = 16
_KPJ_DIGITS = 11
# The store keeps this much of the free texts (bot/desks/accidents.py): the engine refuses a longer
# answer with its count, never cuts it.
_WHAT = TextLimit(500, msg("limit.description"))
_PLACE = TextLimit(200, msg("limit.place"))
_WHAT_MIN_WORDS = 2
_WHAT_MIN_LETTERS = 10
_PLACE_MIN_CHARS = 3
_END_OF_DAY = time(23, 59)

_NOT_KNOWN = Choice("unknown", msg("accident.worker_not_known"), (*UNKNOWN.aliases, "lupa", "tidak ada"))
_TODAY = Choice("today", msg("accident.today"), ("hari ini", "tadi", "tadi pagi", "tadi siang", "tadi sore", "barusan"))
_YESTERDAY = Choice(
    "yesterday",
    msg("accident.yesterday"),
    ("kemarin", "kemaren", "kmrn", "kemarin pagi", "kemarin siang", "kemarin sore"),
)
_TIME_NOT_KNOWN = Choice("unknown", msg("accident.time_not_known"), (*UNKNOWN.aliases, "lupa", "-"))
_TREATED = (
    Choice("puskesmas", msg("accident.treated_puskesmas"), ("pkm",)),
    Choice("rumah_sakit", msg("accident.treated_hospital"), ("rs", "rsud", "rumah sakit")),
    Choice("klinik", msg("accident.treated_clinic"), ("klinik",)),
    Choice("not_treated", msg("accident.treated_not_yet"), ("belum", "tidak dirawat", "belum berobat")),
)
_USE_KNOWN_PHONE = Choice("known_phone", msg("accident.use_this_phone"), ("ya", "iya", "benar", "betul", "ok"))
_RELATIONS = (
    Choice("self", msg("accident.relation_self"), ("saya", "sendiri", "saya sendiri", "pekerja")),
    Choice("family", msg("accident.relation_family"), ("keluarga", "istri", "suami", "anak", "orang tua")),
    Choice("coworker", msg("accident.relation_coworker"), ("teman", "teman kerja", "kelompok", "paguyuban")),
    Choice("other", msg("accident.relation_other"), ("lain", "lainnya", "tetangga", "petugas")),
)
_SEND = Choice("send", msg("accident.send"), ("kirim", "ya", "benar", "sudah benar", "lapor"))
_CHANGE = Choice("change", msg("accident.change"), ("ubah", "ganti", "perbaiki", "salah"))
_CONTINUE = Choice("continue", msg("accident.continue"), ("lanjut", "lanjutkan", "teruskan"))
_RESTART = Choice("restart", msg("accident.restart"), ("ulang", "mulai baru", "dari awal", "baru"))

_SEPARATORS = re.compile(r"[\s.\-_/]+")
_NUMBER_LABEL = re.compile(r"^(?:no|nomor|nomer)?\.?\s*(?:nik|kpj|ktp)?\s*[:.]?\s*")


@dataclass(frozen=True, slots=True)
class _Part:
    """One line of the summary: the data keys it holds, the step that asks it, and its label."""

    id: str
    keys: tuple[str, ...]
    step: str
    label: Msg


_PARTS: tuple[_Part, ...] = (
    _Part("who", ("nik", "kpj"), "who", msg("accident.field_worker")),
    _Part("what", ("what",), "what", msg("accident.field_what")),
    _Part("place", ("place",), "place", msg("accident.field_place")),
    _Part("when", ("occurred_on", "occurred_time"), "date", msg("accident.field_when")),
    _Part("treated", ("treated_at",), "treated", msg("accident.field_treated")),
    _Part("phone", ("reporter_phone",), "phone", msg("accident.field_phone")),
    _Part("relation", ("relation",), "relation", msg("accident.field_relation")),
)
# Within a part, the step for each key still missing ("when" is asked as a date, then a time).
_STEP_FOR_KEY = {"occurred_time": "time"}
_REPORT_KEYS = tuple(key for part in _PARTS for key in part.keys)


@dataclass(frozen=True, slots=True)
class MembershipFacts(FlowData):
    status: str = ""
    coverage_start: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True, slots=True)
class AccidentData(FlowData):
    """The report as it is being told; None: not asked yet ("" is an answer: not known, no time)."""

    nik: str | None = None
    kpj: str | None = None
    what: str | None = None
    place: str | None = None
    occurred_on: date | None = None
    occurred_time: str | None = None  # "HH:MM", or "" when not known
    treated_at: str | None = None
    reporter_phone: str | None = None
    relation: str | None = None
    # What the programme's records say of the worker (None: not found, or not looked up)
    membership: MembershipFacts | None = None


def _next(data: AccidentData) -> str:
    """The step for the first answer still missing; the summary when none is."""
    missing = next((key for key in _REPORT_KEYS if not data.answered(key)), None)
    if missing is None:
        return "summary"
    part = next(p for p in _PARTS if missing in p.keys)
    return _STEP_FOR_KEY.get(missing, part.step)


def _go_next(data: AccidentData, *say: Reply) -> Goto:
    return Goto(_next(data), data.dump(), say=say)


# ---- the deadline -------------------------------------------------------------------------------


def report_deadline(programme: Programme, occurred_on: date, occurred_time: str) -> datetime:
    """When the first report (Formulir 3) is due, in the programme's time zone: the accident's time plus
    the hours the rules give; without a time, counted from the end of that day."""
    at = time.fromisoformat(occurred_time) if occurred_time else _END_OF_DAY
    start = datetime.combine(occurred_on, at, tzinfo=ZoneInfo(programme.timezone))
    return start + timedelta(hours=programme.benefits.jkk.accident_report_hours)


def _stored_time(data: AccidentData) -> str:
    said = data.occurred_time or ""
    try:
        return time.fromisoformat(said).strftime("%H:%M") if said else ""
    except ValueError:
        return ""


def _moment(when: datetime) -> Msg:
    return msg("accident.moment", date=when.date(), hour=f"{when:%H}", minute=f"{when:%M}", zone=when.tzname() or "")


def _deadline_said(ctx: Context, data: AccidentData) -> tuple[Msg, ...]:
    """The deadline, or that it has passed (the report is still taken), and how it was counted."""
    occurred_on = data.occurred_on
    if occurred_on is None:
        return ()
    occurred_time = _stored_time(data)
    deadline = report_deadline(ctx.programme, occurred_on, occurred_time)
    jkk = ctx.programme.benefits.jkk
    said: list[Msg] = []
    if ctx.now > deadline:
        said.append(msg("accident.deadline_passed", hours=jkk.accident_report_hours, deadline=_moment(deadline)))
    else:
        said.append(msg("accident.deadline_ahead", hours=jkk.accident_report_hours, deadline=_moment(deadline)))
    if not occurred_time:
        said.append(msg("accident.deadline_from_day_end"))
    if age_on(occurred_on, ctx.today) >= jkk.claim_deadline_years:  # whole years since
        said.append(
            msg("accident.claim_may_have_lapsed", years=jkk.claim_deadline_years, call_centre=ctx.programme.call_centre)
        )
    return tuple(said)


# ---- start, resume --------------------------------------------------------------------------------


def _start(ctx: Context, data: Data) -> Transition:
    if any(AccidentData.load(data).answered(key) for key in _REPORT_KEYS):
        return Goto("resume", data)  # a report left halfway
    intro = msg(
        "accident.intro", hours=ctx.programme.benefits.jkk.accident_report_hours, dinas=ctx.programme.dinas_name
    )
    return Goto("who", {}, say=(Reply.of(intro),))


def _ask_resume(_: Context, data: Data) -> Reply:
    saved = AccidentData.load(data)
    done = sum(1 for part in _PARTS if all(saved.answered(key) for key in part.keys))
    return Reply.of(msg("accident.resume", done=done, total=len(_PARTS)), choices=(_CONTINUE, _RESTART))


def _on_resume(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CONTINUE.id:
        return _go_next(AccidentData.load(data))
    return _start(ctx, {})


# ---- who ----------------------------------------------------------------------------------------


def _ask_who(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_who"), choices=(_NOT_KNOWN,))


def _on_who(ctx: Context, data: Data, answer: Answer) -> Transition:
    saved = AccidentData.load(data)
    if answer.choice == _NOT_KNOWN.id:
        return _go_next(saved.but(nik="", kpj=""), Reply.of(msg("accident.worker_not_known_ok")))
    worker = _read_worker(ctx, answer.text)
    if isinstance(worker, Msg):
        return Invalid(worker)
    nik, kpj = worker
    new = saved.but(nik=nik, kpj=kpj).dump()
    return Fetch(FindParticipant(nik=nik, kpj=kpj), then=_on_worker_found, data=new)


def _read_worker(ctx: Context, text: str) -> tuple[str, str] | Msg:
    """A NIK (checked the way registration checks it, alone or inside a sentence) or a KPJ number, or
    what to type instead."""
    digits = _SEPARATORS.sub("", _NUMBER_LABEL.sub("", normalise(text)))
    typed_alone = digits.isascii() and digits.isdigit()
    if typed_alone and len(digits) == _KPJ_DIGITS:
        return ("", digits)
    if typed_alone and len(digits) != _NIK_DIGITS:
        return msg("accident.bad_worker_digits", count=len(digits))
    if not typed_alone and nik_in_answer(text) is NikProblem.NOT_16_DIGITS:
        return msg("accident.bad_worker")
    checked = check_text_field(ctx, "nik", digits if typed_alone else text, {})
    if checked.problem is not None:
        return checked.problem
    return (str(checked.values["nik"]), "")


def _on_worker_found(ctx: Context, data: Data, result: ParticipantFound | ParticipantNotFound) -> Transition:
    saved = AccidentData.load(data)
    if isinstance(result, ParticipantFound):
        membership = result.membership
        facts = MembershipFacts(membership.status, membership.coverage_start, membership.ended_on)
        found = saved.but(membership=facts)
        return _go_next(found, Reply.of(msg("accident.worker_found"), *_coverage_said(ctx, found)))
    not_found = saved.but(membership=None)
    return _go_next(not_found, Reply.of(msg("accident.worker_not_found"), *_coverage_said(ctx, not_found)))


def _coverage_said(ctx: Context, data: AccidentData) -> tuple[Msg, ...]:
    """Whether the worker was protected on the day of the accident (conversations/coverage.py), once
    both the worker and the day are known; nothing before."""
    day = data.occurred_on
    if day is None or data.nik is None:
        return ()
    facts = data.membership
    membership = None if facts is None else Membership(facts.status, facts.coverage_start, facts.ended_on)
    coverage = coverage_on(membership, day)
    programme = ctx.programme
    if coverage.verdict is Verdict.COVERED:
        return (msg("accident.covered", date=day, start=coverage.start or day),)
    if coverage.verdict is Verdict.UNCONFIRMED:
        return (msg("accident.unconfirmed", date=day, call_centre=programme.call_centre),)
    if coverage.verdict is Verdict.ENDED:
        said = msg("accident.not_covered_ended", date=day, ended=coverage.ended_on or day, programme=programme.name)
    elif coverage.start is not None:
        said = msg("accident.not_covered_before_start", date=day, start=coverage.start, programme=programme.name)
    else:  # the registration's status is the worker's and the Dinas's to know, not the reporter's
        said = msg("accident.not_covered_pending", date=day, programme=programme.name)
    return (said, msg("accident.not_covered_help", call_centre=programme.call_centre))


# ---- what and where -----------------------------------------------------------------------------


def _worker_known(data: Data) -> bool:
    saved = AccidentData.load(data)
    return bool(saved.nik or saved.kpj)


def _ask_what(_: Context, data: Data) -> Reply:
    return Reply.of(msg("accident.ask_what" if _worker_known(data) else "accident.ask_what_and_name"))


def _on_what(_: Context, data: Data, answer: Answer) -> Transition:
    said = answer.text
    letters = sum(1 for ch in said if ch.isalpha())
    if len(words(said)) < _WHAT_MIN_WORDS or letters < _WHAT_MIN_LETTERS:
        return Invalid(msg("accident.what_too_short"))
    return _go_next(AccidentData.load(data).but(what=said))


def _ask_place(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_place"))


def _on_place(_: Context, data: Data, answer: Answer) -> Transition:
    said = answer.text
    if len(said) < _PLACE_MIN_CHARS or not any(ch.isalpha() for ch in said):
        return Invalid(msg("accident.bad_place"))
    return _go_next(AccidentData.load(data).but(place=said))


# ---- when ---------------------------------------------------------------------------------------


def _ask_date(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_date"), choices=(_TODAY, _YESTERDAY))


def _on_date(ctx: Context, data: Data, answer: Answer) -> Transition:
    """The day; a time said with it ("td pagi jam 7") is kept too, and the time is not asked."""
    read = _read_date(answer, ctx.today)
    if isinstance(read, Msg):
        return Invalid(read)
    dated = AccidentData.load(data).but(occurred_on=read.day)
    coverage = _coverage_said(ctx, dated)
    said = [Reply.of(*coverage)] if coverage else []
    if read.time is not None and _not_yet(ctx, read.day, read.time):
        said.append(Reply.of(msg("accident.time_in_future")))  # the day is kept; the time is asked
    elif read.time is not None:
        dated = dated.but(occurred_time=read.time.strftime("%H:%M"))
    return _go_next(dated, *said)


def _read_date(answer: Answer, today: date) -> DayAndTime | Msg:
    """What was typed ("kemarin sore jam 4", "19/11", "3 hari lalu"), else the choice picked."""
    said = parse_day_and_time(answer.text, today)
    if said is not None:
        return said
    if answer.choice == _TODAY.id:
        return DayAndTime(today)
    if answer.choice == _YESTERDAY.id:
        return DayAndTime(today - timedelta(days=1))
    if date_ahead(answer.text, today) is not None:
        return msg("accident.date_in_future", today=today)
    return msg("accident.bad_date")


def _not_yet(ctx: Context, day: date, at: time) -> bool:
    """A time later today than now: it has not happened."""
    local_now = ctx.now.astimezone(ZoneInfo(ctx.programme.timezone))
    return day == local_now.date() and at > local_now.time()


def _ask_time(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_time"), choices=(_TIME_NOT_KNOWN,))


def _on_time(ctx: Context, data: Data, answer: Answer) -> Transition:
    saved = AccidentData.load(data)
    if answer.choice == _TIME_NOT_KNOWN.id:
        return _go_next(saved.but(occurred_time=""))
    at = _read_time(answer.text, saved.occurred_on, ctx.today)
    if at is None:
        return Invalid(msg("accident.bad_time"))
    if saved.occurred_on is not None and _not_yet(ctx, saved.occurred_on, at):
        return Invalid(msg("accident.time_in_future"))
    return _go_next(saved.but(occurred_time=at.strftime("%H:%M")))


def _read_time(text: str, occurred_on: date | None, today: date) -> time | None:
    """ "14.30", "jam 2 siang", "setengah 8 pagi"; or the day again with its time ("tadi pagi jam 7")."""
    at = parse_time(text)
    if at is not None:
        return at
    said = parse_day_and_time(text, today)
    return said.time if said is not None and said.day == occurred_on else None


# ---- where treated --------------------------------------------------------------------------------


def _ask_treated(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_treated"), choices=_TREATED)


def _on_treated(ctx: Context, data: Data, answer: Answer) -> Transition:
    said = " ".join(answer.text.split())
    picked = next((c for c in _TREATED if c.id == answer.choice), None)
    # A picked choice is kept as its Indonesian label, which the Dinas reads; a longer answer that only
    # resembles one ("rumah sakit Bendan") is kept as typed.
    saved = AccidentData.load(data)
    if picked is not None and len(words(said)) <= 2:
        return _go_next(saved.but(treated_at=ctx.renderer.render(picked.label, "id")))
    if len(said) < _PLACE_MIN_CHARS or not any(ch.isalpha() for ch in said):
        return Invalid(msg("accident.bad_treated"))
    return _go_next(saved.but(treated_at=said))


def _treated_text(ctx: Context, stored: str) -> Msg:
    label = next((c.label for c in _TREATED if ctx.renderer.render(c.label, "id") == stored), None)
    return label if label is not None else msg("field.value", value=stored)


# ---- the reporter ---------------------------------------------------------------------------------


def _known_phone(ctx: Context) -> str | None:
    """The number the channel gives (WhatsApp), as 62…"""
    return normalise_phone(ctx.contact.phone) if ctx.contact.phone else None


def _ask_phone(ctx: Context, __: Data) -> Reply:
    known = _known_phone(ctx)
    if known is None:
        return Reply.of(msg("accident.ask_phone"))
    shown = field_value_text(ctx, "phone", {"phone": known})
    return Reply.of(msg("accident.ask_phone_known", phone=shown), choices=(_USE_KNOWN_PHONE,))


def _on_phone(ctx: Context, data: Data, answer: Answer) -> Transition:
    known = _known_phone(ctx)
    saved = AccidentData.load(data)
    if answer.choice == _USE_KNOWN_PHONE.id and known is not None:
        return _go_next(saved.but(reporter_phone=known))
    checked = check_text_field(ctx, "phone", answer.phone or answer.text, {})
    if checked.problem is not None:
        return Invalid(checked.problem)
    return _go_next(saved.but(reporter_phone=str(checked.values["phone"])))


def _ask_relation(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_relation"), choices=_RELATIONS)


def _on_relation(_: Context, data: Data, answer: Answer) -> Transition:
    return _go_next(AccidentData.load(data).but(relation=str(answer.choice)))


# ---- summary, changes, sending --------------------------------------------------------------------


def worker_text(nik: str, kpj: str) -> Msg:
    """The worker as the summary and the Dinas notice show them: masked NIK, KPJ, or not known."""
    if nik:
        return msg("accident.worker_nik", nik=mask_nik(nik))
    if kpj:
        return msg("accident.worker_kpj", kpj=kpj)
    return msg("accident.worker_unknown")


def _when_text(data: AccidentData) -> Msg:
    occurred_on = data.occurred_on
    if occurred_on is None:
        return msg("field.empty")
    at = _stored_time(data)
    if not at:
        return msg("accident.when_day_only", date=occurred_on)
    return msg("accident.when_at", date=occurred_on, hour=at[:2], minute=at[3:])


def _part_text(ctx: Context, part: _Part, data: AccidentData) -> Msg:
    if not all(data.answered(key) for key in part.keys):
        return msg("field.empty")
    match part.id:
        case "who":
            return worker_text(data.nik or "", data.kpj or "")
        case "what":
            return msg("field.value", value=data.what or "")
        case "place":
            return msg("field.value", value=data.place or "")
        case "when":
            return _when_text(data)
        case "treated":
            return _treated_text(ctx, data.treated_at or "")
        case "phone":
            return field_value_text(ctx, "phone", {"phone": data.reporter_phone or ""})
        case _:  # the relation
            relation = next((c for c in _RELATIONS if c.id == data.relation), None)
            return relation.label if relation is not None else msg("field.empty")


def _summary_lines(ctx: Context, data: AccidentData) -> tuple[Msg, ...]:
    return tuple(msg("field.line", label=part.label, value=_part_text(ctx, part, data)) for part in _PARTS)


def _ask_summary(ctx: Context, data: Data) -> Reply:
    saved = AccidentData.load(data)
    return Reply.of(
        msg("accident.summary", lines=_summary_lines(ctx, saved)),
        *_deadline_said(ctx, saved),
        msg("accident.ask_send"),
        choices=(_SEND, _CHANGE),
    )


def _on_summary(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHANGE.id:
        return Goto("change_which", data)
    saved = AccidentData.load(data)
    if _next(saved) != "summary":
        return _go_next(saved)  # something is missing (a session from before a change): ask it first
    return Fetch(SubmitAccidentReport(report=_report(saved)), then=_on_sent)


def _report(data: AccidentData) -> dict[str, Json]:
    """Exactly the keys bot/desks/accidents.py reads, "" for none."""
    return {key: "" if value is None else value for key, value in data.dump().items() if key in _REPORT_KEYS}


def _ask_change_which(_: Context, __: Data) -> Reply:
    return Reply.of(msg("accident.ask_change_which"), choices=tuple(Choice(p.id, p.label) for p in _PARTS))


def _on_change_which(_: Context, data: Data, answer: Answer) -> Transition:
    part = next((p for p in _PARTS if p.id == answer.choice), None)
    if part is None:
        return Goto("summary", data)
    return _go_next(AccidentData.load(data).but(**dict.fromkeys(part.keys)))


def _on_sent(ctx: Context, data: Data, result: object) -> Transition:
    if not isinstance(result, AccidentReported):  # the store did not take it (tests stand in such an answer)
        return Goto("summary", data, say=(Reply.of(msg("accident.not_saved", call_centre=ctx.programme.call_centre)),))
    saved = AccidentData.load(data)
    return Finish(
        say=(
            Reply.of(msg("accident.reported", number=result.report_id), *_deadline_said(ctx, saved)),
            _for_the_branch(ctx, saved, result.report_id),
            _what_next(ctx, result.admins_told),
        )
    )


def _for_the_branch(ctx: Context, data: AccidentData, number: int) -> Reply:
    """The text the family shows at the branch: the report as it was sent."""
    return Reply.of(
        msg("accident.show_this"),
        msg(
            "accident.card",
            number=number,
            programme=ctx.programme.name,
            reported_on=ctx.today,
            lines=_summary_lines(ctx, data),
        ),
    )


def _what_next(ctx: Context, admins_told: int) -> Reply:
    programme = ctx.programme
    documents = tuple(msg("accident.document", name=doc.name) for doc in programme.claims.jkk_documents)
    told = "accident.dinas_told" if admins_told > 0 else "accident.dinas_recorded"
    return Reply.of(
        msg("accident.documents", documents=documents),
        msg("accident.heir_claim"),
        _where(programme),
        msg("accident.decision", days=programme.benefits.jkk.suspected_accident_decision_days),
        msg(told, dinas=programme.dinas_name),
    )


def _where(programme: Programme) -> Msg:
    branch = programme.office("bpjs_branch")
    if branch is None:
        return msg("accident.no_branch", call_centre=programme.call_centre)
    address = (
        msg("accident.branch_address", address=branch.address)
        if branch.address
        else msg("accident.address_unknown", call_centre=programme.call_centre)
    )
    hours = (msg("accident.branch_hours", hours=branch.hours),) if branch.hours else ()
    # The call centre is named already when the address is missing; the branch's own number is added.
    own_phone = branch.phone and branch.phone != programme.call_centre
    phone = (msg("accident.branch_phone", phone=branch.phone),) if own_phone else ()
    return msg("accident.branch", name=branch.name, details=(address, *hours, *phone))


accident_report_flow = Flow(
    id="accident_report",
    version=1,
    title=msg("accident.title"),
    start=_start,
    needs_consent=True,
    resumable=True,
    steps={
        "resume": Step(ask=_ask_resume, on_answer=_on_resume),
        "who": Step(ask=_ask_who, on_answer=_on_who, free_text=True, asks_nik=True),
        "what": Step(ask=_ask_what, on_answer=_on_what, limit=_WHAT),
        "place": Step(ask=_ask_place, on_answer=_on_place, limit=_PLACE),
        "date": Step(ask=_ask_date, on_answer=_on_date, free_text=True),
        "time": Step(ask=_ask_time, on_answer=_on_time, free_text=True),
        "treated": Step(ask=_ask_treated, on_answer=_on_treated, free_text=True, limit=_PLACE),
        "phone": Step(ask=_ask_phone, on_answer=_on_phone, free_text=True),
        "relation": Step(ask=_ask_relation, on_answer=_on_relation),
        "summary": Step(ask=_ask_summary, on_answer=_on_summary),
        "change_which": Step(ask=_ask_change_which, on_answer=_on_change_which),
    },
    aliases=("lapor kecelakaan", "lapor kecelakaan kerja", "kecelakaan kerja", "lapor laka", "laka kerja"),
    data=AccidentData,
)
