"""Verification on the web desk, for a kelurahan verifier (their kelurahan) and a Dinas admin (all):

- /verifikasi: the registrations waiting for the kelurahan, oldest first, by kelurahan, searchable by
  name, registration number or the NIK's last four digits; the renewal "no"s waiting beside them;
- /verifikasi/{number}: one registration in full (NIK masked), its rule flags in plain words, its history,
  who registered it, and the three decisions: verify, reject (a reason), return (what to fix);
- …/periksa shows the decision to confirm; …/putuskan takes it, through the same desk as the chat
  (`DecideRegistration`), whose letters tell the worker;
- /verifikasi/perpanjangan/{number}: a renewal "no" decided the same way (`DecideRenewal`).

What the officer may see is decided by the desk: a registration outside a verifier's kelurahan, or
unknown, is a refusal there and a 404 here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.visit import NotFound, Visit, notices, page_route, path_id, query_int
from conversations.dates import age_on
from conversations.flows.review import RejectReason, reject_reasons
from conversations.flows.statuses import status_text
from conversations.messages import Msg, msg
from conversations.programme import Programme
from conversations.programme_rules import age_rule_day
from conversations.regions import Region
from conversations.registration_flags import flag_message, flags_on
from conversations.requests.review import (
    AlreadyDecided,
    Decided,
    DecideRegistration,
    DecideRenewal,
    Decision,
    ListPending,
    OpenRegistration,
    OpenRenewalCheck,
    PendingPage,
    RenewalAlreadyDecided,
    RenewalCheckView,
    RenewalChoice,
    RenewalDecided,
    ReviewView,
)

__all__ = ["DecisionForm", "routes"]

PAGE = 20  # registrations on one page of the queue
_MAX_SEARCH = 60
_MAX_CODE = 20
_MIN_NOTE = 5  # as the chat asks: a reason or what to fix, at least five letters
_MAX_RETURN_NOTE = 280  # the chat's limit for a note
_MAX_REJECT_NOTE = 200  # added to a chosen reason, the whole stays within what the desk keeps (300)
_MAX_REASON = 300
_OTHER = "other"
_PENDING = ("submitted", "corrected")

_DONE = {
    "verified": "web.verification.verified_done",
    "approved": "web.verification.reapproved_done",  # it had kept its quota place through a correction
    "rejected": "web.verification.rejected_done",
    "returned": "web.verification.returned_done",
}
_RENEWAL_DONE = {
    "continues": "web.verification.renewal_continues_done",
    "ends": "web.verification.renewal_ends_done",
}
_MEANWHILE = "web.verification.decided_meanwhile"
notices(*_DONE.values(), *_RENEWAL_DONE.values(), _MEANWHILE)

_DECISIONS: dict[str, Decision] = {"verified": "verified", "rejected": "rejected", "returned": "returned"}
_RENEWAL_CHOICES: dict[str, RenewalChoice] = {"continues": "continues", "moved": "moved", "not_working": "not_working"}
_RENEWAL_LABELS = {
    "continues": "review.renewal_continue",
    "moved": "review.renewal_end_moved",
    "not_working": "review.renewal_end_not_working",
}
_ANSWER_WORDS = {"moved": "review.renewal_answer_moved", "not_working": "review.renewal_answer_not_working"}
_CONFIRM = {
    "verified": "review.confirm_verify",
    "rejected": "review.confirm_reject",
    "returned": "review.confirm_return",
}


def routes(desk: Desk) -> list[BaseRoute]:
    number = "{registration_id:int}"
    return [
        page_route(desk, "/verifikasi", queue),
        page_route(desk, f"/verifikasi/{number}", registration),
        page_route(desk, f"/verifikasi/{number}/periksa", check_decision, methods=("POST",)),
        page_route(desk, f"/verifikasi/{number}/putuskan", decide, methods=("POST",)),
        page_route(desk, f"/verifikasi/perpanjangan/{number}", renewal),
        page_route(desk, f"/verifikasi/perpanjangan/{number}/periksa", check_renewal, methods=("POST",)),
        page_route(desk, f"/verifikasi/perpanjangan/{number}/putuskan", decide_renewal, methods=("POST",)),
    ]


# ---- the queue ---------------------------------------------------------------------------------------------


async def queue(visit: Visit) -> Response:
    kelurahan = visit.field("kelurahan")[:_MAX_CODE]
    search = visit.field("cari")[:_MAX_SEARCH]
    page = max(1, query_int(visit.request.query_params, "halaman", 1))
    asked = ListPending((page - 1) * PAGE, PAGE, kelurahan_code=kelurahan, search=search, counts=True)
    found = await visit.ask(asked)
    if not isinstance(found, PendingPage):
        raise NotFound
    await visit.viewed("verification.queue", kelurahan=kelurahan or "all", searched="yes" if search else "no")
    region = visit.desk.jaring.region
    today = visit.desk.jaring.programme.local_date(visit.now)
    return visit.page(
        "verification/queue.html",
        found=found,
        rows=[
            {
                "item": item,
                "kelurahan": kelurahan_name(region, item.kelurahan_code),
                "days": waiting_days(today, item.registered_on),
            }
            for item in found.items
        ],
        choices=_kelurahan_choices(region, found, kelurahan),
        all_waiting=sum(count for _, count in found.by_kelurahan),
        kelurahan=kelurahan,
        search=search,
        page=page,
        pages=max(1, -(-found.total // PAGE)),
        renewals=[
            {
                "item": check,
                "kelurahan": kelurahan_name(region, check.kelurahan_code),
                "answer": _ANSWER_WORDS.get(check.answer, "review.renewal_answer_no"),
            }
            for check in found.renewal_checks
        ],
        renewal_year=max((check.year for check in found.renewal_checks), default=0),
        scope=", ".join(kelurahan_name(region, code) for code in found.kelurahan_codes),
    )


def kelurahan_name(region: Region, code: str) -> str:
    return next((k.name for k in region.all_kelurahan if k.code == code), code)


def _kelurahan_choices(region: Region, found: PendingPage, chosen: str) -> list[tuple[str, str, int]]:
    """(code, name, waiting) for the filter: a verifier's own kelurahan, or for an admin those with
    registrations waiting; the one chosen always. By name."""
    waiting = dict(found.by_kelurahan)
    codes = set(found.kelurahan_codes) if found.kelurahan_codes else set(waiting)
    if chosen:
        codes.add(chosen)
    listed = [(code, kelurahan_name(region, code), waiting.get(code, 0)) for code in codes]
    return sorted(listed, key=lambda choice: (choice[1].casefold(), choice[0]))


# ---- one registration ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionForm:
    """What the officer chose and typed, kept to show again when something is missing."""

    decision: str = ""
    reason_id: str = ""  # a reason to reject from the list, or "other"
    reject_note: str = ""  # their own words for a rejection
    return_note: str = ""  # what must be fixed

    @classmethod
    def read(cls, visit: Visit) -> DecisionForm:
        return cls(
            visit.field("keputusan"), visit.field("alasan"), visit.field("alasan_lain"), visit.field("perbaikan")
        )


def decision_problem(form: DecisionForm, reasons: tuple[RejectReason, ...]) -> str:
    """The catalog key of what is missing or wrong ("" when the decision can be confirmed)."""
    if form.decision not in _DECISIONS:
        return "web.verification.pick_decision"
    if form.decision == "rejected":
        chosen = form.reason_id in {reason.id for reason in reasons}
        if len(form.reject_note) > _MAX_REJECT_NOTE:
            return "web.verification.reason_too_long"
        if not chosen and len(form.reject_note) < _MIN_NOTE:
            return "web.verification.reason_needed"
    if form.decision == "returned":
        if len(form.return_note) > _MAX_RETURN_NOTE:
            return "web.verification.fix_too_long"
        if len(form.return_note) < _MIN_NOTE:
            return "web.verification.fix_needed"
    return ""


def decision_reason(visit: Visit, form: DecisionForm, reasons: tuple[RejectReason, ...]) -> str:
    """The reason stored and sent to the worker, in Indonesian as the chat keeps it (the official record):
    the reason picked, with the officer's words after it when they typed some."""
    if form.decision == "returned":
        return form.return_note
    if form.decision != "rejected":
        return ""
    picked = next((reason for reason in reasons if reason.id == form.reason_id), None)
    if picked is None:
        return form.reject_note
    text = visit.texts.catalogs.render(picked.text, "id")
    return f"{text}: {form.reject_note}" if form.reject_note else text


