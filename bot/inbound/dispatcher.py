"""Answers the requests conversation steps make, inside the transaction of the message being handled:
one table from request type to the desk handler that answers it, checked when the bot starts (and by
tests/test_dispatcher.py) so that every request has exactly one handler, taking that request and
returning the answer the request declares. The letters an answer causes go to the outbox writer."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks import (
    accidents,
    broadcasts,
    casework,
    claims,
    corrections,
    export,
    figures,
    invites,
    linking,
    quota,
    registrations,
    renewal,
    review,
    roles,
    sponsor_figures,
    sponsor_payments,
    sponsored_workers,
    sponsors,
    unanswered,
    web_sign_in,
)
from bot.desks.call import DeskCall
from bot.inbound.outbox_writer import OutboxWriter
from conversations import requests
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests import accidents as accident_requests
from conversations.requests import broadcasts as broadcast_requests
from conversations.requests import casework as casework_requests
from conversations.requests import claims as claim_requests
from conversations.requests import export as export_requests
from conversations.requests import figures as figure_requests
from conversations.requests import invites as invite_requests
from conversations.requests import linking as linking_requests
from conversations.requests import quota as quota_requests
from conversations.requests import registrations as registration_requests
from conversations.requests import renewal as renewal_requests
from conversations.requests import review as review_requests
from conversations.requests import roles as role_requests
from conversations.requests import sponsors as sponsor_requests
from conversations.requests import unanswered as unanswered_requests
from conversations.requests import web as web_requests
from conversations.requests.base import Request, answer_type
from db.models import Contact
from db.personal_data import PersonalDataCipher
from locales import Catalogs

__all__ = ["HANDLERS", "RequestAnswerer", "check_handlers", "request_types"]

A = TypeVar("A")
Handler = Callable[[DeskCall, Any], Awaitable[Any]]

HANDLERS: Mapping[type[Request[Any]], Handler] = {
    registration_requests.CheckNik: registrations.check_nik,
    registration_requests.SubmitRegistration: registrations.submit_registration,
    registration_requests.FindLeaderArea: registrations.find_leader_area,
    registration_requests.ListRegistrations: registrations.list_registrations,
    registration_requests.PlanCorrection: corrections.plan_correction,
    registration_requests.CorrectRegistration: corrections.correct_registration,
    registration_requests.EraseRegistration: registrations.erase_registration,
    invite_requests.RedeemInvite: invites.redeem,
    renewal_requests.RenewalQuestion: renewal.ask_renewal,
    renewal_requests.AnswerRenewal: renewal.answer_renewal,
    linking_requests.LinkRegistration: linking.link_registration,
    linking_requests.RecordLinkedPhone: linking.record_linked_phone,
    accident_requests.FindParticipant: accidents.find_participant,
    accident_requests.SubmitAccidentReport: accidents.submit_accident_report,
    claim_requests.SaveClaimCase: claims.save_claim_case,
    claim_requests.ListClaimCases: claims.list_claim_cases,
    claim_requests.TellDinasNotCovered: claims.tell_dinas_not_covered,
    review_requests.ListPending: review.list_pending,
    review_requests.OpenRegistration: review.open_registration,
    review_requests.DecideRegistration: review.decide_registration,
    review_requests.OpenRenewalCheck: review.open_renewal_check,
    review_requests.DecideRenewal: review.decide_renewal,
    quota_requests.QuotaOverview: quota.quota_overview,
    quota_requests.ApproveVerified: quota.approve,
    quota_requests.ApproveFlagged: quota.override_flags,
    quota_requests.ListWaiting: quota.list_waiting,
    quota_requests.ChangeQuota: quota.set_quota,
    quota_requests.ApproveSelected: quota.approve_selected,
    quota_requests.ListForApproval: quota.list_for_approval,
    quota_requests.QuotaHistory: quota.quota_history,
    role_requests.ListRoleHolders: roles.list_role_holders,
    role_requests.RevokeRole: roles.revoke_role,
    role_requests.MakeInvite: roles.make_role_invite,
    casework_requests.OpenRoleHolder: casework.open_role_holder,
    casework_requests.ListClaimFollowUps: casework.list_claim_follow_ups,
    casework_requests.OpenClaimFollowUp: casework.open_claim_follow_up,
    casework_requests.ListAccidentFollowUps: casework.list_accident_follow_ups,
    casework_requests.OpenAccidentFollowUp: casework.open_accident_follow_up,
    casework_requests.MarkAccidentFollowedUp: casework.mark_accident_followed_up,
    broadcast_requests.PreviewBroadcast: broadcasts.preview_broadcast,
    broadcast_requests.CreateBroadcast: broadcasts.create_broadcast,
    broadcast_requests.ListBroadcasts: broadcasts.list_broadcasts,
    broadcast_requests.ShowBroadcast: broadcasts.show_broadcast,
    broadcast_requests.CancelBroadcast: broadcasts.cancel,
    figure_requests.ShowFigures: figures.show_figures,
    figure_requests.SendFiguresChart: figures.send_chart,
    figure_requests.ShowFiguresOverTime: figures.show_figures_over_time,
    export_requests.ExportEnrolment: export.export_enrolment,
    export_requests.DownloadEnrolment: export.download_enrolment,
    export_requests.ImportKpj: export.import_kpj_file,
    export_requests.ImportParticipants: export.import_participant_file,
    unanswered_requests.ListQuestionGroups: unanswered.list_question_groups,
    unanswered_requests.AttachGroup: unanswered.attach_group,
    web_requests.MakeWebLink: web_sign_in.make_web_link,
    sponsor_requests.BecomeSponsor: sponsors.become_sponsor,
    sponsor_requests.MySponsor: sponsors.my_sponsor,
    sponsor_requests.OfferToWorker: sponsors.offer_to_worker,
    sponsor_requests.MatchWorker: sponsors.match_worker,
    sponsor_requests.FindSponsorOffer: sponsored_workers.find_sponsor_offer,
    sponsor_requests.AcceptSponsor: sponsored_workers.accept_sponsor,
    sponsor_requests.DeclineSponsor: sponsored_workers.decline_sponsor,
    sponsor_requests.WorkerNews: sponsored_workers.worker_news,
    sponsor_requests.AnswerWorkerNews: sponsored_workers.answer_worker_news,
    sponsor_requests.StopSponsoring: sponsored_workers.stop_sponsoring,
    sponsor_requests.LeaveAsSponsor: sponsored_workers.leave_as_sponsor,
    sponsor_requests.RecordPayment: sponsor_payments.record_payment,
    sponsor_requests.SponsorFigures: sponsor_figures.sponsor_figures,
}


def request_types() -> list[type[Request[Any]]]:
    """Every request the core can make: the classes of conversations/requests/ that declare an answer."""
    families = [
        importlib.import_module(f"{requests.__name__}.{m.name}") for m in pkgutil.iter_modules(requests.__path__)
    ]
    return sorted(
        {
            kind
            for family in families
            for kind in vars(family).values()
            if isinstance(kind, type) and issubclass(kind, Request) and kind is not Request
        },
        key=lambda kind: kind.__qualname__,
    )


def check_handlers(handlers: Mapping[type[Request[Any]], Handler] = HANDLERS) -> list[str]:
    """What is wrong with the table: a request without a handler, or a handler whose request or answer
    type is not the one its request declares. Empty when all is well."""
    problems = [f"{kind.__name__}: no handler" for kind in request_types() if kind not in handlers]
    for kind, handler in handlers.items():
        hints = typing.get_type_hints(handler)
        takes = [value for name, value in hints.items() if name != "return"]
        if takes[1:2] != [kind]:
            problems.append(f"{kind.__name__}: {handler.__qualname__} takes {takes[1:2]}, not {kind.__name__}")
        if hints.get("return") != answer_type(kind):
            problems.append(
                f"{kind.__name__}: {handler.__qualname__} answers {hints.get('return')}, not {answer_type(kind)}"
            )
    return problems


@dataclass(frozen=True, slots=True)
class RequestAnswerer:
    cipher: PersonalDataCipher
    programme: Programme
    catalogs: Catalogs  # renders the letters an answer causes; draws a chart's labels
    region: Region | None = None  # kelurahan and kecamatan names (the enrolment export, audiences)
    whatsapp_template_configured: bool = False  # a broadcast preview warns when WhatsApp has no template
    desk_url: str = ""  # the web desk's address, for its sign-in links

    async def answer(self, session: AsyncSession, contact: Contact, request: Request[A], now: datetime) -> A:
        """The answer; the letters to others it caused are queued by the outbox writer, in the same
        transaction."""
        call = DeskCall(
            session,
            contact,
            now,
            self.programme,
            self.cipher,
            self.catalogs,
            self.region,
            self.whatsapp_template_configured,
            self.desk_url,
        )
        answer: A = await HANDLERS[type(request)](call, request)
        await OutboxWriter(self.catalogs, self.cipher).letters(session, call.post, now)
        return answer
