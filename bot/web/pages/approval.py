"""Approval and quota (Dinas admins): the year's places, used, verified waiting and the waiting list, by
name in priority order; approve the chosen ones or all up to the quota, confirmed first; an override of a
flagged registration with a reason; the quota changed with a reason, confirmed; the history.

Every decision is the desks' (bot/desks/quota.py, through the chat's requests): the order, the quota lock,
the letters to the workers, the audit, the flagged ones held. These pages only show and ask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.rendering import Texts, number
from bot.web.visit import AdminsOnly, NotFound, Visit, notices, page_route, path_id, query_int
from conversations.flows.approval import MIN_OVERRIDE_REASON, REASON_LIMIT, parse_places
from conversations.registration_flags import flag_message, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ApprovalDone,
    ApprovalRecord,
    ApproveFlagged,
    ApproveSelected,
    ApproveVerified,
    ChangeQuota,
    FlaggedItem,
    FlagOverridden,
    ListForApproval,
    NoPlaceLeft,
    NotHeld,
    Queue,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaHistory,
    QuotaHistoryView,
    QuotaOverview,
    QuotaSummary,
    WaitingItem,
    WaitingPage,
)

__all__ = ["ListView", "QueueRow", "routes"]

PAGE = 20  # names per list and page
MAX_CHOSEN = 50  # names approved at once by choice (a desk page's most)
MIN_REASON = MIN_OVERRIDE_REASON  # as the chat asks of an override's reason
MAX_REASON = REASON_LIMIT.most
_AWAITING: tuple[Queue, ...] = ("verified", "waiting_list")
_PRIORITY = {2: "web.approval.priority_both", 1: "web.approval.priority_one"}
_STATUS = {
    "verified": "web.approval.status_verified",
    "waiting_list": "web.approval.status_waiting_list",
    "approved": "web.approval.status_approved",
    "active": "web.approval.status_active",
}

notices(
    "web.approval.choose_first",
    "web.approval.nothing_chosen_waits",
    "web.approval.quota_not_set",
    "web.approval.overridden",
    "web.approval.not_held",
    "web.approval.quota_changed",
    "web.approval.nothing_changed",
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One registration as a list shows it: its place in the order, kelurahan and priorities in words,
    and the rules it breaks in plain words (empty: none)."""

    item: WaitingItem
    kelurahan: str
    priority: str
    status: str
    flags: tuple[str, ...]


def flag_words(texts: Texts, item: WaitingItem | FlaggedItem) -> tuple[str, ...]:
    """The rules a registration breaks, each in plain words (as the chat and the verifier see them)."""
    return tuple(
        texts.catalogs.render(
            flag_message(texts.programme, flag, birth_date=item.birth_date, registered_on=item.registered_on),
            texts.language,
        )
        for flag in known_flags(list(item.flags))
    )


def queue_rows(visit: Visit, page: WaitingPage) -> tuple[QueueRow, ...]:
    names = {kelurahan.code: kelurahan.name for kelurahan in visit.desk.jaring.region.all_kelurahan}
    texts = visit.texts
    return tuple(
        QueueRow(
            item=item,
            kelurahan=names.get(item.kelurahan_code, item.kelurahan_code),
            priority=texts(_PRIORITY.get(item.priorities_met, "web.approval.priority_none")),
            status=texts(_STATUS.get(item.status, "web.approval.status_other")),
            flags=flag_words(texts, item),
        )
        for item in page.items
    )


def chosen_numbers(values: Sequence[str]) -> tuple[int, ...]:
    """The registration numbers ticked (each once, in the order given); anything else is ignored."""
    numbers = (int(value) for value in values if value.isdecimal() and len(value) < 10)
    return tuple(dict.fromkeys(numbers))


def reason_problem(reason: str, *, required_key: str) -> str | None:
    """The catalog key saying what is wrong with a reason, or None when it will do."""
    if len(reason) < MIN_REASON:
        return required_key
    if len(reason) > MAX_REASON:
        return "web.approval.reason_too_long"
    return None