async def _opened(visit: Visit) -> ReviewView:
    """The registration in the path, opened through the desk (which audits the opening); 404 for one
    the officer may not see."""
    view = await visit.ask(OpenRegistration(_number(visit)))
    if not isinstance(view, ReviewView):
        raise NotFound
    return view


def _number(visit: Visit) -> int:
    return path_id(visit, "registration_id")


async def registration(visit: Visit) -> Response:
    return _detail(visit, await _opened(visit))


def _detail(
    visit: Visit, view: ReviewView, *, form: DecisionForm | None = None, problem: str = "", status: int = 200
) -> Response:
    jaring = visit.desk.jaring
    programme, region = jaring.programme, jaring.region
    kecamatan = region.kecamatan_of(view.kelurahan_code)
    today = programme.local_date(visit.now)
    return visit.page(
        "verification/detail.html",
        status=status,
        view=view,
        kelurahan=kelurahan_name(region, view.kelurahan_code),
        kecamatan=kecamatan.name if kecamatan else "–",
        job=_job(visit, programme, view.job_type, view.job_text),
        age=age_on(view.birth_date, today) if view.birth_date else None,
        status_said=_said(visit, status_text(view.status, view.status_reason)),
        history=[(event.at, _said(visit, status_text(event.status, event.reason))) for event in view.history],
        flags=_flags(visit, programme, view),
        pending=view.status in _PENDING,
        reasons=[(reason.id, _said(visit, reason.label)) for reason in reject_reasons(programme, region)],
        form=form or DecisionForm(),
        problem=visit.texts(problem) if problem else "",
        max_reject_note=_MAX_REJECT_NOTE,
        max_return_note=_MAX_RETURN_NOTE,
    )


