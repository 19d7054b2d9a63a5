"""Every conversation Jaring holds, and the order of the main menu, in one place."""

from __future__ import annotations

from conversations.engine import Engine
from conversations.flow import Flow
from conversations.flows.about import about_flow
from conversations.flows.accident_report import accident_report_flow
from conversations.flows.approval import approval_flow
from conversations.flows.benefits import benefits_flow
from conversations.flows.broadcast import broadcast_flow
from conversations.flows.calculator import calculator_flow
from conversations.flows.claims import claim_flow
from conversations.flows.dinas_menu import dinas_door_flow, dinas_flow, review_door_flow
from conversations.flows.eligibility import eligibility_flow
from conversations.flows.figures import enrolment_export_flow, figures_flow
from conversations.flows.invite import invite_flow
from conversations.flows.linking import link_flow
from conversations.flows.my_registrations import my_data_flow, neighbours_flow, status_flow
from conversations.flows.privacy import privacy_flow
from conversations.flows.registration import registration_flow
from conversations.flows.renewal import renewal_flow
from conversations.flows.review import review_flow
from conversations.flows.roles import roles_flow
from conversations.flows.settings import help_flow, language_flow
from conversations.flows.sponsor import sponsor_flow
from conversations.flows.sponsor_news import sponsor_news_flow
from conversations.flows.sponsor_offer import sponsor_offer_flow
from conversations.flows.sponsor_payment import sponsor_payment_flow
from conversations.flows.unanswered import unanswered_flow
from conversations.flows.web_sign_in import web_sign_in_flow
from conversations.questions.desk import default_desk

__all__ = ["ALL_FLOWS", "MAIN_MENU", "build_engine"]

ALL_FLOWS: tuple[Flow, ...] = (
    eligibility_flow,
    registration_flow,
    status_flow,
    neighbours_flow,
    my_data_flow,
    about_flow,
    benefits_flow,
    calculator_flow,
    accident_report_flow,
    claim_flow,
    privacy_flow,
    language_flow,
    help_flow,
    invite_flow,
    renewal_flow,
    link_flow,
    dinas_flow,
    review_flow,
    approval_flow,
    roles_flow,
    dinas_door_flow,
    review_door_flow,
    figures_flow,
    enrolment_export_flow,
    broadcast_flow,
    unanswered_flow,
    web_sign_in_flow,
    sponsor_flow,
    sponsor_offer_flow,
    sponsor_payment_flow,
    sponsor_news_flow,
)
# At most ten entries for most people: WhatsApp shows up to ten as a list. `about` ("info") and
# `calculator` ("hitung manfaat") are reached by their words and from "Tanya manfaat".
MAIN_MENU: tuple[str, ...] = (
    "dinas",  # admins only
    "review",  # verifiers who are not admins
    "eligibility",
    "registration",
    "benefits",
    "claim",
    "accident_report",
    "status",
    "neighbours",
    "my_data",
    "sponsor",  # where the programme file has sponsors and lists them ([sponsors] in_menu)
    "privacy",
    "language",
    "help",
)


def build_engine() -> Engine:
    return Engine(ALL_FLOWS, MAIN_MENU, questions=default_desk(), question_flow="benefits")