def _refused(answer: object) -> None:
    if isinstance(answer, RoleRefused):
        raise AdminsOnly


async def _summary(visit: Visit) -> QuotaSummary:
    summary = await visit.ask(QuotaOverview())
    if not isinstance(summary, QuotaSummary):
        raise AdminsOnly
    return summary


async def _queue(
    visit: Visit, queues: tuple[Queue, ...], offset: int = 0, *, only: tuple[int, ...] | None = None, limit: int = PAGE
) -> WaitingPage:
    page = await visit.ask(ListForApproval(queues, offset, limit, only))
    if not isinstance(page, WaitingPage):
        raise AdminsOnly
    return page


async def _history(visit: Visit) -> QuotaHistoryView:
    history = await visit.ask(QuotaHistory())
    if not isinstance(history, QuotaHistoryView):
        raise AdminsOnly
    return history


def _shown(*pages: WaitingPage) -> str:
    return ",".join(str(item.id) for page in pages for item in page.items)


# ---- the overview -------------------------------------------------------------------------------------


# Each list on the overview and the query parameter of its page (its offset)
_LISTS: dict[Queue, str] = {"verified": "v", "waiting_list": "t", "in_quota": "k"}
# Each list's heading, caption, and what it says when empty
_LIST_TEXTS: dict[Queue, tuple[str, str, str]] = {
    "verified": ("web.approval.list_verified", "web.approval.caption_verified", "web.approval.empty_verified"),
    "waiting_list": ("web.approval.list_waiting", "web.approval.caption_waiting", "web.approval.empty_waiting"),
    "in_quota": ("web.approval.list_in_quota", "web.approval.caption_in_quota", "web.approval.empty_in_quota"),
}


@dataclass(frozen=True, slots=True)
class ListView:
    name: Queue
    heading: str  # catalog keys
    caption: str
    empty: str
    page: WaitingPage
    rows: tuple[QueueRow, ...]
    earlier: str  # the link to the page before ("" on the first)
    later: str  # the link to the next page ("" on the last)


async def overview(visit: Visit) -> Response:
    visit.require_admin()
    summary = await _summary(visit)
    offsets = {key: query_int(visit.request.query_params, key) for key in _LISTS.values()}
    pages = {queue: await _queue(visit, (queue,), offsets[key]) for queue, key in _LISTS.items()}
    await visit.viewed("approval.overview", shown=_shown(*pages.values()))
    return visit.page(
        "approval/overview.html",
        summary=summary,
        lists=tuple(_list(visit, queue, page, offsets) for queue, page in pages.items()),
        with_priority=bool(visit.texts.programme.eligibility.priority),
        renewal_held=max(0, summary.used - pages["in_quota"].total),
    )


def _list(visit: Visit, queue: Queue, page: WaitingPage, offsets: dict[str, int]) -> ListView:
    key, offset = _LISTS[queue], offsets[_LISTS[queue]]

    def link(to: int) -> str:
        query = "&".join(f"{name}={to if name == key else value}" for name, value in offsets.items())
        return f"?{query}#{queue}"

    earlier = link(max(0, offset - PAGE)) if offset > 0 else ""
    later = link(offset + PAGE) if offset + PAGE < page.total else ""
    return ListView(queue, *_LIST_TEXTS[queue], page, queue_rows(visit, page), earlier, later)


# ---- approving: confirm, approve, the result -------------------------------------------------------------