def _flags(visit: Visit, programme: Programme, view: ReviewView) -> list[str]:
    """Each programme rule it breaks, in plain words, as the chat shows them: the stored flags, and the age
    on the day it was registered whenever that was outside the band."""
    found = flags_on(programme, list(view.flags), birth_date=view.birth_date, registered_at=view.registered_at)
    registered_on = age_rule_day(programme, view.registered_at)
    return [
        _said(visit, flag_message(programme, flag, birth_date=view.birth_date, registered_on=registered_on))
        for flag in found
    ]


def _job(visit: Visit, programme: Programme, job_type: str, job_text: str) -> str:
    """The programme's name for the job, and the worker's own words when they differ."""
    found = next((job for job in programme.job_types if job.id == job_type), None)
    name = found.name if found else visit.texts("job.other_named")
    return f"{name} ({job_text})" if job_text and job_text.casefold() != name.casefold() else name


def _said(visit: Visit, message: Msg) -> str:
    return visit.texts.catalogs.render(message, visit.texts.language)


async def check_decision(visit: Visit) -> Response:
    """The decision shown to confirm; or the page again, saying what is missing, with what was typed."""
    view = await _opened(visit)
    form = DecisionForm.read(visit)
    if view.status not in _PENDING:
        return _detail(visit, view, problem=_MEANWHILE, status=409)
    jaring = visit.desk.jaring
    reasons = reject_reasons(jaring.programme, jaring.region)
    problem = decision_problem(form, reasons)
    if problem:
        return _detail(visit, view, form=form, problem=problem, status=400)
    reason = decision_reason(visit, form, reasons)
    question = msg(_CONFIRM[form.decision], number=view.id, name=view.full_name or "-", reason=reason or "-")
    return visit.page(
        "verification/confirm.html",
        view=view,
        kelurahan=kelurahan_name(jaring.region, view.kelurahan_code),
        decision=form.decision,
        reason=reason,
        question=_said(visit, question),
    )


async def decide(visit: Visit) -> Response:
    decision = _DECISIONS.get(visit.field("keputusan"))
    reason = visit.field("alasan")
    if decision is None or (decision != "verified" and not _MIN_NOTE <= len(reason) <= _MAX_REASON):
        # Only a crafted form gets here (the confirmation page sends a checked decision): show it again.
        return _detail(visit, await _opened(visit), problem="web.verification.pick_decision", status=400)
    done = await visit.ask(DecideRegistration(_number(visit), decision, reason))
    if isinstance(done, Decided):
        return visit.redirect("/verifikasi", notice=_DONE.get(done.status, _DONE["verified"]))
    if isinstance(done, AlreadyDecided):
        return visit.redirect(f"/verifikasi/{done.registration_id}", notice=_MEANWHILE)
    raise NotFound


# ---- a renewal "no" ------------------------------------------------------------------------------------------


async def _renewal_opened(visit: Visit) -> RenewalCheckView:
    view = await visit.ask(OpenRenewalCheck(_number(visit)))
    if not isinstance(view, RenewalCheckView):
        raise NotFound
    return view


