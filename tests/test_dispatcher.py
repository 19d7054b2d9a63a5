"""The request dispatcher is one table from request type to desk handler: every request the core can
make has exactly one handler, which takes that request and returns the answer the request declares.
Checked here and at every start (bot/app.py)."""

from __future__ import annotations

from typing import Any

from bot.desks.call import DeskCall
from bot.desks.registrations import check_nik
from bot.inbound.dispatcher import HANDLERS, check_handlers, request_types
from conversations.requests.base import Done, answer_type
from conversations.requests.registrations import CheckNik, EraseRegistration, NikCheck


def test_every_request_has_exactly_one_handler_of_its_types() -> None:
    kinds = request_types()
    assert len(kinds) == 34 + 2 + 2 + 2 + 1 + 13 + 13  # + 1: the web desk's sign-in link (MakeWebLink)
    # + 13: sponsors (conversations/requests/sponsors.py).
    # + 13: the web desk's pages: approval (ApproveSelected, ListForApproval, QuotaHistory), figures over time
    # (ShowFiguresOverTime), files (DownloadEnrolment, ImportKpj, ImportParticipants) and casework
    # (OpenRoleHolder, ListClaimFollowUps, OpenClaimFollowUp, ListAccidentFollowUps, OpenAccidentFollowUp,
    # MarkAccidentFollowedUp)
    # + 2: the verifier's renewal decisions (OpenRenewalCheck, DecideRenewal)
    # + 2: linking a record to its worker's chat (LinkRegistration, RecordLinkedPhone)
    # + 2: the worker's renewal answer (RenewalQuestion, AnswerRenewal)
    assert set(HANDLERS) == set(kinds)
    assert check_handlers() == []


def test_a_request_declares_its_answer() -> None:
    assert answer_type(CheckNik) is NikCheck


def test_a_missing_or_mistyped_handler_is_found() -> None:
    async def wrong_answer(call: DeskCall, request: EraseRegistration) -> Done:
        raise NotImplementedError

    async def wrong_request(call: DeskCall, request: CheckNik) -> Any:
        raise NotImplementedError

    table = dict(HANDLERS)
    del table[CheckNik]
    table[EraseRegistration] = wrong_answer
    assert check_handlers(table) == [
        "CheckNik: no handler",
        "EraseRegistration: test_a_missing_or_mistyped_handler_is_found.<locals>.wrong_answer answers "
        "<class 'conversations.requests.base.Done'>, not conversations.requests.base.Done "
        "| conversations.requests.base.NotAllowed",
    ]
    table[CheckNik] = wrong_request
    table[EraseRegistration] = check_nik
    problems = check_handlers(table)
    assert sorted(p.split(":")[0] for p in problems) == ["CheckNik", "EraseRegistration", "EraseRegistration"]