async def confirm(visit: Visit) -> Response:
    visit.require_admin()
    everyone = visit.field("cara") == "semua"
    summary = await _summary(visit)
    if summary.places is None:
        return visit.redirect("/persetujuan", notice="web.approval.quota_not_set")
    if everyone:
        fit = min(summary.free, max(0, summary.verified + summary.waiting - len(summary.flagged)))
        held_all = tuple((item, flag_words(visit.texts, item)) for item in summary.flagged)
        await visit.viewed("approval.confirm", shown=",".join(str(item.id) for item in summary.flagged))
        return visit.page("approval/confirm.html", everyone=True, summary=summary, fit=fit, rows=(), held=held_all)
    numbers = chosen_numbers(visit.request.query_params.getlist("pilih"))
    if not numbers:
        return visit.redirect("/persetujuan", notice="web.approval.choose_first")
    if len(numbers) > MAX_CHOSEN:
        return _bad_choice(visit, "web.approval.too_many_chosen")
    chosen = await _queue(visit, _AWAITING, 0, only=numbers, limit=MAX_CHOSEN)
    if not chosen.items:
        return visit.redirect("/persetujuan", notice="web.approval.nothing_chosen_waits")
    rows = queue_rows(visit, chosen)
    await visit.viewed("approval.confirm", shown=_shown(chosen))
    held = tuple((row.item, row.flags) for row in rows if row.flags)
    fit = min(summary.free, len(rows) - len(held))
    return visit.page("approval/confirm.html", everyone=False, summary=summary, fit=fit, rows=rows, held=held)


def _bad_choice(visit: Visit, key: str) -> Response:
    return visit.page("error.html", status=400, message=visit.texts(key), status_code=400)


async def approve(visit: Visit) -> Response:
    visit.require_admin()
    if visit.field("cara") == "semua":
        done = await visit.ask(ApproveVerified())
    else:
        ticked = visit.form.getlist("pilih") if visit.form is not None else []
        numbers = chosen_numbers([value for value in ticked if isinstance(value, str)])
        if not numbers or len(numbers) > MAX_CHOSEN:
            return visit.redirect("/persetujuan", notice="web.approval.choose_first")
        done = await visit.ask(ApproveSelected(numbers))
    _refused(done)
    if not isinstance(done, ApprovalDone):  # QuotaNotSet: no quota for the year (yet)
        return visit.redirect("/persetujuan", notice="web.approval.quota_not_set")
    mine = [record for record in (await _history(visit)).approvals if record.by_contact_id == visit.officer.contact.id]
    if not mine:
        raise NotFound
    return visit.redirect(f"/persetujuan/hasil/{mine[-1].id}")


async def result(visit: Visit) -> Response:
    visit.require_admin()
    number = path_id(visit, "nomor")
    history = await _history(visit)
    record = next((found for found in history.approvals if found.id == number), None)
    if record is None:
        raise NotFound
    held = await _held(visit, record)
    await visit.viewed("approval.result", subject=f"quota:{history.year}", shown=_shown(held))
    summary = await _summary(visit)
    return visit.page(
        "approval/result.html", record=record, held=queue_rows(visit, held), held_total=held.total, summary=summary
    )


async def _held(visit: Visit, record: ApprovalRecord) -> WaitingPage:
    """The flagged ones the approval held that are still waiting (a page's worth)."""
    if not record.held:
        return WaitingPage((), 0)
    return await _queue(visit, _AWAITING, 0, only=record.held, limit=MAX_CHOSEN)


# ---- an override: one flagged registration approved with a reason -----------------------------------------


async def _flagged(visit: Visit) -> QueueRow:
    number = path_id(visit, "nomor")
    found = await _queue(visit, _AWAITING, 0, only=(number,), limit=1)
    rows = queue_rows(visit, found)
    if not rows or not rows[0].flags:
        raise NotFound
    return rows[0]


async def override_form(visit: Visit) -> Response:
    visit.require_admin()
    row = await _flagged(visit)
    await visit.viewed("approval.override", subject=f"registration:{row.item.id}")
    return visit.page("approval/override.html", row=row, reason="", problems=())


async def override(visit: Visit) -> Response:
    visit.require_admin()
    row = await _flagged(visit)
    reason = visit.field("alasan")
    problems = [key for key in (reason_problem(reason, required_key="web.approval.override_reason_needed"),) if key]
    if visit.field("yakin") != "ya":
        problems.append("web.approval.override_confirm_needed")
    if problems:
        return _override_again(visit, row, reason, problems)
    done = await visit.ask(ApproveFlagged(row.item.id, reason))
    _refused(done)
    if isinstance(done, FlagOverridden):
        return visit.redirect("/persetujuan", notice="web.approval.overridden")
    if isinstance(done, NoPlaceLeft):
        return _override_again(visit, row, reason, ["web.approval.no_place_left"])
    if isinstance(done, NotHeld):
        return visit.redirect("/persetujuan", notice="web.approval.not_held")
    return visit.redirect("/persetujuan", notice="web.approval.quota_not_set")


