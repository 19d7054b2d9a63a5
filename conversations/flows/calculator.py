"""Hitung manfaat: "kalau saya meninggal, keluarga dapat apa?", answered for this person.

It reads the person's own registration (the store answers `ListRegistrations("mine")` only with
registrations whose registrant is the person asking), then asks the cause of death, how long they
have been a participant (only when the registration does not say), and how many children could get
the scholarship. The answer is figure first; every amount, year and count comes from the programme
file. Nothing personal is shown beyond the date protection started and a pending registration's status.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.coverage import Coverage, Verdict, coverage_on, membership_of
from conversations.dates import parse_date
from conversations.engine import MENU_FLOW
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.programme import Programme
from conversations.requests.registrations import ListRegistrations, RegistrationView
from conversations.text import normalise

__all__ = ["calculator_flow", "membership_months", "parse_children", "parse_membership"]

# ---- choices -------------------------------------------------------------------------------------

_ACCIDENT = Choice(
    "accident", msg("calculator.cause_accident"), ("kecelakaan", "kecelakaan kerja", "kerja", "jkk", "work accident")
)
_OTHER = Choice(
    "other",
    msg("calculator.cause_other"),
    ("bukan", "bukan kecelakaan", "sakit", "tua", "usia tua", "lainnya", "biasa", "jkm", "not an accident"),
)
_BOTH = Choice("both", msg("calculator.cause_both"), ("keduanya", "dua duanya", "semua", "bandingkan", "compare"))
_CAUSES = (_ACCIDENT, _OTHER, _BOTH)

_NONE_YET = ("belum", "belum jadi", "belum peserta", "belum terdaftar", "bukan peserta", "belum pernah", "not yet")
_SHORT_WORDS = ("belum lama", "baru sebentar", "less")
_LONG_WORDS = ("sudah lama", "lebih lama", "more")

_AGAIN = Choice("again", msg("calculator.again"), ("hitung lagi", "lagi", "ulang", "ulangi", "hitung"))
_REGISTER = Choice("register", msg("calculator.register"), ("daftar", "mendaftar", "register"))
_MENU = Choice("menu", msg("calculator.menu"), ("menu utama", "kembali", "selesai"))


@dataclass(frozen=True, slots=True)
class CalculatorData(FlowData):
    # What the person's own registration said, kept when they count again (their answers are not)
    has_registration: bool = False
    active: bool = False  # active, without a start date
    pending: str = ""  # the status of a registration not yet active
    pending_reason: str = ""
    ended_on: date | None = None  # protection through the programme ended that day
    # Their answers
    cause: Literal["", "accident", "other", "both"] = ""
    member: Literal["since", "months", "none", "short", "long", "pending", "ended"] | None = None  # None: not asked
    since: date | None = None
    since_source: Literal["", "registration", "typed"] = ""
    months: int | None = None
    children: int | None = None


# ---- start: the person's own registration --------------------------------------------------------


def _start(_: Context, __: Data) -> Transition:
    return Fetch(ListRegistrations("mine"), then=_loaded, data={})


def _loaded(ctx: Context, __: Data, result: tuple[RegistrationView, ...]) -> Transition:
    facts = registration_facts(result, ctx.programme, ctx.today)
    return Goto("cause", facts.dump(), say=(Reply.of(msg("calculator.intro")),))


def _coverage_today(view: RegistrationView, programme: Programme, today: date) -> Coverage:
    history = [(event.status, programme.local_date(event.at)) for event in view.history]
    return coverage_on(membership_of(view.status, view.coverage_start, history), today)


def registration_facts(views: Sequence[RegistrationView], programme: Programme, today: date) -> CalculatorData:
    """What the person's own registrations tell the calculator, judged for today by the one coverage
    rule (conversations/coverage.py). `ListRegistrations("mine")` holds only registrations whose
    registrant is the person asking (one a leader entered for a neighbour is not among them), so each
    is theirs; `on_behalf` only says whose hands typed it in."""
    own = [v for v in views if v.status != "deleted"]
    if not own:
        return CalculatorData()
    facts = CalculatorData(has_registration=True)
    judged = [_coverage_today(v, programme, today) for v in own]
    covered = sorted(c.start for c in judged if c.verdict is Verdict.COVERED and c.start is not None)
    if covered:  # the longest protection counts
        return facts.but(member="since", since=covered[0], since_source="registration")
    starting = sorted(c.start for c in judged if c.verdict is Verdict.NOT_YET and c.start is not None)
    if starting:  # enrolled, protection starts on a later day
        return facts.but(member="since", since=starting[0], since_source="registration")
    if any(c.verdict is Verdict.UNCONFIRMED and c.status == "active" for c in judged):  # no start date known
        return facts.but(active=True)
    ended = sorted(c.ended_on for c in judged if c.verdict is Verdict.ENDED and c.ended_on is not None)
    if ended:
        return facts.but(member="ended", ended_on=ended[-1])
    pending = [v for v in own if v.status != "rejected"]
    if pending:
        newest = pending[-1]
        return facts.but(member="pending", pending=newest.status, pending_reason=newest.status_reason)
    return facts  # only refused registrations: ask, as for anyone else


# ---- 1. the cause --------------------------------------------------------------------------------


def _ask_cause(_: Context, __: Data) -> Reply:
    return Reply.of(msg("calculator.ask_cause"), choices=_CAUSES)


def _on_cause(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice not in {c.id for c in _CAUSES}:
        return Invalid(msg("engine.pick_a_number"))
    chosen = CalculatorData.load(data).but(cause=str(answer.choice))
    if chosen.member is None:
        return Goto("membership", chosen.dump())
    return _after_membership(ctx, chosen)


# ---- 2. how long a participant -------------------------------------------------------------------


def _years_needed(ctx: Context) -> int:
    return ctx.programme.benefits.scholarship.min_membership_years_if_not_work_accident


def _membership_choices(ctx: Context, data: Data) -> tuple[Choice, ...]:
    years = _years_needed(ctx)
    short = Choice("short", msg("calculator.member_short", years=years), _SHORT_WORDS)
    long = Choice("long", msg("calculator.member_long", years=years), _LONG_WORDS)
    if CalculatorData.load(data).active:  # enrolled already: "not yet a participant" is not an answer
        return (short, long)
    return (Choice("none", msg("calculator.member_none"), _NONE_YET), short, long)


def _ask_membership(ctx: Context, data: Data) -> Reply:
    parts: tuple[Msg, ...] = (msg("calculator.ask_membership"),)
    if CalculatorData.load(data).active:
        parts = (msg("calculator.active_without_date"), *parts)
    return Reply.of(*parts, choices=_membership_choices(ctx, data))


def _on_membership(ctx: Context, data: Data, answer: Answer) -> Transition:
    today = ctx.today
    typed = parse_membership(answer.text, today)
    saved = CalculatorData.load(data)
    if isinstance(typed, date):
        chosen = saved.but(member="since", since=typed, since_source="typed")
    elif isinstance(typed, int):
        chosen = saved.but(member="months", months=typed)
    elif answer.choice in ("none", "short", "long"):
        chosen = saved.but(member=answer.choice)
    else:
        return Invalid(msg("calculator.membership_not_understood"))
    return _after_membership(ctx, chosen)


_NUMBER_WORDS = {
    "nol": "0",
    "satu": "1",
    "dua": "2",
    "tiga": "3",
    "empat": "4",
    "lima": "5",
    "enam": "6",
    "tujuh": "7",
    "delapan": "8",
    "sembilan": "9",
    "sepuluh": "10",
    "sebelas": "11",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
}
_ONE_UNIT = {"setahun": "1 tahun", "sebulan": "1 bulan", "setengah tahun": "6 bulan", "half a year": "6 bulan"}
_LEAD = r"(?:(?:sudah|udah|dah|baru|sekitar|kira kira|kurang lebih|lebih dari|for|about|around)\s+)?"
_YEARS = r"(\d{1,2})\s*(?:tahun|thn|th|taun|tahunan|years?|yrs?)"
_MONTHS = r"(\d{1,3})\s*(?:bulan|bln|bl|months?)"
_TAIL = r"(?:\s*(?:lebih|an|an lebih))?"
_DURATION = re.compile(rf"^{_LEAD}(?:{_YEARS}{_TAIL}(?:\s*(?:dan|and)?\s*{_MONTHS})?|{_MONTHS}){_TAIL}$")
_SINCE = re.compile(r"^(?:sejak|mulai|dari|tanggal|tgl|since|from)\s+")
_MAX_YEARS = 80


def _words_to_digits(text: str) -> str:
    said = normalise(text).replace("-", " ").replace(",", " ")
    for phrase, plain in _ONE_UNIT.items():
        said = said.replace(phrase, plain)
    return " ".join(_NUMBER_WORDS.get(word, word) for word in said.split())


def parse_membership(text: str, today: date) -> int | date | None:
    """How long a participant, as typed: months ("2 tahun", "1 tahun 6 bulan", "8 bln", "dua tahun"),
    or the date it started ("sejak 01-03-2022"). None when the text is neither; a bare number is not
    read as years, since numbers pick choices."""
    said = _words_to_digits(text)
    found = _DURATION.match(said)
    if found:
        years, months_after, months_only = found.groups()
        total = int(years or 0) * 12 + int(months_after or months_only or 0)
        return total if total <= _MAX_YEARS * 12 else None
    started = parse_date(_SINCE.sub("", normalise(text)), today)
    return started if started is not None and started.year >= today.year - _MAX_YEARS else None


def membership_months(since: date, today: date) -> int:
    """Whole months from `since` to `today` (negative when `since` is still ahead)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    if months > 0 and today.day < since.day:
        months -= 1
    elif months < 0 and today.day > since.day:
        months += 1
    return months


