"""Approval within the year's quota ("Persetujuan dan kuota", Dinas admins): this year's places, used,
verified and waiting; approve the verified registrations in priority order up to the quota (the rest
go on the waiting list); see the waiting list in order; change the quota (the mid-year budget change),
which moves the waiting list up into the new places. Every worker concerned is told by the store.

A registration that breaks a programme rule (its flags, its age on the day) is never approved silently:
the overview and the approval name each one, a bulk approval holds them out, and the admin approves one
only by picking it, writing a reason (recorded) and confirming with the worker's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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
from conversations.flows.common import NO, YES, YES_NO
from conversations.flows.decisions import explicit_choice, officer_word
from conversations.flows.dinas_menu import APPROVAL_WORDS, admins_only, count_text, is_admin
from conversations.flows.places import kelurahan_name
from conversations.messages import Choice, Msg, Reply, msg
from conversations.registration_flags import flag_message, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ApprovalDone,
    ApproveFlagged,
    ApproveVerified,
    ChangeQuota,
    FlaggedItem,
    FlagOverridden,
    ListWaiting,
    NoPlaceLeft,
    NotHeld,
    QuotaAlreadySet,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaNotSet,
    QuotaOverview,
    QuotaSummary,
    WaitingPage,
)
from conversations.role_needs import ADMIN_NEEDED
from conversations.text import normalise

__all__ = ["APPROVAL_WORDS", "MIN_OVERRIDE_REASON", "REASON_LIMIT", "approval_flow", "parse_places"]

MAX_PLACES = 10_000_000
_PAGE = 10
REASON_LIMIT = TextLimit(280, msg("limit.reason"))

_APPROVE = Choice("approve", msg("approval.approve"), ("setujui",))
_WAITING = Choice("waiting", msg("approval.show_waiting"), ("daftar tunggu", "tunggu"))
_QUOTA = Choice("quota", msg("approval.change_quota"), ("ubah kuota", "ganti kuota"))
_DINAS = Choice("dinas", msg("approval.back_to_dinas"), ("kembali", "selesai"))
_NEXT = Choice("next", msg("review.next"), ("berikutnya", "lanjut"))
_BACK = Choice("back", msg("approval.back"), ("kembali",))
_FLAGGED = Choice("flagged", msg("approval.show_flagged"), ("ditandai", "yang ditandai"))
MIN_OVERRIDE_REASON = 5  # the web desk asks the same of an override's and a quota change's reason

_PLACES = re.compile(r"^(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:\s*(?:tempat|orang|peserta|places))?$")


def parse_places(text: str) -> int | None:
    """ "2700", "2.700", "2 700 tempat": a number of places, or None."""
    found = _PLACES.match(normalise(text).replace("\u00a0", " "))
    if found is None:
        return None
    places = int(re.sub(r"\D", "", found.group(1)))
    return places if places <= MAX_PLACES else None


def _refused() -> Finish:
    return Finish(say=(Reply.of(msg("dinas.admins_only")),))


@dataclass(frozen=True, slots=True)
class ApprovalData(FlowData):
    # The quota overview the admin acts on
    year: int = 0
    places: int | None = None  # None: no quota set for the year
    used: int = 0
    verified: int = 0
    waiting: int = 0
    # The waiting list, a page at a time, as shown
    offset: int = 0
    lines: tuple[str, ...] = ()
    waiting_total: int = 0
    # A quota change being confirmed
    new_places: int = 0
    reason: str = ""
    # Held out of approval: (number, name, the rules it breaks in plain words)
    flagged: tuple[tuple[int, str, str], ...] = ()
    # An override being written and confirmed
    override_id: int = 0
    override_reason: str = ""

    VERSION = 2

    @property
    def free(self) -> int:
        return max(0, (self.places or 0) - self.used)


def _overview(say: tuple[Reply, ...] = ()) -> Fetch[QuotaSummary | RoleRefused]:
    return Fetch(QuotaOverview(), then=_on_overview, data={}, say=say)


def _start(ctx: Context, _: Data) -> Transition:
    return admins_only(ctx) or _overview()


def _on_overview(ctx: Context, __: Data, result: QuotaSummary | RoleRefused) -> Transition:
    if not isinstance(result, QuotaSummary):
        return _refused()
    summary = ApprovalData(
        year=result.year,
        places=result.places,
        used=result.used,
        verified=result.verified,
        waiting=result.waiting,
        flagged=tuple(_flagged_entry(ctx, item) for item in result.flagged),
    )
    return Goto("action", summary.dump())


def _flagged_entry(ctx: Context, item: FlaggedItem) -> tuple[int, str, str]:
    """One held registration with the rules it breaks, in the admin's language, kept as shown."""
    said = "; ".join(
        ctx.renderer.render(
            flag_message(ctx.programme, flag, birth_date=item.birth_date, registered_on=item.registered_on),
            ctx.language,
        )
        for flag in known_flags(list(item.flags))
    )
    return (item.id, item.full_name[:40], said)


