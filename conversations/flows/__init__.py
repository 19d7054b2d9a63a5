"""Every conversation Jaring holds, and the order of the main menu, in one place."""

from __future__ import annotations

from conversations.engine import Engine
from conversations.flow import Flow
from conversations.flows.about import about_flow
from conversations.flows.eligibility import eligibility_flow
from conversations.flows.invite import invite_flow
from conversations.flows.my_registrations import my_data_flow, neighbours_flow, status_flow
from conversations.flows.privacy import privacy_flow
from conversations.flows.registration import registration_flow
from conversations.flows.settings import help_flow, language_flow

__all__ = ["ALL_FLOWS", "MAIN_MENU", "build_engine"]

ALL_FLOWS: tuple[Flow, ...] = (
    eligibility_flow,
    registration_flow,
    status_flow,
    neighbours_flow,
    my_data_flow,
    about_flow,
    privacy_flow,
    language_flow,
    help_flow,
    invite_flow,
)
MAIN_MENU: tuple[str, ...] = (
    "eligibility",
    "registration",
    "status",
    "neighbours",
    "my_data",
    "about",
    "privacy",
    "language",
    "help",
)


def build_engine() -> Engine:
    return Engine(ALL_FLOWS, MAIN_MENU)
