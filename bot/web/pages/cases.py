"""Claim cases and accident reports to follow up (admins): the heirs' open claim cases, the longest idle
first (idle since the heir's last step), and the accident reports, those not followed up first; each
opened on a page of its own; an accident report marked as followed up (confirmed, audited). Names are
shown, as in the chat's letters to admins; NIKs only masked; every view is in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.visit import AdminsOnly, NotFound, Visit, notices, page_route, path_id, query_int
from conversations.coverage import Coverage, Verdict
from conversations.requests.base import RoleRefused
from conversations.requests.casework import (
    AccidentFollowUpPage,
    AccidentFollowUpView,
    ClaimFollowUpPage,
    ClaimFollowUpView,
    FollowedUp,
    ListAccidentFollowUps,
    ListClaimFollowUps,
    MarkAccidentFollowedUp,
    OpenAccidentFollowUp,
    OpenClaimFollowUp,
)

__all__ = ["CLAIM_STATUS", "REPORT_STATUS", "coverage_text", "idle_days", "routes"]

PAGE = 50
T = TypeVar("T")

CLAIM_STATUS = {
    "collecting": "web.cases.claim_collecting",
    "ready": "web.cases.claim_ready",
    "submitted": "web.cases.claim_submitted",
    "paid": "web.cases.claim_paid",
    "rejected": "web.cases.claim_rejected",
}
REPORT_STATUS = {"new": "web.cases.report_new", "followed_up": "web.cases.report_followed_up"}
CAUSES = {
    "work_accident": "claims.cause_work_accident",
    "road_accident": "claims.cause_road_accident",
    "illness": "claims.cause_illness",
}
RELATIONSHIPS = {
    "spouse": "claims.relationship_spouse",
    "child": "claims.relationship_child",
    "parent": "claims.relationship_parent",
    "sibling": "claims.relationship_sibling",
    "other": "claims.relationship_other",
}
RELATIONS = {
    "self": "accident.relation_self",
    "family": "accident.relation_family",
    "coworker": "accident.relation_coworker",
    "other": "accident.relation_other",
}
DOCUMENT_STATES = {
    "collected": "web.cases.doc_collected",
    "not_needed": "web.cases.doc_not_needed",
    "pending": "web.cases.doc_pending",
    "missing": "web.cases.doc_missing",
}
# The flow's judgement on the day of death (ClaimCase.coverage in conversations/flows/claims.py).
CLAIM_COVERAGE = {
    "covered": "web.cases.coverage_covered",
    "not_yet": "web.cases.coverage_not_yet",
    "ended": "web.cases.coverage_ended",
    "unconfirmed": "web.cases.coverage_unconfirmed",
}
_CONFIRM = "yakin"

notices("web.cases.followed_up", "web.cases.already_followed_up")


def idle_days(since: datetime, now: datetime) -> int:
    """Whole days since the last step (0 on the same day)."""
    return max(0, (now - since).days)


def coverage_text(coverage: Coverage) -> tuple[str, dict[str, object]]:
    """The catalog key and parameters for the worker's protection on the day of the accident: the words
    the chat's letter to the admins uses."""
    if coverage.verdict is Verdict.COVERED:
        return "accident.admin_covered", {"start": coverage.start or coverage.day}
    if coverage.verdict is Verdict.NOT_YET:
        return "accident.admin_not_yet", {}
    if coverage.verdict is Verdict.ENDED:
        return "accident.admin_ended", {"ended": coverage.ended_on or coverage.day}
    return "accident.admin_unconfirmed", {}


def routes(desk: Desk) -> list[BaseRoute]:
    words = {
        "claim_status": CLAIM_STATUS,
        "report_status": REPORT_STATUS,
        "causes": CAUSES,
        "relationships": RELATIONSHIPS,
        "relations": RELATIONS,
        "document_states": DOCUMENT_STATES,
        "claim_coverage": CLAIM_COVERAGE,
    }

    def page(visit: Visit, template: str, *, status: int = 200, **context: object) -> Response:
        return visit.page(template, status=status, words=words, idle_days=idle_days, now=visit.now, **context)

    async def overview(visit: Visit) -> Response:
        visit.require_admin()
        params = visit.request.query_params
        claims_from, reports_from = query_int(params, "klaim_dari"), query_int(params, "laporan_dari")
        claims = await visit.ask(ListClaimFollowUps(claims_from, PAGE))
        reports = await visit.ask(ListAccidentFollowUps(reports_from, PAGE))
        if not isinstance(claims, ClaimFollowUpPage) or not isinstance(reports, AccidentFollowUpPage):
            raise AdminsOnly
        await visit.viewed("cases", claims_from=str(claims_from), reports_from=str(reports_from))
        return page(
            visit,
            "cases/list.html",
            claims=claims,
            reports=reports,
            claims_from=claims_from,
            reports_from=reports_from,
            page_size=PAGE,
        )

    async def claim(visit: Visit) -> Response:
        visit.require_admin()
        case_id = path_id(visit, "case")
        view: ClaimFollowUpView = _found(await visit.ask(OpenClaimFollowUp(case_id)))
        await visit.viewed("cases.claim", subject=f"claim:{case_id}")
        return page(visit, "cases/claim.html", view=view)

    async def open_report(visit: Visit, report_id: int) -> AccidentFollowUpView:
        return _found(await visit.ask(OpenAccidentFollowUp(report_id)))

    def report_page(visit: Visit, view: AccidentFollowUpView, *, status: int = 200, problem: str = "") -> Response:
        key, values = coverage_text(view.coverage)
        coverage = visit.texts(key, **values)
        return page(visit, "cases/accident.html", status=status, view=view, coverage=coverage, problem=problem)

    async def accident(visit: Visit) -> Response:
        visit.require_admin()
        report_id = path_id(visit, "report")
        view = await open_report(visit, report_id)
        await visit.viewed("cases.accident", subject=f"accident:{report_id}")
        return report_page(visit, view)

    async def follow_up(visit: Visit) -> Response:
        visit.require_admin()
        report_id = path_id(visit, "report")
        if visit.field("konfirmasi") != _CONFIRM:
            view = await open_report(visit, report_id)
            await visit.viewed("cases.accident", subject=f"accident:{report_id}")
            return report_page(visit, view, status=400, problem=visit.texts("web.cases.confirm_first"))
        done: FollowedUp = _found(await visit.ask(MarkAccidentFollowedUp(report_id)))
        notice = "web.cases.followed_up" if done.changed else "web.cases.already_followed_up"
        return visit.redirect(f"/kasus/kecelakaan/{report_id}", notice=notice)

    return [
        page_route(desk, "/kasus", overview),
        page_route(desk, "/kasus/klaim/{case:int}", claim),
        page_route(desk, "/kasus/kecelakaan/{report:int}", accident),
        page_route(desk, "/kasus/kecelakaan/{report:int}/tindak-lanjut", follow_up, methods=("POST",)),
    ]


def _found(answer: T | RoleRefused | None) -> T:
    """The desk's answer, or the page the officer gets instead: 403 without the role, 404 when gone."""
    if isinstance(answer, RoleRefused):
        raise AdminsOnly
    if answer is None:
        raise NotFound
    return answer