async def renewal(visit: Visit) -> Response:
    return _renewal_page(visit, await _renewal_opened(visit))


def _renewal_page(
    visit: Visit, view: RenewalCheckView, *, choice: str = "", note: str = "", problem: str = "", status: int = 200
) -> Response:
    """The renewal "no" and its decision; `problem`: what to say at the form (already in words)."""
    jaring = visit.desk.jaring
    kecamatan = jaring.region.kecamatan_of(view.kelurahan_code)
    return visit.page(
        "verification/renewal.html",
        status=status,
        view=view,
        kelurahan=kelurahan_name(jaring.region, view.kelurahan_code),
        kecamatan=kecamatan.name if kecamatan else "–",
        job=_job(visit, jaring.programme, view.job_type, view.job_text),
        answer=_ANSWER_WORDS.get(view.answer, "review.renewal_answer_no"),
        settled=_renewal_settled(visit, view),
        choices=list(_RENEWAL_LABELS.items()),
        choice=choice,
        note=note,
        max_note=_MAX_RETURN_NOTE,
        problem=problem,
    )


def _renewal_settled(visit: Visit, view: RenewalCheckView) -> str:
    """Why there is nothing to decide ("" while it waits), in the chat's words."""
    if not view.round_open:
        return _said(visit, msg("review.renewal_round_closed", number=view.registration_id, year=view.year))
    if view.decision == "check":
        return ""
    decided = _decided_words(view.decision)
    return _said(visit, msg("review.renewal_decided_meanwhile", number=view.registration_id, decision=decided))


def _decided_words(decision: str) -> Msg:
    words = {"continues": "review.renewal_decided_continues", "ends": "review.renewal_decided_ends"}
    return msg(words.get(decision, "review.renewal_decided_other"))


def _renewal_problem(choice: str, note: str) -> str:
    if choice not in _RENEWAL_CHOICES:
        return "web.verification.renewal_pick"
    if len(note) > _MAX_RETURN_NOTE:
        return "web.verification.note_too_long"
    return ""


async def check_renewal(visit: Visit) -> Response:
    view = await _renewal_opened(visit)
    choice, note = visit.field("keputusan"), visit.field("catatan")
    if _renewal_settled(visit, view):
        return _renewal_page(visit, view, status=409)
    problem = _renewal_problem(choice, note)
    if problem:
        return _renewal_page(visit, view, choice=choice, note=note, problem=visit.texts(problem), status=400)
    common: dict[str, Any] = {"number": view.registration_id, "name": view.full_name or "-", "year": view.year}
    if choice == "continues":
        question = msg("review.renewal_confirm_continue", **common)
    else:
        question = msg("review.renewal_confirm_end", **common, reason=msg(_ANSWER_WORDS[choice]))
    return visit.page(
        "verification/renewal_confirm.html",
        view=view,
        choice=choice,
        note=note,
        question=_said(visit, question),
    )


async def decide_renewal(visit: Visit) -> Response:
    choice, note = visit.field("keputusan"), visit.field("catatan")
    chosen = _RENEWAL_CHOICES.get(choice)
    problem = _renewal_problem(choice, note)
    if chosen is None or problem:  # only a crafted form: the confirmation page sends a checked choice
        view = await _renewal_opened(visit)
        return _renewal_page(visit, view, choice=choice, note=note, problem=visit.texts(problem), status=400)
    done = await visit.ask(DecideRenewal(_number(visit), chosen, note))
    if isinstance(done, RenewalDecided):
        return visit.redirect("/verifikasi", notice=_RENEWAL_DONE.get(done.decision, _RENEWAL_DONE["continues"]))
    if isinstance(done, RenewalAlreadyDecided):
        view = await _renewal_opened(visit)
        return _renewal_page(visit, view, problem=_said(visit, _nothing_left(done)), status=409)
    raise NotFound


def _nothing_left(done: RenewalAlreadyDecided) -> Msg:
    """Why the decision was not taken, in the chat's words: the round closed, a deceased participant,
    or someone decided it meanwhile."""
    if done.round_closed:
        return msg("review.renewal_round_closed", number=done.registration_id, year=done.year)
    if done.reason == "deceased":
        return msg("review.renewal_deceased", number=done.registration_id, year=done.year)
    return msg("review.renewal_decided_meanwhile", number=done.registration_id, decision=_decided_words(done.decision))


def waiting_days(today: date, registered_on: date) -> int:
    return max(0, (today - registered_on).days)
