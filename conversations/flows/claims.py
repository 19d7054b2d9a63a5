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
from datetime import date
from decimal import Decimal, InvalidOperation

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
from conversations.flows.common import NO, UNKNOWN, YES, YES_NO, updated
from conversations.flows.fields import NIK_PROBLEMS
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.nik import NikProblem, parse_nik
from conversations.programme import Programme
from conversations.requests.accidents import FindParticipant, ParticipantFound
from conversations.requests.base import NotAllowed
from conversations.requests.claims import ClaimCaseSaved, ClaimCaseView, ListClaimCases, SaveClaimCase
from conversations.state import Json
from conversations.text import normalise

__all__ = ["CASE_KEYS", "OPEN_STATUSES", "claim_flow", "parse_day", "parse_rupiah"]

OPEN_STATUSES = ("collecting", "ready", "submitted")
# What the store keeps of a case (bot/desks/claims.py reads these keys). Everything else in the
# conversation's data (the document in hand, the ones passed over this time) is only for the chat.
CASE_KEYS = (
    "status",
    "cause",
    "died_on",
    "relationship",
    "children",
    "registered_on",
    "coverage_start",
    "kpj",
    "documents",
    "collected",
    "not_needed",  # collected too: documents that do not apply (no treatment costs, say)
    "amount_paid",
    "paid_on",
    "submitted_on",
    "reason",
)
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

# ---- reading the conversation's data ------------------------------------------------------------