def _held_lines(flagged: tuple[tuple[int, str, str], ...]) -> tuple[Msg, ...]:
    return tuple(msg("approval.flagged_line", number=number, name=name, flags=said) for number, name, said in flagged)


def _summary(ctx: Context, data: Data) -> tuple[Msg, ...]:
    saved, n = ApprovalData.load(data), _counter(ctx)
    places, year = saved.places, saved.year
    counts = {"verified": n(saved.verified), "waiting": n(saved.waiting)}
    held = (msg("approval.flagged_waiting", lines=_held_lines(saved.flagged)),) if saved.flagged else ()
    if places is None:
        return (msg("approval.overview_no_quota", year=year, **counts), *held)
    used, free = n(saved.used), n(saved.free)
    return (msg("approval.overview", year=year, places=n(places), used=used, free=free, **counts), *held)


def _counter(ctx: Context) -> Callable[[int], str]:
    return lambda value: count_text(value, ctx.language)


def _action_choices(data: Data) -> tuple[Choice, ...]:
    flagged = (_FLAGGED,) if ApprovalData.load(data).flagged else ()
    return (_APPROVE, _WAITING, _QUOTA, *flagged, _DINAS)


def _ask_action(ctx: Context, data: Data) -> Reply:
    return Reply.of(*_summary(ctx, data), msg("approval.what_next"), choices=_action_choices(data))


