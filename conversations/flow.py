"""How a conversation is declared: a flow is a set of named steps, each with a question (`ask`) and
what to do with the answer (`on_answer`). Read a flow module top to bottom to know what it says."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from conversations.consent import PERSONAL_DATA
from conversations.effects import Effect
from conversations.flow_data import VERSION_KEY, FlowData
from conversations.messages import Msg, Renderer, Reply
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.base import Request
from conversations.state import Json

__all__ = [
    "ANSWER_LIMIT",
    "QUESTION_LIMIT",
    "Answer",
    "ContactInfo",
    "Context",
    "Data",
    "Fetch",
    "Finish",
    "Flow",
    "Goto",
    "Invalid",
    "ResultFn",
    "RoleNeed",
    "StartFn",
    "Step",
    "TextLimit",
    "Transition",
]

Data = Mapping[str, Json]


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """What the core may know about the person writing."""

    channel: str
    roles: frozenset[str] = frozenset()
    consented: bool = False  # has accepted the current privacy notice (PERSONAL_DATA)
    consented_at: datetime | None = None
    consents: frozenset[str] = frozenset()  # every purpose agreed to, at its notice's current version
    opted_out: bool = False
    phone: str | None = None
    # The flow whose question a letter asked this person and they have not answered (Contact.awaiting):
    # a message outside a flow that names no other flow goes there first.
    awaiting: str | None = None
    # That letter came after the conversation last changed (the menu shown weeks ago, a form left halfway):
    # it is the last thing the person read, so their next message answers it whatever the saved state.
    letter_is_newer: bool = False


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    language: str
    programme: Programme
    contact: ContactInfo
    renderer: Renderer
    region: Region | None = None  # the programme's kecamatan and kelurahan

    @property
    def today(self) -> date:
        """Today where the programme is (WIB, WITA or WIT), not in UTC."""
        return self.programme.local_date(self.now)


@dataclass(frozen=True, slots=True)
class Answer:
    # What the person typed, cleaned at the door (conversations.text.clean_text), within the step's
    # TextLimit, on one line unless the step takes several, any NIK masked unless the step asks one.
    text: str
    choice: str | None = None  # the id of the choice it named, when the step offered choices
    phone: str | None = None  # a shared contact's number
    number: int | None = None  # a count said besides the choice: "ya 2 anak", "iya dua" (conversations/replies.py)


@dataclass(frozen=True, slots=True)
class Goto:
    step: str
    data: Data | None = None  # None keeps the data as it is
    say: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class Invalid:
    """The answer was not usable: say what was wrong and what to type, then ask again."""

    problem: Msg


@dataclass(frozen=True, slots=True)
class Finish:
    say: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()
    then: str | None = None  # a flow to start next, with `then_data` as its data
    then_data: Data = field(default_factory=dict)


A = TypeVar("A")
# What to do with the answer to a `Fetch`: (context, the flow's data, the answer) → the next transition.
ResultFn = Callable[[Context, Data, A], "Transition"]


@dataclass(frozen=True, slots=True)
class Fetch(Generic[A]):
    """Ask the store (conversations/requests/), then go on with `then(ctx, data, answer)`, where the
    answer has the type the request declares. The pipeline answers inside the same message's
    transaction, so nothing is saved or waits in between."""

    request: Request[A]
    then: ResultFn[A]
    data: Data | None = None
    say: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()


Transition = Goto | Invalid | Finish | Fetch[Any]
AskFn = Callable[[Context, Data], Reply]
AnswerFn = Callable[[Context, Data, Answer], Transition]
StartFn = Callable[[Context, Data], Transition]
VisibleFn = Callable[[ContactInfo], bool]


@dataclass(frozen=True, slots=True)
class TextLimit:
    """The longest typed answer a step takes, and what the answer is called when it is refused:
    "Pengumuman maksimal 1.000 huruf; pesan Anda 5.000 huruf." Longer text is never cut."""

    most: int
    what: Msg


ANSWER_LIMIT = TextLimit(300, Msg("limit.answer"))
# A question in people's own words; it may be kept for the admins.
QUESTION_LIMIT = TextLimit(500, Msg("limit.question"))


@dataclass(frozen=True, slots=True)
class Step:
    ask: AskFn
    on_answer: AnswerFn
    free_text: bool = False  # with choices: also pass answers that name none of them to on_answer
    limit: TextLimit = ANSWER_LIMIT
    multiline: bool = False  # keeps the line breaks typed (an announcement, a description)
    asks_nik: bool = False  # gets a NIK as typed; every other step sees any NIK in the text masked
    # Reached after something was done in the store (a registration sent): "kembali" here finds
    # nothing before it, so going back never does it twice.
    no_way_back: bool = False


def _everyone(_: ContactInfo) -> bool:
    return True


def _every_programme(_: Programme) -> bool:
    return True


def _any_argument(_: str) -> bool:
    return True


def _always(_: Data) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class RoleNeed:
    """A role a flow's steps need (any one of `roles`), checked again with every message that continues
    the flow: when it was revoked meanwhile, the engine ends the flow with a notice naming `name`.
    `applies(data)` narrows it to some of the flow's work (a leader registering a neighbour, not
    themselves)."""

    roles: frozenset[str]
    name: Msg  # "ketua RT/RW": what the notice says was revoked
    applies: Callable[[Data], bool] = _always

    def held_by(self, contact: ContactInfo) -> bool:
        return bool(self.roles & contact.roles)

    def only_when(self, applies: Callable[[Data], bool]) -> RoleNeed:
        return RoleNeed(self.roles, self.name, applies)


@dataclass(frozen=True, slots=True)
class Flow:
    id: str
    version: int  # raise it when steps or data change shape: old sessions then restart politely
    title: Msg  # its name in the main menu
    start: StartFn
    steps: Mapping[str, Step] = field(default_factory=dict)
    needs_consent: bool = False  # show the privacy notice first, and record consent
    consent_purpose: str = PERSONAL_DATA  # which notice (conversations/consent.py)
    in_menu: VisibleFn = _everyone
    # Whether this programme offers it at all (sponsors where the programme file switches them on): a flow
    # not offered is neither in the menu nor opened by its words.
    offered: Callable[[Programme], bool] = _every_programme
    listed: Callable[[Programme], bool] = _every_programme  # whether the programme lists it in the main menu
    aliases: tuple[str, ...] = ()  # words that open it from anywhere outside a flow
    # Leaving it halfway (menu, batal, another flow) keeps its data; `start` gets it back next time.
    resumable: bool = False
    # First words that open it from anywhere with the rest as data["argument"]: "kode AB12CD".
    commands: tuple[str, ...] = ()
    takes_argument: Callable[[str], bool] = _any_argument  # whether the words after a command are its argument
    data: type[FlowData] | None = None  # what it saves between messages (conversations/flow_data.py)
    # The role its steps need, checked with every message (`in_menu` only decides who sees it listed).
    needs_role: RoleNeed | None = None

    def fits(self, data: Data) -> bool:
        """Was `data` saved by this version of the flow's data (or before it had one)?"""
        version = data.get(VERSION_KEY)
        return self.data is None or version is None or version == self.data.VERSION

    def role_lost(self, contact: ContactInfo, data: Data) -> RoleNeed | None:
        """The role this flow's work with `data` needs and `contact` no longer holds, or None."""
        need = self.needs_role
        return need if need is not None and need.applies(data) and not need.held_by(contact) else None
