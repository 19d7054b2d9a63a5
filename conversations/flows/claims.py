"""Klaim ahli waris: walks an heir through a death claim, a case that lasts days or weeks.

Who died (NIK or KPJ, looked up among the programme's registrations and shown only as "terdaftar
sejak …"), how, when, the heir's relationship (the order of heirs is explained; Jaring never decides
between family members) and the school-age children. Then the checklist (conversations/claim_checklist.py)
one document at a time, each tick saved in the store at once; "lanjut klaim" picks it up again and an
idle case gets a reminder (bot/desks/claims.py). When everything is ready: where and how to submit, what
to bring, how long payment takes and what to do when it is late; afterwards the outcome (paid, with the
amount and date, or rejected) is recorded and counts in the Dinas's claim totals.

The case lives in the store (`SaveClaimCase`), not in the conversation: the conversation holds only
the step in hand. The deceased's NIK is kept (sealed) only until the case is created, and sent once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from conversations.claim_checklist import (
    Checklist,
    ScholarshipOutcome,
    add_working_days,
    build_checklist,
    claim_deadline_passed,
    find_document,
    is_work_accident,
    jkk_deadline_passed,
)
from conversations.consent import CLAIM_DATA
from conversations.coverage import Coverage, Membership, Verdict, coverage_on
from conversations.dates import parse_date, parse_recent_day
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
from conversations.flow_data import VERSION_KEY, FlowData
from conversations.flows.common import NO, UNKNOWN, YES, YES_NO
from conversations.flows.fields import NIK_PROBLEMS
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.nik import NikProblem, nik_in_answer, parse_nik
from conversations.programme import Programme
from conversations.replies import count_in
from conversations.requests.accidents import FindParticipant, ParticipantFound, ParticipantNotFound
from conversations.requests.base import NotAllowed
from conversations.requests.claims import (
    ClaimCaseSaved,
    ClaimCaseView,
    ListClaimCases,
    SaveClaimCase,
    TellDinasNotCovered,
)
from conversations.state import Json
from conversations.text import normalise

__all__ = ["CASE_KEYS", "OPEN_STATUSES", "ClaimCase", "ClaimData", "claim_flow", "parse_day", "parse_rupiah"]

CaseStatus = Literal["collecting", "ready", "submitted", "paid", "rejected"]
OPEN_STATUSES: tuple[CaseStatus, ...] = ("collecting", "ready", "submitted")
# Left out of what the store is sent while empty: what a case has only later on, or only sometimes.
_LATER_FACTS = frozenset(
    {
        "not_needed",
        "pending",
        "amount_paid",
        "paid_on",
        "submitted_on",
        "reason",
        "worker_status",
        "ended_on",
        "coverage",
    }
)


@dataclass(frozen=True, slots=True)
class ClaimCase(FlowData):
    """The case: what the store keeps (SaveClaimCase, ClaimCaseView; bot/desks/claims.py reads it) and
    what the conversation holds of it. None or empty: not known yet."""

    status: CaseStatus | None = None  # None until the case is created
    cause: str = ""  # the id of a cause choice
    died_on: date | None = None
    relationship: str = ""  # the id of a relationship choice
    children: int | None = None  # school-age children, up to the programme's maximum
    registered_on: date | None = None  # None: not found among the registrations, or not asked
    # What the records say of the worker (conversations/coverage.py), and what it means on the day of death
    coverage_start: date | None = None
    worker_status: str = ""
    ended_on: date | None = None
    coverage: Literal["", "covered", "not_yet", "ended", "unconfirmed"] = ""  # "" until the date is known
    kpj: str | None = None  # None: "who" not answered yet; "" when no KPJ was given
    documents: tuple[str, ...] = ()
    collected: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()  # answered "belum": asked this round, still to collect
    not_needed: tuple[str, ...] = ()  # collected too: documents that do not apply (no treatment costs, say)
    amount_paid: int | None = None
    paid_on: date | None = None
    submitted_on: date | None = None
    reason: str = ""  # why the claim was rejected

    def has_answer(self, question: str) -> bool:
        """Whether a new case has the answer to one of its first questions (named by its step)."""
        return {
            "who": self.kpj is not None,
            "cause": bool(self.cause),
            "died_on": self.died_on is not None,
            "relationship": bool(self.relationship),
        }[question]

    def to_store(self) -> dict[str, Json]:
        """What SaveClaimCase sends: the answers and the checklist, and the later facts once known."""
        return {
            key: value
            for key, value in self.dump().items()
            if key != VERSION_KEY and (key not in _LATER_FACTS or value not in (None, "", []))
        }


CASE_KEYS = tuple(field.name for field in fields(ClaimCase))


@dataclass(frozen=True, slots=True)
class CaseOption(FlowData):
    """An open case offered to continue."""

    id: int | None = None
    opened_on: date | None = None
    status: CaseStatus | None = None
    done: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class ClaimData(FlowData):
    """The case in hand, and where the conversation is in it."""

    case: ClaimCase = ClaimCase()
    case_id: int | None = None  # None until the store has created the case
    opened_on: date | None = None
    nik: str = ""  # the deceased's, kept (sealed) only until the case is created
    worker_id: int | None = None  # their registration, to tell the Dinas when they were not covered
    has_children: bool = False
    current: str = ""  # the document being asked about
    after: str = ""  # what was being saved: "create" or a key of _AFTER_SAVING
    options: tuple[CaseOption, ...] = ()
    pick: int | None = None  # the id of the case picked from the options

    def with_case(self, **changes: Any) -> ClaimData:
        return self.but(case=self.case.but(**changes))


def _load(data: Data) -> ClaimData:
    """The flow's data. Data saved before it had a version kept the case's keys beside the others."""
    if VERSION_KEY not in data:
        data = {**data, "case": {key: data[key] for key in CASE_KEYS if key in data}}
    return ClaimData.load(data)


_SHOWN_CASES = 3  # open cases offered to continue
_KPJ_DIGITS = 11
_NIK_DIGITS = 16
_REASON_MIN_CHARS = 2
_REASON = TextLimit(300, msg("limit.reason"))
_RUPIAH_PER_JUTA = 1_000_000

# ---- choices ------------------------------------------------------------------------------------

_NEW_CASE = Choice("new", msg("claims.new_case"), ("baru", "klaim baru", "buka baru", "yang baru"))
_CONTINUE = Choice("continue", msg("claims.continue"), ("lanjut", "lanjutkan", "teruskan", "ya"))
_RESTART = Choice("restart", msg("claims.restart"), ("ulang", "mulai baru", "dari awal", "baru"))
_WHO_UNKNOWN = Choice("unknown", UNKNOWN.label, (*UNKNOWN.aliases, "lupa", "tidak ada", "-"))
_CAUSES = (
    Choice(
        "work_accident",
        msg("claims.cause_work_accident"),
        ("kecelakaan kerja", "saat kerja", "waktu kerja", "di tempat kerja", "kerja"),
    ),
    Choice(
        "road_accident",
        msg("claims.cause_road_accident"),
        ("lalu lintas", "kecelakaan lalu lintas", "kecelakaan jalan", "tabrakan", "laka", "di jalan"),
    ),
    Choice(
        "illness",
        msg("claims.cause_illness"),
        ("sakit", "lain", "lainnya", "sebab lain", "meninggal biasa", "wajar", "tua", "sakit biasa"),
    ),
)
_DATE_RIGHT = Choice("right", msg("claims.date_right"), ("ya", "benar", "betul", "sudah benar"))
_DATE_CHANGE = Choice("change", msg("claims.date_change"), ("ubah", "ganti", "salah", "tidak"))
_RELATIONSHIPS = (
    Choice("spouse", msg("claims.relationship_spouse"), ("istri", "suami", "janda", "duda", "pasangan")),
    Choice("child", msg("claims.relationship_child"), ("anak", "putra", "putri", "anaknya")),
    Choice("parent", msg("claims.relationship_parent"), ("ibu", "bapak", "ayah", "ortu", "orangtua", "emak")),
    Choice("sibling", msg("claims.relationship_sibling"), ("kakak", "adik", "saudara", "kakak kandung")),
    Choice(
        "other",
        msg("claims.relationship_other"),
        ("lain", "lainnya", "cucu", "kakek", "nenek", "mertua", "keponakan", "tetangga", "teman"),
    ),
)
_HAVE = Choice("have", msg("claims.doc_have"), ("sudah", "ada", "sudah ada", "punya", "ya", "sdh", "udah", "siap"))
_NOT_YET = Choice("not_yet", msg("claims.doc_not_yet"), ("belum", "belum ada", "blm", "belom", "tidak", "tidak ada"))
_NOT_NEEDED = Choice("not_needed", msg("claims.doc_not_needed"), ("tidak perlu", "tidak ada biaya", "tidak berlaku"))
_LIST = Choice("list", msg("claims.doc_list"), ("daftar", "lihat", "list", "daftar dokumen"))
_LATER = Choice("later", msg("claims.later_choice"), ("nanti", "nanti saja", "lanjut nanti", "simpan", "stop dulu"))
_AGAIN = Choice("again", msg("claims.check_again"), ("ulang", "lagi", "cek lagi", "ulangi"))
_RETRY = Choice("retry", msg("claims.retry"), ("coba lagi", "ulang", "lagi", "ya"))
_RELOAD = Choice("reload", msg("claims.reload"), ("muat", "lanjut", "ya"))
_SUBMITTED = Choice(
    "submitted", msg("claims.submitted_choice"), ("sudah", "sudah diajukan", "diajukan", "ya", "sudah saya ajukan")
)
_NOT_SUBMITTED = Choice("not_submitted", msg("claims.not_submitted_choice"), ("nanti", "belum", "nanti saja"))
_PAID = Choice("paid", msg("claims.outcome_paid"), ("dibayar", "sudah", "cair", "sudah cair", "sudah masuk", "masuk"))
_REJECTED = Choice("rejected", msg("claims.outcome_rejected"), ("ditolak", "tolak", "gagal", "tidak diterima"))
_WAITING = Choice(
    "waiting", msg("claims.outcome_waiting"), ("belum", "belum ada", "menunggu", "belum cair", "belum ada kabar")
)

# ---- what follows from the case -----------------------------------------------------------------


def _cause(case: ClaimCase) -> str:
    return case.cause or "illness"


def _checklist(ctx: Context, case: ClaimCase) -> Checklist:
    return build_checklist(
        ctx.programme,
        cause=_cause(case),
        relationship=case.relationship or "other",
        children=case.children or 0,
        died_on=case.died_on or ctx.today,
        coverage_start=case.coverage_start,
    )


def _payment_days(programme: Programme, case: ClaimCase) -> int:
    claims = programme.claims
    return claims.jkk_payment_working_days if is_work_accident(_cause(case)) else claims.jkm_payment_working_days


def _expected(programme: Programme, case: ClaimCase) -> int:
    benefits = programme.benefits
    if is_work_accident(_cause(case)):
        return benefits.jkk_death_total(programme.premium.declared_income)
    return benefits.jkm.total


def _largest_possible(programme: Programme) -> int:
    benefits = programme.benefits
    death = max(benefits.jkm.total, benefits.jkk_death_total(programme.premium.declared_income))
    return death + benefits.scholarship.max_children * benefits.scholarship.per_child_total


def _example_date(day: date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


def _reload() -> Transition:
    """The case in hand is not in the conversation (an old session, say): read it from the store again."""
    return Fetch(ListClaimCases(), then=_on_cases, data={})


# ---- typed rupiah and dates ---------------------------------------------------------------------

_CURRENCY = re.compile(r"^(?:rp|idr)\.?\s*|\s*(?:rupiah|idr)$")
_AMOUNT = re.compile(r"^(\d+(?:[.,]\d+)*)\s*(juta|jt|jta|jutaan|million|ribu|rb|rbu|k|thousand)?$")
_UNITS = {
    **dict.fromkeys(("juta", "jt", "jta", "jutaan", "million"), _RUPIAH_PER_JUTA),
    **dict.fromkeys(("ribu", "rb", "rbu", "k", "thousand"), 1_000),
}
_MIN_PLAIN_AMOUNT = 1_000  # "42" alone is not an amount anyone was paid: ask for the unit


def parse_rupiah(text: str) -> int | None:
    """An amount as people type it: "42 juta", "42jt", "42,5 juta", "42.000.000", "Rp42.000.000,00"."""
    said = _CURRENCY.sub("", normalise(text)).strip()
    found = _AMOUNT.match(said)
    if found is None:
        return None
    figure, unit = found.group(1), found.group(2)
    value = _with_unit(figure) if unit else _plain(figure)
    if value is None:
        return None
    amount = int(value * (_UNITS[unit] if unit else 1))
    if amount <= 0 or (not unit and amount < _MIN_PLAIN_AMOUNT):
        return None
    return amount


def _plain(figure: str) -> Decimal | None:
    """No unit: dots or commas group thousands; a last group of two digits is cents ("…,00")."""
    parts = re.split(r"[.,]", figure)
    if len(parts) > 2 and len(parts[-1]) == 2:
        parts = parts[:-1]
    if len(parts) == 1:
        return Decimal(parts[0])
    if len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:]):
        return Decimal("".join(parts))
    return None


def _with_unit(figure: str) -> Decimal | None:
    """With "juta" or "ribu": "42,5" and "42.5" are decimals; "1.500" groups thousands."""
    parts = re.split(r"[.,]", figure)
    try:
        if len(parts) == 1:
            return Decimal(parts[0])
        if len(parts) == 2 and len(parts[1]) != 3:
            return Decimal(f"{parts[0]}.{parts[1]}")
        if len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:]):
            return Decimal("".join(parts))
    except InvalidOperation:
        return None
    return None


_FAR_FUTURE = date(9999, 12, 31)


def parse_day(text: str, today: date) -> date | None:
    """A date as typed ("3-11-2026", "3 November 2026", "hari ini", "kemarin", "2 hari lalu"), or None.
    A date after today is returned as it is: the caller says why it cannot be."""
    return parse_recent_day(text, today) or parse_date(text, today) or parse_date(text, _FAR_FUTURE)


# ---- start: an open case to continue, or a new one ----------------------------------------------

# The questions a new case asks before it is created (ClaimCase.answered); any answered: a case left halfway.
_QUESTIONS = ("who", "cause", "died_on", "relationship")


def _start(_: Context, data: Data) -> Transition:
    claim = _load(data)
    if claim.case_id is None and any(claim.case.has_answer(step) for step in _QUESTIONS):
        return Goto("resume_new", claim.dump())
    return Fetch(ListClaimCases(), then=_on_cases, data={})


def _open_cases(views: tuple[ClaimCaseView, ...]) -> list[tuple[ClaimCaseView, ClaimCase]]:
    cases = ((view, ClaimCase.load(view.case)) for view in views)
    return [(view, case) for view, case in cases if case.status in OPEN_STATUSES]


def _on_cases(ctx: Context, _: Data, result: tuple[ClaimCaseView, ...]) -> Transition:
    shown = _open_cases(result)[:_SHOWN_CASES]
    if not shown and result:
        return _new_case(Reply.of(msg("claims.earlier_cases_closed")))
    if not shown:
        return _new_case()
    options = tuple(
        CaseOption(
            id=view.id,
            opened_on=ctx.programme.local_date(view.opened_at),
            status=case.status,
            done=len(case.collected),
            total=len(case.documents),
        )
        for view, case in shown
    )
    return Goto("pick", ClaimData(options=options).dump())


def _case_label(option: CaseOption) -> Msg:
    opened = option.opened_on or date.min
    if option.status == "ready":
        return msg("claims.case_ready", date=opened)
    if option.status == "submitted":
        return msg("claims.case_submitted", date=opened)
    return msg("claims.case_collecting", date=opened, done=option.done, total=option.total)


def _ask_pick(_: Context, data: Data) -> Reply:
    options = _load(data).options
    choices = tuple(Choice(str(o.id), _case_label(o)) for o in options if o.id is not None)
    return Reply.of(msg("claims.open_cases"), choices=(*choices, _NEW_CASE))


def _on_pick(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == _NEW_CASE.id:
        return _new_case()
    if answer.choice is not None and answer.choice.isdecimal():
        return Fetch(ListClaimCases(), then=_on_picked, data=ClaimData(pick=int(answer.choice)).dump())
    return _reload()


def _on_picked(ctx: Context, data: Data, result: tuple[ClaimCaseView, ...]) -> Transition:
    pick = _load(data).pick
    found = next(((view, case) for view, case in _open_cases(result) if view.id == pick), None)
    if found is None:  # closed or gone meanwhile: offer what is open now
        return _on_cases(ctx, {}, result)
    return _continue_case(ctx, *found)


def _continue_case(ctx: Context, view: ClaimCaseView, case: ClaimCase) -> Transition:
    claim = ClaimData(case=case, case_id=view.id, opened_on=ctx.programme.local_date(view.opened_at))
    if not case.coverage and case.died_on is not None and case.status in OPEN_STATUSES:
        return _judge_old_case(claim, view, case.died_on)
    return _go_on_with(ctx, claim)


def _go_on_with(ctx: Context, claim: ClaimData, *say: Reply) -> Transition:
    """Back in an open case: where it stands (ready, submitted, or the first document not answered)."""
    case, opened = claim.case, claim.opened_on or ctx.today
    if case.status == "ready":
        return Goto("ready", claim.dump(), say=(*say, *_ready_info(ctx, case)))
    if case.status == "submitted":
        return Goto("outcome", claim.dump(), say=say)
    if not case.documents:
        return _new_case(*say)
    missing = [d for d in case.documents if d not in case.collected]
    if not missing:
        return _save(claim.with_case(status="ready"), "ready")
    done, total = len(case.documents) - len(missing), len(case.documents)
    welcome = Reply.of(msg("claims.welcome_back", date=opened, done=done, total=total))
    unanswered = next((d for d in missing if d not in case.pending), None)
    if unanswered is None:  # every document answered, some "belum": where the round ended
        return Goto("round_done", claim.dump(), say=(*say, welcome))
    return Goto("doc", claim.but(current=unanswered).dump(), say=(*say, welcome))


def _judge_old_case(claim: ClaimData, view: ClaimCaseView, died: date) -> Transition:
    """A case opened before protection on the day of death was judged: judged now from the registration
    it is linked to (none: not confirmed), and saved, so it is said once."""
    membership = view.membership
    judged = claim.but(worker_id=view.registration_id).with_case(
        coverage=coverage_on(membership, died).verdict.value,
        coverage_start=membership.coverage_start if membership else claim.case.coverage_start,
        worker_status=membership.status if membership else "",
        ended_on=membership.ended_on if membership else None,
    )
    return _save(judged, "judged")


def _on_judged_saved(ctx: Context, claim: ClaimData) -> Transition:
    case = claim.case
    coverage = _coverage(case, case.died_on or ctx.today)
    if coverage.verdict not in (Verdict.NOT_YET, Verdict.ENDED):
        return _go_on_with(ctx, claim)
    said = (Reply.of(_not_covered_why(ctx, coverage), msg("claims.no_promise"), _not_covered_help_msg(ctx)),)
    if claim.worker_id is None:
        return _go_on_with(ctx, claim, *said)
    request = TellDinasNotCovered(claim.worker_id, coverage.day, _cause(case), coverage.verdict)
    return Fetch(request, then=_after_old_case_told, data=claim.dump(), say=said)


def _after_old_case_told(ctx: Context, data: Data, _: object) -> Transition:
    return _go_on_with(ctx, _load(data))


def _ask_resume_new(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.resume_new"), choices=(_CONTINUE, _RESTART))


def _on_resume_new(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CONTINUE.id:
        return _next_question(ctx, _load(data))
    return _new_case()


# ---- a new case: who, how, when, the heir, the children -------------------------------------------


def _new_case(*before: Reply) -> Transition:
    return Goto("who", {}, say=(*before, Reply.of(msg("claims.condolence"))))


def _next_question(ctx: Context, claim: ClaimData, *say: Reply) -> Transition:
    for step in _QUESTIONS:
        if not claim.case.has_answer(step):
            return Goto(step, claim.dump(), say=say)
    if claim.case.children is None:
        if ctx.programme.benefits.scholarship.max_children == 0:
            return _create(ctx, claim.with_case(children=0), say)
        return Goto("children" if claim.has_children else "has_children", claim.dump(), say=say)
    return _create(ctx, claim, say)


def _ask_who(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_who"), choices=(_WHO_UNKNOWN,))


_SEPARATORS = re.compile(r"[\s.\-_/]+")
_NUMBER_LABEL = re.compile(r"^(?:no|nomor|nomer)?\.?\s*(?:nik|kpj|ktp)?\s*[:.]?\s*")


def _on_who(ctx: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    without_nik = claim.but(nik="")
    if answer.choice == _WHO_UNKNOWN.id:
        unknown = _not_on_record(without_nik.with_case(kpj=""))
        said = Reply.of(msg("claims.who_unknown", call_centre=ctx.programme.call_centre))
        return _next_question(ctx, unknown, said)
    digits = _SEPARATORS.sub("", _NUMBER_LABEL.sub("", normalise(answer.text)))
    if len(digits) == _KPJ_DIGITS and digits.isascii() and digits.isdigit():
        return Fetch(FindParticipant(kpj=digits), then=_on_found, data=without_nik.with_case(kpj=digits).dump())
    if len(digits) == _NIK_DIGITS or nik_in_answer(answer.text) is not NikProblem.NOT_16_DIGITS:
        nik = parse_nik(answer.text, ctx.today)  # alone, or inside a sentence: "bapak sy, 3375…"
        if isinstance(nik, NikProblem):
            return Invalid(NIK_PROBLEMS[nik])
        with_nik = claim.but(nik=nik.digits).with_case(kpj="")
        return Fetch(FindParticipant(nik=nik.digits), then=_on_found, data=with_nik.dump())
    if digits.isascii() and digits.isdigit():
        return Invalid(msg("claims.who_count", count=len(digits)))
    return Invalid(msg("claims.who_not_understood"))


def _not_on_record(claim: ClaimData) -> ClaimData:
    return claim.but(worker_id=None).with_case(registered_on=None, coverage_start=None, worker_status="", ended_on=None)


def _on_found(ctx: Context, data: Data, result: ParticipantFound | ParticipantNotFound) -> Transition:
    """Found or not, nothing is said yet about protection: that depends on the day of death."""
    programme, claim = ctx.programme, _load(data)
    if isinstance(result, ParticipantFound):
        membership = result.membership
        found = claim.but(worker_id=result.registration_id).with_case(
            registered_on=result.registered_on,
            coverage_start=membership.coverage_start,
            worker_status=membership.status,
            ended_on=membership.ended_on,
        )
        return _next_question(ctx, found, Reply.of(msg("claims.found", programme=programme.name)))
    told = msg("claims.not_found", programme=programme.name, call_centre=programme.call_centre)
    return _next_question(ctx, _not_on_record(claim), Reply.of(told))


def _coverage(case: ClaimCase, died: date) -> Coverage:
    """The one rule (conversations/coverage.py), on the day of death."""
    if not case.worker_status:  # not on record (or not looked up)
        return coverage_on(None, died)
    membership = Membership(status=case.worker_status, coverage_start=case.coverage_start, ended_on=case.ended_on)
    return coverage_on(membership, died)


def _covered(case: ClaimCase) -> bool:
    return case.coverage == Verdict.COVERED.value


def _ask_cause(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_cause"), choices=_CAUSES)


def _on_cause(ctx: Context, data: Data, answer: Answer) -> Transition:
    return _next_question(ctx, _load(data).with_case(cause=str(answer.choice)))


def _ask_died_on(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_died_on", example=_example_date(ctx.today)))


def _past_day(ctx: Context, text: str) -> date | Invalid:
    """A day up to today, or what to say instead."""
    today = ctx.today
    day = parse_day(text, today)
    if day is None:
        return Invalid(msg("claims.bad_date", example=_example_date(today)))
    if day > today:
        return Invalid(msg("claims.date_in_future", example=_example_date(today)))
    return day


def _on_died_on(ctx: Context, data: Data, answer: Answer) -> Transition:
    died = _past_day(ctx, answer.text)
    if isinstance(died, Invalid):
        return died
    claim = _load(data)
    dated = claim.with_case(died_on=died)
    coverage = claim.case.coverage_start
    if coverage is not None and died < coverage:
        warning = Reply.of(msg("claims.died_before_coverage", died=died, start=coverage))
        return Goto("confirm_date", dated.dump(), say=(warning,))
    return _after_date(ctx, dated)


def _after_date(ctx: Context, claim: ClaimData) -> Transition:
    programme, died, cause = ctx.programme, claim.case.died_on or ctx.today, _cause(claim.case)
    coverage = _coverage(claim.case, died)
    judged = claim.with_case(coverage=coverage.verdict.value)
    if coverage.verdict in (Verdict.NOT_YET, Verdict.ENDED):
        return _not_covered(ctx, judged, coverage)
    warnings: list[Msg] = [_coverage_said(ctx, judged, coverage)]
    if jkk_deadline_passed(programme, cause, died, ctx.today):
        warnings.append(msg("claims.jkk_deadline_passed", years=programme.benefits.jkk.claim_deadline_years))
        if programme.benefits.jkm.claim_deadline_years is None:
            warnings.append(msg("claims.jkm_no_deadline"))
    if claim_deadline_passed(programme, cause, died, ctx.today):
        warnings.append(msg("claims.jkm_deadline_passed", years=programme.benefits.jkm.claim_deadline_years or 0))
    return _next_question(ctx, judged, Reply.of(*warnings))


def _coverage_said(ctx: Context, claim: ClaimData, coverage: Coverage) -> Msg:
    programme, case = ctx.programme, claim.case
    if coverage.verdict is Verdict.COVERED:
        return msg("claims.covered", programme=programme.name, died=coverage.day, start=coverage.start or coverage.day)
    if case.worker_status:  # on record, but without the dates that would tell
        key = "claims.unconfirmed_dates"
    elif claim.nik or case.kpj:  # looked up, not found
        key = "claims.unconfirmed"
    else:  # no number given: nothing was looked up
        key = "claims.unconfirmed_no_number"
    return msg(key, died=coverage.day, call_centre=programme.call_centre)


def _not_covered(ctx: Context, claim: ClaimData, coverage: Coverage) -> Transition:
    """Said plainly and kindly, no figure promised; what may still help; the Dinas told."""
    said = (Reply.of(_not_covered_why(ctx, coverage), msg("claims.no_promise")),)
    if claim.worker_id is None:
        return _not_covered_help(ctx, {}, None, say=said)
    request = TellDinasNotCovered(
        registration_id=claim.worker_id, died_on=coverage.day, cause=_cause(claim.case), verdict=coverage.verdict
    )
    return Fetch(request, then=_not_covered_help, data={}, say=said)


def _not_covered_why(ctx: Context, coverage: Coverage) -> Msg:
    programme = ctx.programme
    if coverage.verdict is Verdict.ENDED:
        why = msg(
            "claims.not_covered_ended",
            programme=programme.name,
            died=coverage.day,
            ended=coverage.ended_on or coverage.day,
        )
    elif coverage.start is not None:
        why = msg("claims.not_covered_before_start", programme=programme.name, died=coverage.day, start=coverage.start)
    else:  # the registration's status is the worker's and the Dinas's to know, not whoever typed the NIK
        why = msg("claims.not_covered_pending", programme=programme.name, died=coverage.day)
    return why


def _not_covered_help_msg(ctx: Context) -> Msg:
    programme = ctx.programme
    return msg(
        "claims.not_covered_help",
        branch=_branch_name(programme),
        call_centre=programme.call_centre,
        dinas=programme.dinas_name,
    )


def _not_covered_help(ctx: Context, _: Data, __: object, say: tuple[Reply, ...] = ()) -> Transition:
    return Finish(say=(*say, Reply.of(_not_covered_help_msg(ctx))))


def _ask_confirm_date(ctx: Context, data: Data) -> Reply:
    died = _load(data).case.died_on or ctx.today
    return Reply.of(msg("claims.ask_date_right", date=died), choices=(_DATE_RIGHT, _DATE_CHANGE))


def _on_confirm_date(ctx: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    if answer.choice == _DATE_CHANGE.id or claim.case.died_on is None:
        return Goto("died_on", claim.with_case(died_on=None).dump())
    return _after_date(ctx, claim)


def _ask_relationship(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_relationship"), choices=_RELATIONSHIPS)


def _on_relationship(ctx: Context, data: Data, answer: Answer) -> Transition:
    heirs = Reply.of(msg("claims.heirs_order"), msg("claims.heirs_not_decided"))
    return _next_question(ctx, _load(data).with_case(relationship=str(answer.choice)), heirs)


def _ask_has_children(ctx: Context, __: Data) -> Reply:
    scholarship = ctx.programme.benefits.scholarship
    return Reply.of(msg("claims.ask_has_children", max_age=scholarship.child_max_age), choices=YES_NO)


def _on_has_children(ctx: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    if answer.choice == NO.id:
        return _next_question(ctx, claim.with_case(children=0))
    if answer.choice == YES.id and answer.number:  # "ya 2 anak": the count is said already
        most = ctx.programme.benefits.scholarship.max_children
        return _next_question(ctx, claim.but(has_children=True).with_case(children=min(answer.number, most)))
    return Goto("children", claim.but(has_children=answer.choice == YES.id).dump())


def _children_choices(programme: Programme) -> tuple[Choice, ...]:
    most = programme.benefits.scholarship.max_children
    return tuple(
        Choice(str(n), msg("claims.children_or_more", count=n) if n == most else msg("claims.children_count", count=n))
        for n in range(1, most + 1)
    )


def _ask_children(ctx: Context, __: Data) -> Reply:
    most = ctx.programme.benefits.scholarship.max_children
    return Reply.of(msg("claims.ask_children", max=most), choices=_children_choices(ctx.programme))


_COUNT_WORDS = {
    **dict.fromkeys(("tidak ada", "tidak", "nol", "none", "no"), 0),
    **dict.fromkeys(("satu", "se", "one"), 1),
    **dict.fromkeys(("dua", "two"), 2),
    **dict.fromkeys(("tiga", "three"), 3),
    **dict.fromkeys(("empat", "four"), 4),
    **dict.fromkeys(("lima", "five"), 5),
}
_COUNT = re.compile(r"^(\d{1,2})(?:\s*(?:anak|orang|children|child))?$")


def _on_children(ctx: Context, data: Data, answer: Answer) -> Transition:
    most = ctx.programme.benefits.scholarship.max_children
    # What was typed first: "3 anak" is close to the label "1 anak", but it means three.
    said = normalise(answer.text)
    number = _COUNT.match(said)
    count = int(number.group(1)) if number else _COUNT_WORDS.get(said.removesuffix(" anak").removesuffix(" orang"))
    if count is None:
        count = count_in(answer.text)  # "ada telu", "anaknya loro", "tilu urang"
    if count is None and answer.choice is not None and answer.choice.isdecimal():
        count = int(answer.choice)
    if count is None:
        return Invalid(msg("claims.bad_children", max=most))
    return _next_question(ctx, _load(data).with_case(children=min(count, most)))


# ---- the case is created: what can be claimed, and the checklist ---------------------------------


def _create(ctx: Context, claim: ClaimData, say: tuple[Reply, ...]) -> Transition:
    case = claim.case.but(
        status="collecting",
        cause=_cause(claim.case),
        relationship=claim.case.relationship or "other",
        children=claim.case.children or 0,
        kpj=claim.case.kpj or "",
        documents=_checklist(ctx, claim.case).document_ids,
        collected=(),
    )
    stored = case.to_store()
    request = SaveClaimCase(None, {**stored, "nik": claim.nik} if claim.nik else stored)
    return Fetch(request, then=_on_created, data=claim.but(case=case, after="create").dump(), say=say)


def _on_created(ctx: Context, data: Data, result: ClaimCaseSaved | NotAllowed) -> Transition:
    claim = _load(data)
    if not isinstance(result, ClaimCaseSaved):
        return _not_saved(claim, result)
    kept = claim.but(nik="", has_children=False, after="")
    documents = kept.case.documents
    if not documents:  # a programme without claim documents: nothing to tick
        return Finish(say=(Reply.of(*_claimable(ctx, kept.case, _checklist(ctx, kept.case))),))
    created = kept.but(case_id=result.case_id, opened_on=ctx.today, current=documents[0])
    checklist = _checklist(ctx, created.case)
    intro = Reply.of(*_claimable(ctx, created.case, checklist), msg("claims.documents_count", count=len(documents)))
    return Goto("doc", created.dump(), say=(intro,))


def _claimable(ctx: Context, case: ClaimCase, checklist: Checklist) -> tuple[Msg, ...]:
    """What the claim can bring: the figures only when the records show the worker was protected on
    the day; otherwise the branch decides, and no amount is named."""
    if not _covered(case):
        said = [msg("claims.amount_by_branch", call_centre=ctx.programme.call_centre)]
        if checklist.scholarship in (ScholarshipOutcome.INCLUDED, ScholarshipOutcome.DEPENDS):
            said.append(msg("claims.scholarship_documents_included"))
        return tuple(said)
    benefits, premium = ctx.programme.benefits, ctx.programme.premium
    jkm = benefits.jkm
    if checklist.work_accident:
        said = [
            msg(
                "claims.can_claim_jkk",
                amount=Money(checklist.benefit),
                multiple=benefits.jkk.death_income_multiple,
                income=Money(premium.declared_income),
                periodic=Money(jkm.periodic_total),
                funeral=Money(jkm.funeral),
                jkm_amount=Money(jkm.total),
            )
        ]
    else:
        said = [
            msg(
                "claims.can_claim_jkm",
                amount=Money(checklist.benefit),
                lump_sum=Money(jkm.lump_sum),
                periodic=Money(jkm.periodic_total),
                funeral=Money(jkm.funeral),
            )
        ]
    scholarship = benefits.scholarship
    if checklist.scholarship in (ScholarshipOutcome.INCLUDED, ScholarshipOutcome.DEPENDS):
        if checklist.scholarship_children == 1:
            said.append(msg("claims.scholarship_one_child", amount=Money(checklist.scholarship_total)))
        else:
            said.append(
                msg(
                    "claims.scholarship",
                    amount=Money(checklist.scholarship_total),
                    children=checklist.scholarship_children,
                    per_child=Money(scholarship.per_child_total),
                )
            )
    if checklist.scholarship is ScholarshipOutcome.DEPENDS:
        said.append(msg("claims.scholarship_depends", years=scholarship.min_membership_years_if_not_work_accident))
    elif checklist.scholarship is ScholarshipOutcome.TOO_SHORT:
        said.append(
            msg(
                "claims.scholarship_too_short",
                years=scholarship.min_membership_years_if_not_work_accident,
                membership=checklist.membership_years or 0,
            )
        )
    return tuple(said)


# ---- one document at a time ---------------------------------------------------------------------


def _document_name(ctx: Context, document_id: str) -> str:
    document = find_document(ctx.programme, document_id)
    return document.name if document is not None else document_id.replace("_", " ")


# How to get a document the programme file says nothing about (its `how` comes first when it has one).
_HOW = {
    "kartu_peserta": "claims.how_kartu_peserta",
    "formulir_3": "claims.how_formulir_3",
    "formulir_3a": "claims.how_formulir_3a",
    "formulir_3b": "claims.how_formulir_3b",
    "kronologi_saksi": "claims.how_kronologi_saksi",
    "laporan_polisi": "claims.how_laporan_polisi",
    "kuitansi": "claims.how_kuitansi",
    "buku_tabungan": "claims.how_buku_tabungan",
    "kartu_keluarga": "claims.how_dukcapil_copy",
    "akta_kelahiran_anak": "claims.how_dukcapil_copy",
    "formulir_beasiswa": "claims.how_formulir_beasiswa",
    "surat_sekolah": "claims.how_surat_sekolah",
}


def _how(ctx: Context, document_id: str) -> Msg | str | None:
    document = find_document(ctx.programme, document_id)
    if document is not None and document.how:
        return document.how
    key = _HOW.get(document_id)
    return msg(key, call_centre=ctx.programme.call_centre) if key else None


# Documents that only apply sometimes ("receipts, if treated outside a partner facility"): they can be
# marked as not needed, which counts as done and leaves them off what to bring.
_OPTIONAL = frozenset({"kuitansi"})


def _in_hand(claim: ClaimData) -> bool:
    """A created case with the document being asked about among its documents; False when lost."""
    return claim.case_id is not None and claim.current in claim.case.documents


def _ask_doc(ctx: Context, data: Data) -> Reply:
    claim = _load(data)
    if not _in_hand(claim):
        return Reply.of(msg("claims.case_lost"), choices=(_RELOAD,))
    documents, current = claim.case.documents, claim.current
    number, name = documents.index(current) + 1, _document_name(ctx, current)
    how = _how(ctx, current)
    if how is not None:
        asked = msg("claims.doc_how", number=number, total=len(documents), name=name, how=how)
    else:
        asked = msg("claims.doc", number=number, total=len(documents), name=name)
    if current in _OPTIONAL:
        return Reply.of(asked, choices=(_HAVE, _NOT_NEEDED, _NOT_YET, _LIST, _LATER))
    return Reply.of(asked, choices=(_HAVE, _NOT_YET, _LIST, _LATER))


def _on_doc(ctx: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    if not _in_hand(claim):
        return _reload()
    case, current = claim.case, claim.current
    still_pending = tuple(d for d in case.pending if d != current)
    if answer.choice in (_HAVE.id, _NOT_NEEDED.id):
        ticked = tuple(d for d in case.documents if d in case.collected or d == current)
        skipped = tuple(d for d in case.not_needed if d != current)
        not_needed = (*skipped, current) if answer.choice == _NOT_NEEDED.id else skipped
        marked = claim.with_case(collected=ticked, not_needed=not_needed, pending=still_pending)
        if len(ticked) == len(case.documents):
            return _save(marked.with_case(status="ready"), "ready")
        return _save(marked, "tick")
    if answer.choice == _NOT_YET.id:  # saved too: "lanjut klaim" goes on after it, not back to it
        return _save(claim.with_case(pending=(*still_pending, current)), "tick")
    if answer.choice == _LIST.id:
        return Goto("doc", claim.dump(), say=(_list_reply(ctx, case),))
    return _save(claim, "later")


def _advance(claim: ClaimData) -> Transition:
    """The next document not collected and not answered "belum" this round, after the one in hand."""
    case, current = claim.case, claim.current
    documents = case.documents
    start = documents.index(current) + 1 if current in documents else 0
    ordered = documents[start:] + documents[:start]
    following = next((d for d in ordered if d not in case.collected and d not in case.pending), None)
    if following is None:
        return Goto("round_done", claim.dump())
    return Goto("doc", claim.but(current=following).dump())


def _on_ticked(_: Context, claim: ClaimData) -> Transition:
    return _advance(claim)


_LIST_LINES = {
    (True, False): "claims.list_done",
    (True, True): "claims.list_not_needed",
    (False, True): "claims.list_missing",
    (False, False): "claims.list_missing",
}


def _list_reply(ctx: Context, case: ClaimCase) -> Reply:
    documents, collected, skipped = case.documents, case.collected, case.not_needed
    lines = tuple(msg(_LIST_LINES[(d in collected, d in skipped)], name=_document_name(ctx, d)) for d in documents)
    return Reply.of(
        msg("claims.list", done=len([d for d in documents if d in collected]), total=len(documents), lines=lines)
    )


def _ask_round_done(ctx: Context, data: Data) -> Reply:
    case = _load(data).case
    documents, collected = case.documents, case.collected
    missing = tuple(msg("claims.list_missing", name=_document_name(ctx, d)) for d in documents if d not in collected)
    said = msg("claims.round_done", done=len(documents) - len(missing), total=len(documents), missing=missing)
    return Reply.of(said, choices=(_AGAIN, _LATER))


def _on_round_done(_: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    missing = [d for d in claim.case.documents if d not in claim.case.collected]
    if claim.case_id is None or not missing:
        return _reload()
    if answer.choice == _AGAIN.id:
        return _save(claim.with_case(pending=()).but(current=missing[0]), "again")
    return _save(claim, "later")


def _on_again_saved(_: Context, claim: ClaimData) -> Transition:
    return Goto("doc", claim.dump())


def _on_later_saved(_: Context, claim: ClaimData) -> Transition:
    documents, collected = claim.case.documents, claim.case.collected
    done = len([d for d in documents if d in collected])
    return Finish(say=(Reply.of(msg("claims.later", done=done, total=len(documents))),))


# ---- saving ------------------------------------------------------------------------------------


def _save(claim: ClaimData, what: str) -> Transition:
    """Save the case; once saved, go on as `_AFTER_SAVING[what]` says (kept in the data as "after", so
    that "coba lagi" after a failed save knows what it was saving)."""
    if claim.case_id is None or what not in _AFTER_SAVING:
        return _reload()
    request = SaveClaimCase(claim.case_id, claim.case.to_store())
    return Fetch(request, then=_on_saved, data=claim.but(after=what).dump())


def _on_saved(ctx: Context, data: Data, result: ClaimCaseSaved | NotAllowed) -> Transition:
    claim = _load(data)
    if not isinstance(result, ClaimCaseSaved):
        return _not_saved(claim, result)
    go_on = _AFTER_SAVING[claim.after]
    return go_on(ctx, claim.but(after=""))


def _not_saved(claim: ClaimData, result: object) -> Transition:
    """A save refused (NotAllowed: not this person's case) or that did not happen (anything else)."""
    if isinstance(result, NotAllowed):
        return Finish(say=(Reply.of(msg("claims.not_allowed")),))
    return Goto("retry", claim.dump(), say=(Reply.of(msg("claims.not_saved")),))


def _ask_retry(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_retry"), choices=(_RETRY,))


def _on_retry(ctx: Context, data: Data, __: Answer) -> Transition:
    claim = _load(data)
    if claim.after == "create":
        return _create(ctx, claim.but(after=""), ())
    return _save(claim, claim.after)


# ---- all ready: where and how to submit ---------------------------------------------------------


def _branch(programme: Programme) -> Msg:
    branch = programme.office("bpjs_branch")
    if branch is None:
        return msg("claims.branch_none", call_centre=programme.call_centre)
    if not branch.address:
        return msg("claims.branch_no_address", name=branch.name, call_centre=programme.call_centre)
    if not branch.hours:
        return msg("claims.branch_address", name=branch.name, address=branch.address)
    return msg("claims.branch_full", name=branch.name, address=branch.address, hours=branch.hours)


def _branch_name(programme: Programme) -> Msg | str:
    branch = programme.office("bpjs_branch")
    return branch.name if branch is not None else msg("claims.branch_generic")


def _late_penalty(programme: Programme) -> Msg:
    percent = programme.claims.late_payment_penalty_percent_per_day
    return msg("claims.late_penalty", percent=percent) if percent else msg("claims.late_penalty_no_figure")


def _ready_info(ctx: Context, case: ClaimCase) -> tuple[Reply, ...]:
    programme = ctx.programme
    documents = tuple(
        msg("claims.list_missing", name=_document_name(ctx, d)) for d in case.documents if d not in case.not_needed
    )
    bring = [msg("claims.bring", documents=documents)]
    if case.kpj:
        bring.append(msg("claims.bring_kpj", kpj=case.kpj))
    return (
        Reply.of(msg("claims.where", branch=_branch(programme)), *bring),
        Reply.of(
            msg("claims.how_long", days=_payment_days(programme, case)),
            msg("claims.escalate", call_centre=programme.call_centre, dinas=programme.dinas_name),
            _late_penalty(programme),
        ),
    )


def _on_ready_saved(ctx: Context, claim: ClaimData) -> Transition:
    return Goto("ready", claim.dump(), say=(Reply.of(msg("claims.all_ready")), *_ready_info(ctx, claim.case)))


def _ask_ready(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_submitted"), choices=(_SUBMITTED, _NOT_SUBMITTED))


def _on_ready(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _SUBMITTED.id:
        return _save(_load(data).with_case(status="submitted", submitted_on=ctx.today), "submitted")
    return Finish(say=(Reply.of(msg("claims.submit_later")),))


def _on_submitted_saved(ctx: Context, claim: ClaimData) -> Transition:
    days = _payment_days(ctx.programme, claim.case)
    return Finish(say=(Reply.of(msg("claims.submitted", date=ctx.today, days=days)),))


# ---- submitted: the outcome -----------------------------------------------------------------------


def _ask_outcome(_: Context, data: Data) -> Reply:
    submitted = _load(data).case.submitted_on
    asked = msg("claims.ask_outcome", date=submitted) if submitted else msg("claims.ask_outcome_undated")
    return Reply.of(asked, choices=(_PAID, _REJECTED, _WAITING))


def _on_outcome(_: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    if answer.choice == _PAID.id:
        return Goto("amount", claim.dump())
    if answer.choice == _REJECTED.id:
        return Goto("reason", claim.dump())
    return _save(claim, "waiting")


def _on_waiting_saved(ctx: Context, claim: ClaimData) -> Transition:
    programme, days = ctx.programme, _payment_days(ctx.programme, claim.case)
    submitted = claim.case.submitted_on or ctx.today
    due = add_working_days(submitted, days)
    if ctx.today <= due:
        said = Reply.of(msg("claims.waiting", date=submitted, days=days, due=due))
    else:
        late = msg(
            "claims.waiting_late",
            date=submitted,
            days=days,
            call_centre=programme.call_centre,
            dinas=programme.dinas_name,
        )
        said = Reply.of(late, _late_penalty(programme))
    return Finish(say=(said,))


# How to type an amount, when protection was not confirmed and the programme's figure may not apply:
# the way of writing it, not a sum anyone is owed.
_NEUTRAL_EXAMPLE = {"example": "12.500.000", "millions": "12,5"}


def _amount_example(programme: Programme, case: ClaimCase) -> dict[str, Money | str]:
    if not _covered(case):
        return dict(_NEUTRAL_EXAMPLE)
    expected = _expected(programme, case)
    return {"example": Money(expected), "millions": str(expected // _RUPIAH_PER_JUTA)}


def _ask_amount(ctx: Context, data: Data) -> Reply:
    return Reply.of(msg("claims.ask_amount", **_amount_example(ctx.programme, _load(data).case)))


def _on_amount(ctx: Context, data: Data, answer: Answer) -> Transition:
    claim = _load(data)
    amount = parse_rupiah(answer.text)
    if amount is None:
        return Invalid(msg("claims.bad_amount", **_amount_example(ctx.programme, claim.case)))
    largest = _largest_possible(ctx.programme)
    if amount > largest:
        return Invalid(msg("claims.amount_too_large", largest=Money(largest)))
    return Goto("paid_on", claim.with_case(amount_paid=amount).dump())


def _ask_paid_on(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_paid_on", example=_example_date(ctx.today)))


def _on_paid_on(ctx: Context, data: Data, answer: Answer) -> Transition:
    paid = _past_day(ctx, answer.text)
    if isinstance(paid, Invalid):
        return paid
    claim = _load(data)
    died = claim.case.died_on
    if died is not None and paid < died:
        return Invalid(msg("claims.paid_before_death", died=died))
    return _save(claim.with_case(status="paid", paid_on=paid), "paid")


def _on_paid_saved(ctx: Context, claim: ClaimData) -> Transition:
    programme, case = ctx.programme, claim.case
    amount, paid = case.amount_paid or 0, case.paid_on or ctx.today
    said = [msg("claims.paid", amount=Money(amount), date=paid)]
    expected = _expected(programme, case)
    if _covered(case) and amount < expected:
        said.append(msg("claims.paid_less", expected=Money(expected), call_centre=programme.call_centre))
    if _checklist(ctx, case).scholarship in (ScholarshipOutcome.INCLUDED, ScholarshipOutcome.DEPENDS):
        said.append(msg("claims.paid_scholarship"))
    said.append(msg("claims.paid_closing"))
    return Finish(say=(Reply.of(*said),))


def _ask_reason(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_reason"))


def _on_reason(_: Context, data: Data, answer: Answer) -> Transition:
    reason = answer.text
    if len(reason) < _REASON_MIN_CHARS:
        return Invalid(msg("claims.bad_reason"))
    return _save(_load(data).with_case(status="rejected", reason=reason), "rejected")


def _on_rejected_saved(ctx: Context, _: ClaimData) -> Transition:
    programme = ctx.programme
    said = msg(
        "claims.rejected", branch=_branch_name(programme), call_centre=programme.call_centre, dinas=programme.dinas_name
    )
    return Finish(say=(Reply.of(said),))


# What was being saved → how the flow goes on once it is.
_AFTER_SAVING: dict[str, Callable[[Context, ClaimData], Transition]] = {
    "tick": _on_ticked,
    "again": _on_again_saved,
    "judged": _on_judged_saved,
    "later": _on_later_saved,
    "ready": _on_ready_saved,
    "submitted": _on_submitted_saved,
    "paid": _on_paid_saved,
    "rejected": _on_rejected_saved,
    "waiting": _on_waiting_saved,
}


claim_flow = Flow(
    id="claim",
    version=1,
    title=msg("claims.title"),
    start=_start,
    steps={
        "pick": Step(ask=_ask_pick, on_answer=_on_pick),
        "resume_new": Step(ask=_ask_resume_new, on_answer=_on_resume_new),
        "who": Step(ask=_ask_who, on_answer=_on_who, free_text=True, asks_nik=True),
        "cause": Step(ask=_ask_cause, on_answer=_on_cause),
        "died_on": Step(ask=_ask_died_on, on_answer=_on_died_on),
        "confirm_date": Step(ask=_ask_confirm_date, on_answer=_on_confirm_date),
        "relationship": Step(ask=_ask_relationship, on_answer=_on_relationship),
        "has_children": Step(ask=_ask_has_children, on_answer=_on_has_children),
        "children": Step(ask=_ask_children, on_answer=_on_children, free_text=True),
        "retry": Step(ask=_ask_retry, on_answer=_on_retry),
        # The case exists once a document is asked: going back into the first questions would open it twice.
        "doc": Step(ask=_ask_doc, on_answer=_on_doc, no_way_back=True),
        "round_done": Step(ask=_ask_round_done, on_answer=_on_round_done),
        "ready": Step(ask=_ask_ready, on_answer=_on_ready),
        "outcome": Step(ask=_ask_outcome, on_answer=_on_outcome),
        "amount": Step(ask=_ask_amount, on_answer=_on_amount),
        "paid_on": Step(ask=_ask_paid_on, on_answer=_on_paid_on),
        "reason": Step(ask=_ask_reason, on_answer=_on_reason, limit=_REASON),
    },
    needs_consent=True,
    consent_purpose=CLAIM_DATA,
    aliases=("klaim ahli waris", "klaim", "klaim santunan", "klaim kematian", "lanjut klaim"),
    resumable=True,
    data=ClaimData,
)