def _years_after(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: the years are complete on 1 March
        return date(start.year + years, 3, 1)


# ---- 3. children -------------------------------------------------------------------------------


def _after_membership(ctx: Context, data: CalculatorData) -> Transition:
    if ctx.programme.benefits.scholarship.max_children == 0:
        return _result(ctx, data.but(children=0))
    return Goto("children", data.dump())


def _ask_children(ctx: Context, _: Data) -> Reply:
    return Reply.of(msg("calculator.ask_children", max_age=ctx.programme.benefits.scholarship.child_max_age))


_NO_CHILDREN = frozenset(
    (
        "tidak ada",
        "tidak punya",
        "belum ada",
        "belum punya",
        "ga ada",
        "gak ada",
        "nggak ada",
        "enggak ada",
        "tdk ada",
        "tidak",
        "belum",
        "kosong",
        "none",
        "no",
        "no children",
    )
)
_CHILDREN = re.compile(r"^(?:ada|punya|anak|jumlah)?\s*(\d{1,2})\s*(?:anak|orang|org|children|child|kids?)?$")


def parse_children(text: str) -> int | None:
    said = normalise(text)
    if said in _NO_CHILDREN:
        return 0
    found = _CHILDREN.match(_words_to_digits(text))
    return int(found.group(1)) if found else None


def _on_children(ctx: Context, data: Data, answer: Answer) -> Transition:
    children = parse_children(answer.text)
    if children is None:
        return Invalid(msg("calculator.children_not_understood"))
    return _result(ctx, CalculatorData.load(data).but(children=children))


# ---- 4. the result -------------------------------------------------------------------------------


def _result(ctx: Context, data: CalculatorData) -> Transition:
    return Goto("end", data.dump(), say=(Reply.of(*result_parts(ctx, data)),))


def result_parts(ctx: Context, data: CalculatorData) -> tuple[Msg, ...]:
    today = ctx.today
    cause = data.cause
    since = data.since if data.member == "since" else None
    lead = _lead(ctx, data, since, today)
    blocks: list[Msg] = []
    if cause != _ACCIDENT.id:
        blocks.append(_jkm_block(ctx))
    if cause in (_ACCIDENT.id, _BOTH.id):
        blocks.append(_jkk_block(ctx))
    return (
        *lead,
        *blocks,
        *_membership_line(data, since, today),
        *_scholarship(ctx, data, since, today),
        msg("calculator.conditions", call_centre=ctx.programme.call_centre),
    )


def _lead(ctx: Context, data: CalculatorData, since: date | None, today: date) -> tuple[Msg, ...]:
    """Before the figures, when nothing would be paid today."""
    member = data.member
    if member == "pending":
        status = status_text(data.pending, data.pending_reason)
        return (msg("calculator.pending", status=status),)
    if member == "none":
        return (msg("calculator.not_member", programme=ctx.programme.name),)
    if member == "ended":
        return (msg("calculator.ended", programme=ctx.programme.name, date=data.ended_on or today),)
    if since is not None and since > today:
        return (msg("calculator.starts_on", date=since),)
    return ()


def _jkm_block(ctx: Context) -> Msg:
    jkm = ctx.programme.benefits.jkm
    return msg(
        "calculator.jkm_block",
        total=Money(jkm.total),
        lump_sum=Money(jkm.lump_sum),
        periodic=Money(jkm.periodic_total),
        periodic_months=jkm.periodic_months,
        periodic_monthly=Money(jkm.periodic_monthly),
        funeral=Money(jkm.funeral),
    )


def _jkk_block(ctx: Context) -> Msg:
    benefits, income = ctx.programme.benefits, ctx.programme.premium.declared_income
    return msg(
        "calculator.jkk_block",
        total=Money(benefits.jkk_death_total(income)),
        multiple=benefits.jkk.death_income_multiple,
        income=Money(income),
        income_part=Money(benefits.jkk.death_income_multiple * income),
        periodic=Money(benefits.jkm.periodic_total),
        periodic_months=benefits.jkm.periodic_months,
        periodic_monthly=Money(benefits.jkm.periodic_monthly),
        funeral=Money(benefits.jkm.funeral),
    )


def _duration(months: int) -> Msg:
    years, rest = divmod(max(months, 0), 12)
    if years and rest:
        return msg("calculator.duration_years_months", years=years, months=rest)
    if years:
        return msg("calculator.duration_years", years=years)
    if rest:
        return msg("calculator.duration_months", months=rest)
    return msg("calculator.duration_under_a_month")


def _membership_line(data: CalculatorData, since: date | None, today: date) -> tuple[Msg, ...]:
    if since is not None and since <= today:
        key = "calculator.registered_since" if data.since_source == "registration" else "calculator.member_since"
        return (msg(key, date=since, duration=_duration(membership_months(since, today))),)
    months = data.months
    if data.member == "months" and months is not None:
        return (msg("calculator.member_for", duration=_duration(months)),)
    return ()


def _scholarship(ctx: Context, data: CalculatorData, since: date | None, today: date) -> tuple[Msg, ...]:
    rules = ctx.programme.benefits.scholarship
    if rules.max_children == 0:
        return ()
    children = max(0, data.children or 0)
    if children == 0:
        return (msg("calculator.scholarship_no_children", max_age=rules.child_max_age),)
    cause = data.cause
    when: list[Msg] = []
    if cause in (_ACCIDENT.id, _BOTH.id):
        when.append(msg("calculator.scholarship_accident"))
    if cause != _ACCIDENT.id:
        when.append(_scholarship_other(ctx, data, since, today))
    # Only "not a work accident" was asked and its scholarship does not apply yet: say "once it does".
    later = cause == _OTHER.id and when[-1].key != "calculator.scholarship_other_yes"
    counted = min(children, rules.max_children)
    levels = tuple(
        msg(
            "calculator.scholarship_level",
            level=level.name,
            amount=Money(level.amount_per_year),
            years=level.years,
        )
        for level in rules.levels
    )
    amount = msg(
        "calculator.scholarship_amount_later" if later else "calculator.scholarship_amount",
        children=counted,
        per_child=Money(rules.per_child_total),
        total=Money(rules.per_child_total * counted),
        levels=levels,
    )
    capped = (msg("calculator.scholarship_capped", max_children=rules.max_children),) if children > counted else ()
    return (*when, amount, *capped)


def _scholarship_other(ctx: Context, data: CalculatorData, since: date | None, today: date) -> Msg:
    years = _years_needed(ctx)
    needed = years * 12
    member, months = data.member, data.months
    if since is not None:
        if membership_months(since, today) >= needed:
            return msg("calculator.scholarship_other_yes", years=years)
        return msg("calculator.scholarship_other_from", years=years, date=_years_after(since, years))
    if member == "months" and months is not None:
        if months >= needed:
            return msg("calculator.scholarship_other_yes", years=years)
        return msg("calculator.scholarship_other_in", years=years, months=needed - months)
    if member == "long" or needed == 0:
        return msg("calculator.scholarship_other_yes", years=years)
    return msg("calculator.scholarship_other_later", years=years)


# ---- what next -----------------------------------------------------------------------------------


def _offers_registration(data: Data) -> bool:
    saved = CalculatorData.load(data)
    return saved.member == "none" and not saved.has_registration


def _ask_end(_: Context, data: Data) -> Reply:
    choices = (_AGAIN, _REGISTER, _MENU) if _offers_registration(data) else (_AGAIN, _MENU)
    return Reply.of(msg("calculator.what_next"), choices=choices)


def _on_end(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _AGAIN.id:
        saved = CalculatorData.load(data)
        kept = CalculatorData(
            has_registration=saved.has_registration,
            active=saved.active,
            pending=saved.pending,
            pending_reason=saved.pending_reason,
            ended_on=saved.ended_on,
        )
        if saved.member in ("pending", "ended"):
            kept = kept.but(member=saved.member)
        elif saved.since_source == "registration":
            kept = kept.but(member="since", since=saved.since, since_source="registration")
        return Goto("cause", kept.dump())
    if answer.choice == _REGISTER.id:
        return Finish(then="registration")
    return Finish(say=(Reply.of(msg("calculator.to_menu")),), then=MENU_FLOW)


calculator_flow = Flow(
    id="calculator",
    version=1,
    title=msg("calculator.title"),
    start=_start,
    steps={
        "cause": Step(ask=_ask_cause, on_answer=_on_cause),
        "membership": Step(ask=_ask_membership, on_answer=_on_membership, free_text=True),
        "children": Step(ask=_ask_children, on_answer=_on_children),
        "end": Step(ask=_ask_end, on_answer=_on_end),
    },
    aliases=("hitung manfaat", "hitung santunan", "kalkulator", "hitung"),
    data=CalculatorData,
)