def _on_action(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = ApprovalData.load(data)
    if answer.choice == _APPROVE.id:
        if saved.places is None:
            return Invalid(msg("approval.quota_not_set", year=saved.year))
        if saved.verified + saved.waiting - len(saved.flagged) <= 0:
            return Invalid(msg("approval.only_flagged_left" if saved.flagged else "approval.nothing_to_approve"))
        return Goto("confirm_approve", data)
    if answer.choice == _FLAGGED.id and saved.flagged:
        return Goto("flagged", data)
    if answer.choice == _WAITING.id:
        return Fetch(ListWaiting(0, _PAGE), then=_on_waiting_listed, data=saved.but(offset=0).dump())
    if answer.choice == _QUOTA.id:
        return Goto("quota_places", data)
    return Finish(then="dinas")


# ---- approving -------------------------------------------------------------------------------------------


def _ask_confirm_approve(ctx: Context, data: Data) -> Reply:
    saved, n = ApprovalData.load(data), _counter(ctx)
    verified, waiting, free = saved.verified, saved.waiting, saved.free
    candidates = max(0, verified + waiting - len(saved.flagged))
    fit = min(free, candidates)
    order = "approval.order_priority" if ctx.programme.eligibility.priority else "approval.order_date"
    said = msg(
        "approval.confirm_approve",
        verified=n(verified),
        waiting=n(waiting),
        free=n(free),
        fit=n(fit),
        left=n(candidates - fit),
        order=msg(order),
    )
    held = (msg("approval.will_hold", lines=_held_lines(saved.flagged)),) if saved.flagged else ()
    return Reply.of(*held, said, choices=YES_NO)


def _on_confirm_approve(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if (word := officer_word(answer)) is not None:
        return Finish(say=(Reply.of(msg("approval.nothing_changed")),), then=word)
    choice = explicit_choice(ctx, answer, YES_NO)
    if choice == YES.id:
        return Fetch(ApproveVerified(), then=_on_approved)
    if choice == NO.id:
        return _overview(say=(Reply.of(msg("approval.nothing_changed")),))
    return Invalid(msg("approval.answer_yes_or_no"))


def _on_approved(ctx: Context, __: Data, result: ApprovalDone | QuotaNotSet | RoleRefused) -> Transition:
    n = _counter(ctx)
    if isinstance(result, ApprovalDone):
        said = msg(
            "approval.done",
            approved=n(result.approved),
            waiting_list=n(result.waiting_list),
            year=result.year,
            used=n(result.used),
            places=n(result.places),
        )
        held = tuple(_flagged_entry(ctx, item) for item in result.held)
        held_said = (msg("approval.held", lines=_held_lines(held)),) if held else ()
        return _overview(say=(Reply.of(said, *held_said),))
    if isinstance(result, QuotaNotSet):
        return _overview(say=(Reply.of(msg("approval.quota_not_set", year=result.year)),))
    return _refused()


# ---- overriding a flag: one registration, a reason, confirmed with the name --------------------------------


def _flagged_choice(entry: tuple[int, str, str]) -> Choice:
    number, name, _ = entry
    return Choice(str(number), msg("approval.flagged_item", number=number, name=name), (name,), number=number)


def _ask_flagged(_: Context, data: Data) -> Reply:
    saved = ApprovalData.load(data)
    said = msg("approval.flagged_list", lines=_held_lines(saved.flagged))
    return Reply.of(said, choices=(*(_flagged_choice(entry) for entry in saved.flagged), _BACK))


def _held(saved: ApprovalData, number: int) -> tuple[int, str, str] | None:
    return next((entry for entry in saved.flagged if entry[0] == number), None)


def _on_flagged(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = ApprovalData.load(data)
    if answer.choice == _BACK.id or officer_word(answer) is not None:
        return _overview()
    if answer.choice is None or not answer.choice.isdecimal() or _held(saved, int(answer.choice)) is None:
        shown = ", ".join(str(entry[0]) for entry in saved.flagged)
        return Invalid(msg("approval.pick_flagged", shown=shown))
    return Goto("override_reason", saved.but(override_id=int(answer.choice), override_reason="").dump())


def _override_params(saved: ApprovalData) -> dict[str, str | int]:
    number, name, said = _held(saved, saved.override_id) or (saved.override_id, "-", "-")
    return {"number": number, "name": name, "flags": said, "reason": saved.override_reason or "-"}


def _ask_override_reason(_: Context, data: Data) -> Reply:
    return Reply.of(msg("approval.ask_override_reason", **_override_params(ApprovalData.load(data))))


def _on_override_reason(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if (word := officer_word(answer)) is not None:
        return Finish(say=(Reply.of(msg("approval.nothing_changed")),), then=word)
    if len(answer.text.strip()) < MIN_OVERRIDE_REASON:
        return Invalid(msg("approval.override_reason_too_short"))
    return Goto("confirm_override", ApprovalData.load(data).but(override_reason=answer.text.strip()).dump())


def _ask_confirm_override(_: Context, data: Data) -> Reply:
    said = msg("approval.confirm_override", **_override_params(ApprovalData.load(data)))
    return Reply.of(said, choices=YES_NO)


def _on_confirm_override(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if (word := officer_word(answer)) is not None:
        return Finish(say=(Reply.of(msg("approval.nothing_changed")),), then=word)
    saved = ApprovalData.load(data)
    choice = explicit_choice(ctx, answer, YES_NO)
    if choice == NO.id:
        return _overview(say=(Reply.of(msg("approval.override_cancelled", **_override_params(saved))),))
    if choice != YES.id:
        return Invalid(msg("approval.answer_yes_or_no"))
    request = ApproveFlagged(saved.override_id, saved.override_reason)
    return Fetch(request, then=_on_overridden, data=saved.dump())


def _on_overridden(
    ctx: Context, data: Data, result: FlagOverridden | NoPlaceLeft | NotHeld | QuotaNotSet | RoleRefused
) -> Transition:
    saved, n = ApprovalData.load(data), _counter(ctx)
    if isinstance(result, FlagOverridden):
        params = _override_params(saved)
        said = msg("approval.overridden", used=n(result.used), places=n(result.places), year=result.year, **params)
        return _overview(say=(Reply.of(said),))
    if isinstance(result, NoPlaceLeft):
        said = msg("approval.no_place_left", year=result.year, places=n(result.places))
        return _overview(say=(Reply.of(said),))
    if isinstance(result, NotHeld):
        return _overview(say=(Reply.of(msg("approval.not_held", number=result.registration_id)),))
    if isinstance(result, QuotaNotSet):
        return _overview(say=(Reply.of(msg("approval.quota_not_set", year=result.year)),))
    return _refused()


# ---- the waiting list --------------------------------------------------------------------------------------

_PRIORITY = {2: "approval.priority_both", 1: "approval.priority_one"}


def _on_waiting_listed(ctx: Context, data: Data, result: WaitingPage | RoleRefused) -> Transition:
    if not isinstance(result, WaitingPage):
        return _refused()
    if not result.items:
        return Goto("action", data, say=(Reply.of(msg("approval.waiting_empty")),))
    with_priority = bool(ctx.programme.eligibility.priority)  # a programme without priorities: by date only
    lines = tuple(
        ctx.renderer.render(
            msg(
                "approval.waiting_line" if with_priority else "approval.waiting_line_plain",
                position=item.position,
                number=item.id,
                name=item.full_name[:40],
                kelurahan=kelurahan_name(ctx, item.kelurahan_code),
                date=f"{item.registered_on:%d-%m-%Y}",
                priority=msg(_PRIORITY.get(item.priorities_met, "approval.priority_none")),
            ),
            ctx.language,
        )
        for item in result.items
    )
    return Goto("waiting", ApprovalData.load(data).but(lines=lines, waiting_total=result.total).dump())


def _ask_waiting(ctx: Context, data: Data) -> Reply:
    saved = ApprovalData.load(data)
    lines, offset, total = saved.lines, saved.offset, saved.waiting_total
    more = (_NEXT,) if offset + len(lines) < total else ()
    said = msg("approval.waiting_list", total=count_text(total, ctx.language), lines="\n".join(lines) or "-")
    return Reply.of(said, choices=(*more, _BACK))


def _on_waiting(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if answer.choice == _NEXT.id:
        saved = ApprovalData.load(data)
        offset = saved.offset + _PAGE
        return Fetch(ListWaiting(offset, _PAGE), then=_on_waiting_listed, data=saved.but(offset=offset).dump())
    return _overview()


# ---- changing the quota ------------------------------------------------------------------------------------


def _ask_places(ctx: Context, data: Data) -> Reply:
    saved, n = ApprovalData.load(data), _counter(ctx)
    places = saved.places
    now = msg("approval.places_now", places=n(places)) if places is not None else msg("approval.places_not_set")
    return Reply.of(msg("approval.ask_places", year=saved.year, now=now, used=n(saved.used)))


def _on_places(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    places = parse_places(answer.text)
    if places is None:
        return Invalid(msg("approval.places_not_a_number"))
    saved = ApprovalData.load(data)
    if places < saved.used:
        used = count_text(saved.used, ctx.language)
        return Invalid(msg("approval.places_below_used", used=used, year=saved.year))
    return Goto("quota_reason", saved.but(new_places=places).dump())


def _ask_reason(_: Context, __: Data) -> Reply:
    return Reply.of(msg("approval.ask_reason"))


def _on_reason(_: Context, data: Data, answer: Answer) -> Transition:
    reason = answer.text
    reason = "" if reason in ("-", "") or normalise(reason) in ("tidak ada", "tidak", "gak ada") else reason
    return Goto("confirm_quota", ApprovalData.load(data).but(reason=reason).dump())


def _ask_confirm_quota(ctx: Context, data: Data) -> Reply:
    saved, n = ApprovalData.load(data), _counter(ctx)
    new, old, year = saved.new_places, saved.places, saved.year
    promote = min(saved.waiting, max(0, new - saved.used))
    if old is None:
        said = msg("approval.confirm_quota_new", year=year, new=n(new))
    else:
        said = msg("approval.confirm_quota", year=year, old=n(old), new=n(new))
    promoting = (msg("approval.will_promote", promote=n(promote)),) if promote else ()
    return Reply.of(said, *promoting, choices=YES_NO)


def _on_confirm_quota(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if answer.choice == NO.id:
        return _overview(say=(Reply.of(msg("approval.nothing_changed")),))
    saved = ApprovalData.load(data)
    request = ChangeQuota(saved.new_places, saved.reason)
    return Fetch(request, then=_on_quota_changed)


def _on_quota_changed(
    ctx: Context, __: Data, result: QuotaChanged | QuotaBelowUsed | QuotaAlreadySet | RoleRefused
) -> Transition:
    n = _counter(ctx)
    if isinstance(result, QuotaChanged):
        said = msg("approval.quota_changed", year=result.year, places=n(result.places), used=n(result.used))
        promoted = (msg("approval.promoted", promoted=n(result.promoted)),) if result.promoted else ()
        return _overview(say=(Reply.of(said, *promoted),))
    if isinstance(result, QuotaBelowUsed):
        below = msg("approval.places_below_used", used=n(result.used), year=result.year)
        return _overview(say=(Reply.of(below),))
    if isinstance(result, QuotaAlreadySet):  # not asked here (only_if_unset is the Menu Dinas's offer)
        return _overview()
    return _refused()


approval_flow = Flow(
    id="approval",
    version=2,
    title=msg("approval.title"),
    start=_start,
    steps={
        "action": Step(ask=_ask_action, on_answer=_on_action),
        "confirm_approve": Step(ask=_ask_confirm_approve, on_answer=_on_confirm_approve),
        "flagged": Step(ask=_ask_flagged, on_answer=_on_flagged, free_text=True),
        "override_reason": Step(ask=_ask_override_reason, on_answer=_on_override_reason, limit=REASON_LIMIT),
        "confirm_override": Step(ask=_ask_confirm_override, on_answer=_on_confirm_override),
        "waiting": Step(ask=_ask_waiting, on_answer=_on_waiting),
        "quota_places": Step(ask=_ask_places, on_answer=_on_places),
        "quota_reason": Step(ask=_ask_reason, on_answer=_on_reason, limit=REASON_LIMIT),
        "confirm_quota": Step(ask=_ask_confirm_quota, on_answer=_on_confirm_quota),
    },
    # Not in the main menu (admins open it from the Menu Dinas); its words reach everyone, and the
    # start refuses politely whoever is not an admin.
    aliases=APPROVAL_WORDS,
    needs_role=ADMIN_NEEDED,
    data=ApprovalData,
)
