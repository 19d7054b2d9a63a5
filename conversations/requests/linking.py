"""Linking a participant the Dinas already holds (imported, or entered by an RT/RW leader) to the chat of
the person who proves, with NIK and birth date, that the record is theirs; and their WhatsApp number
recorded as their phone when they agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.coverage import Membership
from conversations.messages import Msg
from conversations.requests.base import Done, NotAllowed, Request

__all__ = [
    "AlreadyLinkedElsewhere",
    "AlreadyYours",
    "ChatHasARecord",
    "EnteredByYou",
    "LinkAnswer",
    "LinkRefused",
    "LinkRegistration",
    "Linked",
    "RecordLinkedPhone",
    "TooManyLinkTries",
]


@dataclass(frozen=True, slots=True)
class Linked:
    """The record is now this chat's. Only what the person is told about their own record: the KPJ
    masked, the status and the dates that decide coverage (conversations/coverage.py)."""

    registration_id: int
    full_name: str
    status: str
    status_reason: str
    kpj_masked: str  # "" when BPJS TK has given no number yet
    membership: Membership
    funder: str | Msg  # who pays the premium, as the worker may be told it (a sponsor by name only if they agreed)
    # Held under the Pemda's public task (imported): the regulation that allows it; "" when the worker
    # agreed through the RT/RW leader who entered them.
    legal_basis: str
    phone_is_this_chat: bool  # the record's phone is the number this chat comes from already


@dataclass(frozen=True, slots=True)
class LinkRefused:
    """NIK and birth date match no record that can be linked. Never says which of the two was wrong, nor
    whether the NIK is registered. `tries_left` before this person waits `wait_hours`."""

    tries_left: int
    wait_hours: int


@dataclass(frozen=True, slots=True)
class TooManyLinkTries:
    """Too many wrong tries lately by this person, or for this NIK from any chat: nothing was looked up.
    Try again in `wait_hours` hours (at least 1)."""

    wait_hours: int


@dataclass(frozen=True, slots=True)
class AlreadyLinkedElsewhere:
    """NIK and birth date match a record another chat is linked to: not linked again (the Dinas helps)."""


@dataclass(frozen=True, slots=True)
class AlreadyYours:
    """The record is linked to this chat already."""


@dataclass(frozen=True, slots=True)
class EnteredByYou:
    """The asker entered this record for a neighbour as RT/RW leader: the neighbour links it, not them."""


@dataclass(frozen=True, slots=True)
class ChatHasARecord:
    """This chat is the registrant of another record already (`registration_id`): one chat, one
    participant; not linked (the Dinas helps)."""

    registration_id: int


LinkAnswer = (
    Linked | LinkRefused | TooManyLinkTries | AlreadyLinkedElsewhere | AlreadyYours | EnteredByYou | ChatHasARecord
)


@dataclass(frozen=True, slots=True)
class LinkRegistration(Request[LinkAnswer]):
    """Link the record with this NIK and birth date (found by keyed hash) to the person asking, when it
    is not erased and no chat is linked to it. Wrong tries are limited per person and per NIK."""

    nik: str
    birth_date: date


@dataclass(frozen=True, slots=True)
class RecordLinkedPhone(Request[Done | NotAllowed]):
    """Record the WhatsApp number this person writes from as the phone of their own registration."""

    registration_id: int
