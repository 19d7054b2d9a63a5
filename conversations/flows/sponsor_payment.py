"""A sponsor says they paid ("sudah bayar"): the months of their workers' premiums they paid through BPJS
Ketenagakerjaan's own channels are recorded. Jaring takes no money and checks no payment: it records what
the sponsor says, so that nobody is reminded of a month paid, and the Dinas is not told it was missed.

Opened by its words ("sudah bayar", "bayar iuran", "konfirmasi bayar"), from the sponsor's own menu, or as
the answer to the reminder letter (bot/desks/sponsor_payments.py leaves `Contact.awaiting =
"sponsor_payment"`: the next message outside a flow comes here as data["reply"] / data["button"]).

- The months open to record: those due or missed, and the next one coming due for each worker paid for.
  One: confirmed, then recorded. Several: one picked, or "Semua" (recorded a few at a time: a message may
  ask the store only so often, so more than that are asked about again).
- "Belum" (to the letter): thanks, each month's due day, and how to pay. A later message that is no answer
  (the letter is older than the conversation by then) is an ordinary one: the menu.
- None open: nothing is due, and when the next month is. Not a sponsor: how to become one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.engine import MENU_FLOW
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import (
    MySponsor,
    NotSponsor,
    PaymentRecorded,
    PeriodItem,
    RecordPayment,
    SponsorsOff,
    SponsorView,
)
from conversations.sponsor_letters import read_letter_reply
from conversations.sponsor_words import month_words

__all__ = ["AWAITING_PAYMENT", "PAYMENT_CHOICES", "payable_months", "sponsor_payment_flow"]

AWAITING_PAYMENT = "sponsor_payment"  # Contact.awaiting while the sponsor's answer to a reminder is awaited
_PAID, _NOT_YET = "pay_done", "pay_not_yet"
PAYMENT_CHOICES = (
    Choice(_PAID, msg("sponsor_payment.choice_paid"), ("sudah", "sudah bayar", "udah", "sdh", "ya sudah", "lunas")),
    Choice(_NOT_YET, msg("sponsor_payment.choice_not_yet"), ("belum", "blm", "belum bayar", "nanti", "belum sempat")),
)
_YES, _NO = "record_yes", "record_no"
_CONFIRM = (
    Choice(_YES, msg("sponsor_payment.confirm_yes"), ("ya", "iya", "y", "benar", "sudah", "catat")),
    Choice(_NO, msg("sponsor_payment.confirm_no"), ("tidak", "belum", "jangan", "n", "batal catat")),
)
_ALL = "all_months"
_MOST_LISTED = 9  # with "Semua": ten choices, what a WhatsApp list shows
# The pipeline answers only a few requests for one message (bot/inbound/pipeline.py): "Semua" records this
# many at a time and asks before the next ones.
_AT_A_TIME = 3


@dataclass(frozen=True, slots=True)
class Month(FlowData):
    sponsorship_id: int = 0
    period: date | None = None
    due_on: date | None = None
    name: str = ""  # the worker's


@dataclass(frozen=True, slots=True)
class PaymentData(FlowData):
    reply: str = ""  # the words that came after the letter (the engine's awaiting route)
    button: str = ""  # or the button tapped
    months: tuple[Month, ...] = ()  # open to record, oldest first
    next_month: Month | None = None  # when nothing is open: the next one coming
    waiting: tuple[Month, ...] = ()  # picked, not recorded yet
    recorded: tuple[Month, ...] = ()
    already: int = 0  # of them, said paid before
    asked_now: int = 0  # recorded in this message so far


def _offered(programme: Programme) -> bool:
    return programme.sponsors is not None


def payable_months(view: SponsorView, today: date, reminder_days: int) -> tuple[tuple[Month, ...], Month | None]:
    """The months open to record, oldest first: due or missed, and those coming due that the sponsor has
    been reminded of (from `reminder_days` before the due day); when none is open, the next month coming."""
    open_ = {(item.sponsorship_id, item.period): item for item in view.unpaid}
    coming = []
    for worker in view.workers:
        item = worker.next_due
        if worker.status != "active" or item is None or item.state != "upcoming":
            continue
        if (item.due_on - today).days <= reminder_days:
            open_.setdefault((item.sponsorship_id, item.period), item)
        coming.append(item)
    names = {worker.sponsorship_id: worker.worker_name for worker in view.workers}

    def month(item: PeriodItem) -> Month:
        return Month(
            item.sponsorship_id, item.period, item.due_on, item.worker_name or names.get(item.sponsorship_id, "")
        )

    months = tuple(month(i) for i in sorted(open_.values(), key=lambda i: (i.period, month(i).name, i.sponsorship_id)))
    first = min(coming, key=lambda item: (item.period, item.sponsorship_id), default=None)
    return months, month(first) if first is not None and not months else None


# ---- the start ----------------------------------------------------------------------------------------------


def _start(_: Context, __: Data) -> Transition:
    return Fetch(MySponsor(), then=_on_view)


def _on_view(ctx: Context, data: Data, view: SponsorView | NotSponsor | SponsorsOff) -> Transition:
    given = PaymentData.load(data)
    if isinstance(view, SponsorsOff):
        return Finish(say=(Reply.of(msg("sponsor_payment.off")),))
    if isinstance(view, NotSponsor):
        return Finish(say=(Reply.of(msg("sponsor_payment.not_sponsor")),))
    rules = ctx.programme.sponsors
    months, later = payable_months(view, ctx.today, rules.reminder_days if rules is not None else 0)
    found = PaymentData(months=months, next_month=later)
    if given.reply or given.button:
        picked = read_letter_reply(ctx, given.reply, given.button, PAYMENT_CHOICES)
        if picked == _NOT_YET:
            return _not_yet(ctx, found)
        if picked is None and not ctx.contact.letter_is_newer:
            return Finish(then=MENU_FLOW)  # answered since the letter ("belum"): an ordinary message now
        if picked is None:
            return Goto("paid", data=found.dump(), say=(Reply.of(msg("sponsor_payment.unclear")),))
    return _to_record(found)


def _to_record(found: PaymentData) -> Transition:
    if not found.months:
        return Finish(say=(Reply.of(*_nothing_open(found)),))
    if len(found.months) == 1:
        return Goto("confirm", data=found.dump())
    return Goto("pick", data=found.dump())


def _nothing_open(found: PaymentData) -> tuple[Msg, ...]:
    later = found.next_month
    if later is None or later.period is None or later.due_on is None:
        return (msg("sponsor_payment.nothing_open"),)
    coming = msg(
        "sponsor_payment.next_month", name=later.name or "-", month=month_words(later.period), due=later.due_on
    )
    return (msg("sponsor_payment.nothing_open"), coming)


def _not_yet(ctx: Context, found: PaymentData) -> Transition:
    """ "Belum": thanks, the months and their due days, how to pay."""
    rules = ctx.programme.sponsors
    parts: list[Msg] = [msg("sponsor_payment.not_yet")]
    if found.months:
        parts.append(msg("sponsor_payment.months_open", lines=_lines(ctx, found.months)))
    else:
        parts += _nothing_open(found)[1:]
    if rules is not None:
        parts.append(msg("sponsor_worker.how_to_pay", how=rules.how_to_pay))
    return Finish(say=(Reply(tuple(parts)),))


def _lines(ctx: Context, months: tuple[Month, ...]) -> tuple[Msg, ...]:
    premium = Money(ctx.programme.premium.monthly)
    return tuple(
        msg(
            "sponsor_payment.month_line", name=m.name or "-", month=month_words(m.period), premium=premium, due=m.due_on
        )
        for m in months
        if m.period is not None and m.due_on is not None
    )


# ---- "sudah bayar?" asked again ----------------------------------------------------------------------------


def _ask_paid(ctx: Context, data: Data) -> Reply:
    found = PaymentData.load(data)
    parts: list[Msg] = []
    if found.months:
        parts.append(msg("sponsor_payment.months_open", lines=_lines(ctx, found.months)))
    parts.append(msg("sponsor_payment.letter_question"))
    return Reply(tuple(parts), PAYMENT_CHOICES)


def _on_paid(ctx: Context, data: Data, answer: Answer) -> Transition:
    found = PaymentData.load(data)
    if answer.choice == _NOT_YET:
        return _not_yet(ctx, found)
    if answer.choice == _PAID:
        return _to_record(found)
    return Invalid(msg("sponsor_payment.unclear"))


# ---- one month: confirmed ----------------------------------------------------------------------------------


def _ask_confirm(_: Context, data: Data) -> Reply:
    month = PaymentData.load(data).months[:1]
    if not month or month[0].period is None:
        return Reply.of(msg("sponsor_payment.nothing_open"), choices=_CONFIRM)
    said = msg("sponsor_payment.confirm", name=month[0].name or "-", month=month_words(month[0].period))
    return Reply.of(said, choices=_CONFIRM)


def _on_confirm(_: Context, data: Data, answer: Answer) -> Transition:
    found = PaymentData.load(data)
    if answer.choice == _NO:
        return Finish(say=(Reply.of(msg("sponsor_payment.not_recorded")),))
    if answer.choice != _YES:
        return Invalid(msg("engine.pick_a_number"))
    return _record_next(found.but(waiting=found.months[:1], asked_now=0))


# ---- several: one picked, or all ---------------------------------------------------------------------------


def _choices(months: tuple[Month, ...]) -> tuple[Choice, ...]:
    listed = tuple(
        Choice(f"month_{index}", msg("sponsor_payment.month_choice", name=m.name or "-", month=month_words(m.period)))
        for index, m in enumerate(months[:_MOST_LISTED])
        if m.period is not None
    )
    return (*listed, Choice(_ALL, msg("sponsor_payment.choice_all"), ("semua", "semuanya", "semua sudah", "all")))


def _ask_pick(_: Context, data: Data) -> Reply:
    return Reply.of(msg("sponsor_payment.pick"), choices=_choices(PaymentData.load(data).months))


def _on_pick(_: Context, data: Data, answer: Answer) -> Transition:
    found = PaymentData.load(data)
    if answer.choice == _ALL:
        return _record_next(found.but(waiting=found.months[:_MOST_LISTED], asked_now=0))
    index = answer.choice.removeprefix("month_") if answer.choice else ""
    if not index.isdigit() or int(index) >= len(found.months):
        return Invalid(msg("engine.pick_a_number"))
    return _record_next(found.but(waiting=(found.months[int(index)],), asked_now=0))


# ---- recording ---------------------------------------------------------------------------------------------


def _record_next(found: PaymentData) -> Transition:
    if not found.waiting:
        return Finish(say=(_recorded(found),))
    if found.asked_now >= _AT_A_TIME:
        return Goto("more", data=found.dump())
    month = found.waiting[0]
    if month.period is None:
        return _record_next(found.but(waiting=found.waiting[1:]))
    request = RecordPayment(month.sponsorship_id, month.period)
    return Fetch(request, then=_on_recorded, data=found.but(asked_now=found.asked_now + 1).dump())


def _on_recorded(_: Context, data: Data, result: PaymentRecorded | NotSponsor | RoleRefused) -> Transition:
    found = PaymentData.load(data)
    if not isinstance(result, PaymentRecorded):
        said = Reply.of(msg("sponsor_payment.refused"))
        return Finish(say=(_recorded(found), said) if found.recorded else (said,))
    done = found.waiting[0]
    return _record_next(
        found.but(waiting=found.waiting[1:], recorded=(*found.recorded, done), already=found.already + result.already)
    )


def _ask_more(_: Context, data: Data) -> Reply:
    found = PaymentData.load(data)
    said = msg("sponsor_payment.more", done=len(found.recorded), left=len(found.waiting))
    return Reply.of(said, choices=_CONFIRM)


def _on_more(_: Context, data: Data, answer: Answer) -> Transition:
    found = PaymentData.load(data)
    if answer.choice == _YES:
        return _record_next(found.but(asked_now=0))
    if answer.choice == _NO:
        return Finish(say=(_recorded(found.but(waiting=())), Reply.of(msg("sponsor_payment.rest_not_recorded"))))
    return Invalid(msg("engine.pick_a_number"))


def _recorded(found: PaymentData) -> Reply:
    lines = tuple(
        msg("sponsor_payment.recorded_line", name=m.name or "-", month=month_words(m.period))
        for m in found.recorded
        if m.period is not None
    )
    parts: list[Msg] = [msg("sponsor_payment.recorded", lines=lines)]
    if found.already:
        parts.append(msg("sponsor_payment.already", count=found.already))
    parts.append(msg("sponsor_payment.thanks"))
    return Reply(tuple(parts))


sponsor_payment_flow = Flow(
    id="sponsor_payment",
    version=1,
    title=msg("sponsor_payment.title"),
    start=_start,
    steps={
        "paid": Step(ask=_ask_paid, on_answer=_on_paid),
        "confirm": Step(ask=_ask_confirm, on_answer=_on_confirm),
        "pick": Step(ask=_ask_pick, on_answer=_on_pick),
        "more": Step(ask=_ask_more, on_answer=_on_more, no_way_back=True),
    },
    offered=_offered,  # never in MAIN_MENU: its words open it, and the sponsor's own menu
    aliases=("sudah bayar", "bayar iuran", "konfirmasi bayar", "sudah bayar iuran", "konfirmasi pembayaran"),
    data=PaymentData,
)