def _override_again(visit: Visit, row: QueueRow, reason: str, problems: Sequence[str]) -> Response:
    said = tuple(visit.texts(key, minimum=MIN_REASON, maximum=MAX_REASON) for key in problems)
    return visit.page("approval/override.html", status=400, row=row, reason=reason, problems=said)


# ---- the quota: changed with a reason, confirmed; the history ----------------------------------------------


@dataclass(frozen=True, slots=True)
class QuotaForm:
    places_text: str
    reason: str
    places: int | None  # None: not a number
    problems: tuple[str, ...]  # texts, each saying what to type instead


def read_quota_form(visit: Visit, summary: QuotaSummary) -> QuotaForm:
    places_text, reason = visit.field("tempat"), visit.field("alasan")
    places = parse_places(places_text)
    problems: list[str] = []
    if places is None:
        problems.append(visit.texts("web.approval.places_not_a_number"))
    elif places < summary.used:
        problems.append(_below_used(visit, summary.used))
    if said := reason_problem(reason, required_key="web.approval.quota_reason_needed"):
        problems.append(visit.texts(said, minimum=MIN_REASON, maximum=MAX_REASON))
    return QuotaForm(places_text, reason, places, tuple(problems))


def _below_used(visit: Visit, used: int) -> str:
    return visit.texts("web.approval.places_below_used", used=number(used))


async def quota_page(visit: Visit, form: QuotaForm | None = None, *, status: int = 200) -> Response:
    visit.require_admin()
    summary = await _summary(visit)
    history = await _history(visit)
    form = form or QuotaForm("", "", None, ())
    return visit.page("approval/quota.html", status=status, summary=summary, history=history, form=form)


async def quota_check(visit: Visit) -> Response:
    visit.require_admin()
    summary = await _summary(visit)
    form = read_quota_form(visit, summary)
    if form.problems or form.places is None:
        return await quota_page(visit, form, status=400)
    promote = min(summary.waiting, max(0, form.places - summary.used))
    return visit.page("approval/quota_confirm.html", summary=summary, form=form, places=form.places, promote=promote)


async def quota_save(visit: Visit) -> Response:
    visit.require_admin()
    summary = await _summary(visit)
    form = read_quota_form(visit, summary)
    if visit.field("jawab") != "ya":  # "change it again": the form, with what was typed
        return await quota_page(visit, replace(form, problems=()))
    if form.problems or form.places is None:
        return await quota_page(visit, form, status=400)
    changed = await visit.ask(ChangeQuota(form.places, form.reason))
    _refused(changed)
    if isinstance(changed, QuotaBelowUsed):
        below = QuotaForm(form.places_text, form.reason, form.places, (_below_used(visit, changed.used),))
        return await quota_page(visit, below, status=400)
    if not isinstance(changed, QuotaChanged):
        return visit.redirect("/persetujuan/kuota", notice="web.approval.nothing_changed")
    return visit.redirect("/persetujuan/kuota", notice="web.approval.quota_changed")


def routes(desk: Desk) -> list[BaseRoute]:
    return [
        page_route(desk, "/persetujuan", overview),
        page_route(desk, "/persetujuan/konfirmasi", confirm),
        page_route(desk, "/persetujuan/setujui", approve, methods=("POST",)),
        page_route(desk, "/persetujuan/hasil/{nomor:int}", result),
        page_route(desk, "/persetujuan/kecualikan/{nomor:int}", override_form),
        page_route(desk, "/persetujuan/kecualikan/{nomor:int}", override, methods=("POST",)),
        page_route(desk, "/persetujuan/kuota", quota_page),
        page_route(desk, "/persetujuan/kuota", quota_check, methods=("POST",)),
        page_route(desk, "/persetujuan/kuota/simpan", quota_save, methods=("POST",)),
    ]