def _text(data: Data, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _day(data: Data, key: str) -> date | None:
    try:
        return date.fromisoformat(_text(data, key)) if _text(data, key) else None
    except ValueError:
        return None


def _number(data: Data, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ids(data: Data, key: str) -> list[str]:
    value = data.get(key)
    return [str(item) for item in value] if isinstance(value, list) else []


def _case_dict(data: Data) -> dict[str, Json]:
    return {key: data[key] for key in CASE_KEYS if key in data}


def _cause(data: Data) -> str:
    return _text(data, "cause") or "illness"


def _checklist(ctx: Context, data: Data) -> Checklist:
    return build_checklist(
        ctx.programme,
        cause=_cause(data),
        relationship=_text(data, "relationship") or "other",
        children=_number(data, "children") or 0,
        died_on=_day(data, "died_on") or ctx.today,
        coverage_start=_day(data, "coverage_start"),
    )


def _payment_days(programme: Programme, data: Data) -> int:
    claims = programme.claims
    return claims.jkk_payment_working_days if is_work_accident(_cause(data)) else claims.jkm_payment_working_days


def _expected(programme: Programme, data: Data) -> int:
    benefits = programme.benefits
    if is_work_accident(_cause(data)):
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

# The answers a new case gathers before it is created; any of them in the data: a case left halfway.
_QUESTIONS = (("registered_on", "who"), ("cause", "cause"), ("died_on", "died_on"), ("relationship", "relationship"))


def _start(_: Context, data: Data) -> Transition:
    if "case_id" not in data and any(key in data for key, _step in _QUESTIONS):
        return Goto("resume_new", data)
    return Fetch(ListClaimCases(), then=_on_cases, data={})


def _open_views(result: object) -> list[ClaimCaseView]:
    views = [v for v in result if isinstance(v, ClaimCaseView)] if isinstance(result, tuple) else []
    return [v for v in views if v.case.get("status") in OPEN_STATUSES]


def _on_cases(ctx: Context, _: Data, result: object) -> Transition:
    views = _open_views(result)[:_SHOWN_CASES]
    if not views and isinstance(result, tuple) and any(isinstance(v, ClaimCaseView) for v in result):
        return _new_case(Reply.of(msg("claims.earlier_cases_closed")))
    if not views:
        return _new_case()
    options: list[Json] = [
        {
            "id": view.id,
            "opened_on": ctx.programme.local_date(view.opened_at).isoformat(),
            "status": str(view.case.get("status")),
            "done": len(_ids(view.case, "collected")),
            "total": len(_ids(view.case, "documents")),
        }
        for view in views
    ]
    return Goto("pick", {"options": options})


def _case_label(option: dict[str, Json]) -> Msg:
    opened = _day(option, "opened_on") or date.min
    if option.get("status") == "ready":
        return msg("claims.case_ready", date=opened)
    if option.get("status") == "submitted":
        return msg("claims.case_submitted", date=opened)
    return msg(
        "claims.case_collecting", date=opened, done=_number(option, "done") or 0, total=_number(option, "total") or 0
    )


def _ask_pick(_: Context, data: Data) -> Reply:
    found = data.get("options")
    options = (
        [o for o in found if isinstance(o, dict) and _number(o, "id") is not None] if isinstance(found, list) else []
    )
    choices = tuple(Choice(str(o["id"]), _case_label(o)) for o in options)
    return Reply.of(msg("claims.open_cases"), choices=(*choices, _NEW_CASE))


def _on_pick(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == _NEW_CASE.id:
        return _new_case()
    if answer.choice is not None and answer.choice.isdecimal():
        return Fetch(ListClaimCases(), then=_on_picked, data={"pick": int(answer.choice)})
    return _reload()


def _on_picked(ctx: Context, data: Data, result: object) -> Transition:
    view = next((v for v in _open_views(result) if v.id == data.get("pick")), None)
    if view is None:  # closed or gone meanwhile: offer what is open now
        return _on_cases(ctx, {}, result)
    return _continue_case(ctx, view)


def _continue_case(ctx: Context, view: ClaimCaseView) -> Transition:
    data: dict[str, Json] = {
        "case_id": view.id,
        "opened_on": ctx.programme.local_date(view.opened_at).isoformat(),
        **_case_dict(view.case),
    }
    status = _text(data, "status")
    if status == "ready":
        return Goto("ready", data, say=_ready_info(ctx, data))
    if status == "submitted":
        return Goto("outcome", data)
    documents, collected = _ids(data, "documents"), _ids(data, "collected")
    if not documents:
        return _new_case()
    missing = [d for d in documents if d not in collected]
    if not missing:
        return _save(updated(data, status="ready"), "ready")
    opened = _day(data, "opened_on") or ctx.today
    welcome = msg("claims.welcome_back", date=opened, done=len(documents) - len(missing), total=len(documents))
    return Goto("doc", updated(data, current=missing[0], passed=[]), say=(Reply.of(welcome),))


def _ask_resume_new(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.resume_new"), choices=(_CONTINUE, _RESTART))


def _on_resume_new(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CONTINUE.id:
        return _next_question(ctx, data)
    return _new_case()


# ---- a new case: who, how, when, the heir, the children -------------------------------------------


def _new_case(*before: Reply) -> Transition:
    return Goto("who", {}, say=(*before, Reply.of(msg("claims.condolence"))))


def _next_question(ctx: Context, data: Data, *say: Reply) -> Transition:
    for key, step in _QUESTIONS:
        if key not in data:
            return Goto(step, data, say=say)
    if "children" not in data:
        if ctx.programme.benefits.scholarship.max_children == 0:
            return _create(ctx, updated(data, children=0), say)
        return Goto("children" if data.get("has_children") is True else "has_children", data, say=say)
    return _create(ctx, data, say)


def _ask_who(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_who"), choices=(_WHO_UNKNOWN,))


_SEPARATORS = re.compile(r"[\s.\-_/]+")
_NUMBER_LABEL = re.compile(r"^(?:no|nomor|nomer)?\.?\s*(?:nik|kpj|ktp)?\s*[:.]?\s*")


def _on_who(ctx: Context, data: Data, answer: Answer) -> Transition:
    without_nik = {key: value for key, value in data.items() if key != "nik"}
    if answer.choice == _WHO_UNKNOWN.id:
        unknown = updated(without_nik, kpj="", registered_on=None, coverage_start=None)
        said = Reply.of(msg("claims.who_unknown", call_centre=ctx.programme.call_centre))
        return _next_question(ctx, unknown, said)
    digits = _SEPARATORS.sub("", _NUMBER_LABEL.sub("", normalise(answer.text)))
    if len(digits) == _KPJ_DIGITS and digits.isascii() and digits.isdigit():
        return Fetch(FindParticipant(kpj=digits), then=_on_found, data=updated(without_nik, kpj=digits))
    if len(digits) == _NIK_DIGITS:
        nik = parse_nik(digits, ctx.today)
        if isinstance(nik, NikProblem):
            return Invalid(NIK_PROBLEMS[nik])
        return Fetch(FindParticipant(nik=nik.digits), then=_on_found, data=updated(data, nik=nik.digits, kpj=""))
    if digits.isascii() and digits.isdigit():
        return Invalid(msg("claims.who_count", count=len(digits)))
    return Invalid(msg("claims.who_not_understood"))


def _on_found(ctx: Context, data: Data, result: object) -> Transition:
    programme = ctx.programme
    if isinstance(result, ParticipantFound):
        start = result.coverage_start
        found = updated(
            data,
            registered_on=result.registered_on.isoformat(),
            coverage_start=start.isoformat() if start else None,
        )
        if start is None:
            said = msg("claims.found", programme=programme.name, date=result.registered_on)
        else:
            said = msg("claims.found_coverage", programme=programme.name, date=result.registered_on, start=start)
        return _next_question(ctx, found, Reply.of(said))
    not_found = updated(data, registered_on=None, coverage_start=None)
    told = msg("claims.not_found", programme=programme.name, call_centre=programme.call_centre)
    return _next_question(ctx, not_found, Reply.of(told))


def _ask_cause(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_cause"), choices=_CAUSES)


def _on_cause(ctx: Context, data: Data, answer: Answer) -> Transition:
    return _next_question(ctx, updated(data, cause=str(answer.choice)))


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
    dated = updated(data, died_on=died.isoformat())
    coverage = _day(data, "coverage_start")
    if coverage is not None and died < coverage:
        warning = Reply.of(msg("claims.died_before_coverage", died=died, start=coverage))
        return Goto("confirm_date", dated, say=(warning,))
    return _after_date(ctx, dated)


def _after_date(ctx: Context, data: Data) -> Transition:
    programme, died, cause = ctx.programme, _day(data, "died_on") or ctx.today, _cause(data)
    warnings: list[Msg] = []
    if jkk_deadline_passed(programme, cause, died, ctx.today):
        warnings.append(msg("claims.jkk_deadline_passed", years=programme.benefits.jkk.claim_deadline_years))
        if programme.benefits.jkm.claim_deadline_years is None:
            warnings.append(msg("claims.jkm_no_deadline"))
    if claim_deadline_passed(programme, cause, died, ctx.today):
        warnings.append(msg("claims.jkm_deadline_passed", years=programme.benefits.jkm.claim_deadline_years or 0))
    return _next_question(ctx, data, *((Reply.of(*warnings),) if warnings else ()))


def _ask_confirm_date(ctx: Context, data: Data) -> Reply:
    died = _day(data, "died_on") or ctx.today
    return Reply.of(msg("claims.ask_date_right", date=died), choices=(_DATE_RIGHT, _DATE_CHANGE))


def _on_confirm_date(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _DATE_CHANGE.id or "died_on" not in data:
        return Goto("died_on", {key: value for key, value in data.items() if key != "died_on"})
    return _after_date(ctx, data)


def _ask_relationship(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_relationship"), choices=_RELATIONSHIPS)


def _on_relationship(ctx: Context, data: Data, answer: Answer) -> Transition:
    heirs = Reply.of(msg("claims.heirs_order"), msg("claims.heirs_not_decided"))
    return _next_question(ctx, updated(data, relationship=str(answer.choice)), heirs)


def _ask_has_children(ctx: Context, __: Data) -> Reply:
    scholarship = ctx.programme.benefits.scholarship
    return Reply.of(msg("claims.ask_has_children", max_age=scholarship.child_max_age), choices=YES_NO)


def _on_has_children(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == NO.id:
        return _next_question(ctx, updated(data, children=0))
    return Goto("children", updated(data, has_children=answer.choice == YES.id))


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
    if count is None and answer.choice is not None and answer.choice.isdecimal():
        count = int(answer.choice)
    if count is None:
        return Invalid(msg("claims.bad_children", max=most))
    return _next_question(ctx, updated(data, children=min(count, most)))


# ---- the case is created: what can be claimed, and the checklist ---------------------------------


def _create(ctx: Context, data: Data, say: tuple[Reply, ...]) -> Transition:
    checklist = _checklist(ctx, data)
    case: dict[str, Json] = {
        "status": "collecting",
        "cause": _cause(data),
        "died_on": _text(data, "died_on"),
        "relationship": _text(data, "relationship") or "other",
        "children": _number(data, "children") or 0,
        "registered_on": data.get("registered_on"),
        "coverage_start": data.get("coverage_start"),
        "kpj": _text(data, "kpj"),
        "documents": list(checklist.document_ids),
        "collected": [],
    }
    nik = _text(data, "nik")
    request = SaveClaimCase(None, {**case, "nik": nik} if nik else case)
    return Fetch(request, then=_on_created, data=updated(data, **case, after="create"), say=say)


def _on_created(ctx: Context, data: Data, result: object) -> Transition:
    if not isinstance(result, ClaimCaseSaved):
        return _not_saved(data, result)
    kept = {key: value for key, value in data.items() if key not in ("nik", "has_children", "after")}
    documents = _ids(kept, "documents")
    if not documents:  # a programme without claim documents: nothing to tick
        return Finish(say=(Reply.of(*_claimable(ctx, _checklist(ctx, kept))),))
    created = updated(
        kept,
        case_id=result.case_id,
        opened_on=ctx.today.isoformat(),
        current=documents[0],
        passed=[],
    )
    checklist = _checklist(ctx, created)
    intro = Reply.of(*_claimable(ctx, checklist), msg("claims.documents_count", count=len(documents)))
    return Goto("doc", created, say=(intro,))


def _claimable(ctx: Context, checklist: Checklist) -> tuple[Msg, ...]:
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


def _in_hand(data: Data) -> tuple[list[str], list[str], str] | None:
    """The case's documents, those collected, and the one being asked about; None when lost."""
    documents, current = _ids(data, "documents"), _text(data, "current")
    if "case_id" not in data or current not in documents:
        return None
    return documents, _ids(data, "collected"), current


def _ask_doc(ctx: Context, data: Data) -> Reply:
    found = _in_hand(data)
    if found is None:
        return Reply.of(msg("claims.case_lost"), choices=(_RELOAD,))
    documents, _, current = found
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
    found = _in_hand(data)
    if found is None:
        return _reload()
    documents, collected, current = found
    if answer.choice in (_HAVE.id, _NOT_NEEDED.id):
        ticked: list[Json] = [d for d in documents if d in collected or d == current]
        skipped = [d for d in _ids(data, "not_needed") if d != current]
        not_needed: list[Json] = [*skipped, current] if answer.choice == _NOT_NEEDED.id else list(skipped)
        marked = updated(data, collected=ticked, not_needed=not_needed)
        if len(ticked) == len(documents):
            return _save(updated(marked, status="ready"), "ready")
        return _save(marked, "tick")
    if answer.choice == _NOT_YET.id:
        return _advance(updated(data, passed=[*_ids(data, "passed"), current]))
    if answer.choice == _LIST.id:
        return Goto("doc", data, say=(_list_reply(ctx, data),))
    return _save(data, "later")


def _advance(data: Data) -> Transition:
    """The next document not collected and not passed over this time, after the one in hand."""
    documents, collected, passed = _ids(data, "documents"), _ids(data, "collected"), _ids(data, "passed")
    current = _text(data, "current")
    start = documents.index(current) + 1 if current in documents else 0
    ordered = documents[start:] + documents[:start]
    following = next((d for d in ordered if d not in collected and d not in passed), None)
    if following is None:
        return Goto("round_done", data)
    return Goto("doc", updated(data, current=following))


def _on_ticked(_: Context, data: Data) -> Transition:
    return _advance(data)


_LIST_LINES = {
    (True, False): "claims.list_done",
    (True, True): "claims.list_not_needed",
    (False, True): "claims.list_missing",
    (False, False): "claims.list_missing",
}


def _list_reply(ctx: Context, data: Data) -> Reply:
    documents, collected, skipped = _ids(data, "documents"), _ids(data, "collected"), _ids(data, "not_needed")
    lines = tuple(msg(_LIST_LINES[(d in collected, d in skipped)], name=_document_name(ctx, d)) for d in documents)
    return Reply.of(
        msg("claims.list", done=len([d for d in documents if d in collected]), total=len(documents), lines=lines)
    )


def _ask_round_done(ctx: Context, data: Data) -> Reply:
    documents, collected = _ids(data, "documents"), _ids(data, "collected")
    missing = tuple(msg("claims.list_missing", name=_document_name(ctx, d)) for d in documents if d not in collected)
    said = msg("claims.round_done", done=len(documents) - len(missing), total=len(documents), missing=missing)
    return Reply.of(said, choices=(_AGAIN, _LATER))


def _on_round_done(_: Context, data: Data, answer: Answer) -> Transition:
    documents, collected = _ids(data, "documents"), _ids(data, "collected")
    missing = [d for d in documents if d not in collected]
    if "case_id" not in data or not missing:
        return _reload()
    if answer.choice == _AGAIN.id:
        return Goto("doc", updated(data, current=missing[0], passed=[]))
    return _save(data, "later")


def _on_later_saved(_: Context, data: Data) -> Transition:
    documents, collected = _ids(data, "documents"), _ids(data, "collected")
    done = len([d for d in documents if d in collected])
    return Finish(say=(Reply.of(msg("claims.later", done=done, total=len(documents))),))


# ---- saving ------------------------------------------------------------------------------------


def _save(data: Data, what: str) -> Transition:
    """Save the case; once saved, go on as `_AFTER_SAVING[what]` says (kept in the data as "after", so
    that "coba lagi" after a failed save knows what it was saving)."""
    case_id = _number(data, "case_id")
    if case_id is None or what not in _AFTER_SAVING:
        return _reload()
    return Fetch(SaveClaimCase(case_id, _case_dict(data)), then=_on_saved, data=updated(data, after=what))


def _on_saved(ctx: Context, data: Data, result: object) -> Transition:
    if not isinstance(result, ClaimCaseSaved):
        return _not_saved(data, result)
    go_on = _AFTER_SAVING[_text(data, "after")]
    return go_on(ctx, {key: value for key, value in data.items() if key != "after"})


def _not_saved(data: Data, result: object) -> Transition:
    if isinstance(result, NotAllowed):
        return Finish(say=(Reply.of(msg("claims.not_allowed")),))
    return Goto("retry", data, say=(Reply.of(msg("claims.not_saved")),))


def _ask_retry(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_retry"), choices=(_RETRY,))


def _on_retry(ctx: Context, data: Data, __: Answer) -> Transition:
    if data.get("after") == "create":
        return _create(ctx, {key: value for key, value in data.items() if key != "after"}, ())
    return _save(data, _text(data, "after"))


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


def _ready_info(ctx: Context, data: Data) -> tuple[Reply, ...]:
    programme = ctx.programme
    skipped = _ids(data, "not_needed")
    documents = tuple(
        msg("claims.list_missing", name=_document_name(ctx, d)) for d in _ids(data, "documents") if d not in skipped
    )
    kpj = _text(data, "kpj")
    bring = [msg("claims.bring", documents=documents)]
    if kpj:
        bring.append(msg("claims.bring_kpj", kpj=kpj))
    return (
        Reply.of(msg("claims.where", branch=_branch(programme)), *bring),
        Reply.of(
            msg("claims.how_long", days=_payment_days(programme, data)),
            msg("claims.escalate", call_centre=programme.call_centre, dinas=programme.dinas_name),
            _late_penalty(programme),
        ),
    )


def _on_ready_saved(ctx: Context, data: Data) -> Transition:
    return Goto("ready", data, say=(Reply.of(msg("claims.all_ready")), *_ready_info(ctx, data)))


def _ask_ready(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_submitted"), choices=(_SUBMITTED, _NOT_SUBMITTED))


def _on_ready(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _SUBMITTED.id:
        return _save(updated(data, status="submitted", submitted_on=ctx.today.isoformat()), "submitted")
    return Finish(say=(Reply.of(msg("claims.submit_later")),))


def _on_submitted_saved(ctx: Context, data: Data) -> Transition:
    days = _payment_days(ctx.programme, data)
    return Finish(say=(Reply.of(msg("claims.submitted", date=ctx.today, days=days)),))


# ---- submitted: the outcome -----------------------------------------------------------------------


def _ask_outcome(_: Context, data: Data) -> Reply:
    submitted = _day(data, "submitted_on")
    asked = msg("claims.ask_outcome", date=submitted) if submitted else msg("claims.ask_outcome_undated")
    return Reply.of(asked, choices=(_PAID, _REJECTED, _WAITING))


def _on_outcome(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _PAID.id:
        return Goto("amount", data)
    if answer.choice == _REJECTED.id:
        return Goto("reason", data)
    return _save(data, "waiting")


def _on_waiting_saved(ctx: Context, data: Data) -> Transition:
    programme, days = ctx.programme, _payment_days(ctx.programme, data)
    submitted = _day(data, "submitted_on") or ctx.today
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


def _amount_example(programme: Programme, data: Data) -> dict[str, Money | str]:
    expected = _expected(programme, data)
    return {"example": Money(expected), "millions": str(expected // _RUPIAH_PER_JUTA)}


def _ask_amount(ctx: Context, data: Data) -> Reply:
    return Reply.of(msg("claims.ask_amount", **_amount_example(ctx.programme, data)))


def _on_amount(ctx: Context, data: Data, answer: Answer) -> Transition:
    amount = parse_rupiah(answer.text)
    if amount is None:
        return Invalid(msg("claims.bad_amount", **_amount_example(ctx.programme, data)))
    largest = _largest_possible(ctx.programme)
    if amount > largest:
        return Invalid(msg("claims.amount_too_large", largest=Money(largest)))
    return Goto("paid_on", updated(data, amount_paid=amount))


def _ask_paid_on(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_paid_on", example=_example_date(ctx.today)))


def _on_paid_on(ctx: Context, data: Data, answer: Answer) -> Transition:
    paid = _past_day(ctx, answer.text)
    if isinstance(paid, Invalid):
        return paid
    died = _day(data, "died_on")
    if died is not None and paid < died:
        return Invalid(msg("claims.paid_before_death", died=died))
    return _save(updated(data, status="paid", paid_on=paid.isoformat()), "paid")


def _on_paid_saved(ctx: Context, data: Data) -> Transition:
    programme = ctx.programme
    amount, paid = _number(data, "amount_paid") or 0, _day(data, "paid_on") or ctx.today
    said = [msg("claims.paid", amount=Money(amount), date=paid)]
    expected = _expected(programme, data)
    if amount < expected:
        said.append(msg("claims.paid_less", expected=Money(expected), call_centre=programme.call_centre))
    if _checklist(ctx, data).scholarship in (ScholarshipOutcome.INCLUDED, ScholarshipOutcome.DEPENDS):
        said.append(msg("claims.paid_scholarship"))
    said.append(msg("claims.paid_closing"))
    return Finish(say=(Reply.of(*said),))


def _ask_reason(_: Context, __: Data) -> Reply:
    return Reply.of(msg("claims.ask_reason"))


def _on_reason(_: Context, data: Data, answer: Answer) -> Transition:
    reason = answer.text
    if len(reason) < _REASON_MIN_CHARS:
        return Invalid(msg("claims.bad_reason"))
    return _save(updated(data, status="rejected", reason=reason), "rejected")


def _on_rejected_saved(ctx: Context, _: Data) -> Transition:
    programme = ctx.programme
    said = msg(
        "claims.rejected", branch=_branch_name(programme), call_centre=programme.call_centre, dinas=programme.dinas_name
    )
    return Finish(say=(Reply.of(said),))


# What was being saved → how the flow goes on once it is.
_AFTER_SAVING: dict[str, Callable[[Context, Data], Transition]] = {
    "tick": _on_ticked,
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
        "doc": Step(ask=_ask_doc, on_answer=_on_doc),
        "round_done": Step(ask=_ask_round_done, on_answer=_on_round_done),
        "ready": Step(ask=_ask_ready, on_answer=_on_ready),
        "outcome": Step(ask=_ask_outcome, on_answer=_on_outcome),
        "amount": Step(ask=_ask_amount, on_answer=_on_amount),
        "paid_on": Step(ask=_ask_paid_on, on_answer=_on_paid_on),
        "reason": Step(ask=_ask_reason, on_answer=_on_reason, limit=_REASON),
    },
    needs_consent=True,
    aliases=("klaim ahli waris", "klaim", "klaim santunan", "klaim kematian", "lanjut klaim"),
    resumable=True,
)
