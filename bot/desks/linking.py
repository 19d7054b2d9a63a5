"""Linking a record the Dinas holds to the chat of its worker (conversations/requests/linking.py).

The record is found by the NIK's keyed hash (nothing is decrypted) and must match the birth date too,
belong to this programme, not be erased, and have no chat linked to it: imported (`jaring import
participants`) or entered by an RT/RW leader for the worker. Wrong tries are limited, counted in the
audit log: per person (`LINK_TRIES_PER_PERSON` in `LINK_WINDOW`) and per NIK from any chat
(`LINK_TRIES_PER_NIK`), so that guessing from many chats is held too. A NIK held is held whether or not
it is registered, and a wrong answer is the same whichever of the two was wrong: nothing here tells
anyone whether a NIK is registered. The audit never holds a NIK: a wrong try's subject is a keyed hash
of it under a key of its own, which the registrations' hash cannot be matched with."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

from bot.desks.call import DeskCall
from bot.desks.corrections import tell_the_dinas
from bot.desks.membership import registration_membership
from bot.desks.sponsor_funding import payer_words
from conversations.corrections_policy import correction_plan
from conversations.flows.fields import normalise_phone
from conversations.flows.linking import mask_kpj
from conversations.requests.base import Done, NotAllowed
from conversations.requests.linking import (
    AlreadyLinkedElsewhere,
    AlreadyYours,
    ChatHasARecord,
    EnteredByYou,
    LinkAnswer,
    Linked,
    LinkRefused,
    LinkRegistration,
    RecordLinkedPhone,
    TooManyLinkTries,
)
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, link_tries, registrations
from db.repositories.participants import PUBLIC_TASK

__all__ = [
    "LINK_FAILED",
    "LINK_THROTTLED",
    "LINK_TRIES_PER_NIK",
    "LINK_TRIES_PER_PERSON",
    "LINK_WINDOW",
    "link_registration",
    "nik_try_subject",
    "record_linked_phone",
]

# Statuses of a chat's own record that no longer hold it: such a chat may still link the record it has.
_OVER = ("rejected", "ended")

# A person who mistypes has three tries a day; a NIK tried wrongly five times a day (so from two chats
# at least) is held for everyone until the oldest of those tries is a day old.
LINK_TRIES_PER_PERSON = 3
LINK_TRIES_PER_NIK = 5
LINK_WINDOW = timedelta(hours=24)
LINK_FAILED = "registration.link_failed"  # a wrong try (subject: nik_try_subject)
LINK_THROTTLED = "registration.link_throttled"  # a try refused by a limit, nothing looked up


def nik_try_subject(cipher: PersonalDataCipher, nik: str) -> str:
    """The audit subject of a wrong try with this NIK: the same for the same NIK from any chat."""
    return "nik:" + cipher.blind_index(f"link-try:{nik}")[:24]


async def link_registration(call: DeskCall, request: LinkRegistration) -> LinkAnswer:
    session, asker, now = call.session, call.asker, call.now
    subject = nik_try_subject(call.cipher, request.nik)
    wait = await _wait(call, subject)
    if wait is not None:
        hours = _hours(wait)
        await audit.record_audit(
            session, LINK_THROTTLED, now=now, actor_contact_id=asker.id, detail={"wait_hours": str(hours)}
        )
        return TooManyLinkTries(hours)
    found = await registrations.find_by_nik_hash(session, call.cipher.blind_index(request.nik))
    if found is None or not _matches(call, found, request.birth_date):
        return await _wrong_try(call, subject)
    row = await registrations.lock_registration(session, found.id)  # two chats linking at once: one wins
    assert row is not None
    if row.registrant_contact_id == asker.id:
        return AlreadyYours()
    if row.operator_contact_id == asker.id and row.registrant_contact_id is None:
        await _refused(call, row, "entered_by_asker")
        return EnteredByYou()
    if row.registrant_contact_id is not None:
        await _refused(call, row, "linked_elsewhere")
        return AlreadyLinkedElsewhere()
    # One chat, one participant: a chat that is already the registrant of another record does not take
    # this one too (the worker it belongs to could then never link it). Not a wrong try: they matched.
    # A record of theirs that is over (rejected, ended) does not count: it holds nothing any more.
    own = [r for r in await registrations.list_for_contact(session, asker.id) if r.status not in _OVER]
    if own:
        await _refused(call, row, "chat_has_a_record")
        return ChatHasARecord(own[0].id)
    row.registrant_contact_id, row.updated_at = asker.id, now
    await audit.record_audit(
        session,
        "registration.linked",
        now=now,
        actor_contact_id=asker.id,
        subject=f"registration:{row.id}",
        detail={"source": row.source, "channel": asker.channel},
    )
    public_task = row.consent_via == PUBLIC_TASK
    return Linked(
        registration_id=row.id,
        full_name=row.full_name or "-",
        status=row.status,
        status_reason=row.status_reason or "",
        kpj_masked=mask_kpj(row.kpj) if row.kpj else "",
        membership=await registration_membership(session, call.programme, row),
        funder=await payer_words(session, call.programme, row),
        legal_basis=(row.legal_basis or call.programme.privacy.legal_basis or "-") if public_task else "",
        phone_is_this_chat=_chat_number(asker) is not None and row.phone == _chat_number(asker),
    )


def _matches(call: DeskCall, row: Registration, birth_date: date) -> bool:
    return row.programme_id == call.programme.id and row.erased_at is None and row.birth_date == birth_date


async def _wait(call: DeskCall, subject: str) -> timedelta | None:
    """How long until this person may try again, or anyone may try this NIK again; None: now."""
    since = call.now - LINK_WINDOW
    mine = await audit.recent_action_times(
        call.session, LINK_FAILED, actor_contact_id=call.asker.id, since=since, limit=LINK_TRIES_PER_PERSON
    )
    nik = await link_tries.recent_times_for_subject(
        call.session, LINK_FAILED, subject=subject, since=since, limit=LINK_TRIES_PER_NIK
    )
    waits = [
        tries[-1] + LINK_WINDOW - call.now
        for tries, most in ((mine, LINK_TRIES_PER_PERSON), (nik, LINK_TRIES_PER_NIK))
        if len(tries) >= most
    ]
    return max(waits) if waits else None


async def _wrong_try(call: DeskCall, subject: str) -> LinkRefused:
    """Recorded without the NIK; the same answer whichever of the two was wrong, registered or not."""
    session, asker, now = call.session, call.asker, call.now
    earlier = await audit.recent_action_times(
        session, LINK_FAILED, actor_contact_id=asker.id, since=now - LINK_WINDOW, limit=LINK_TRIES_PER_PERSON
    )
    await audit.record_audit(session, LINK_FAILED, now=now, actor_contact_id=asker.id, subject=subject)
    tries = [now, *earlier][:LINK_TRIES_PER_PERSON]
    left = LINK_TRIES_PER_PERSON - len(tries)
    return LinkRefused(tries_left=left, wait_hours=_hours(tries[-1] + LINK_WINDOW - now) if left == 0 else 0)


async def _refused(call: DeskCall, row: Registration, reason: str) -> None:
    await audit.record_audit(
        call.session,
        "registration.link_refused",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{row.id}",
        detail={"reason": reason},
    )


def _hours(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 3600))


def _chat_number(contact: Contact) -> str | None:
    """The number a WhatsApp chat comes from, as a registration keeps a phone (62…); None elsewhere."""
    if contact.channel != "whatsapp":
        return None
    return normalise_phone(contact.phone or contact.channel_id)


async def record_linked_phone(call: DeskCall, request: RecordLinkedPhone) -> Done | NotAllowed:
    """Only the worker's own record, only from WhatsApp, only the number they write from."""
    session, asker, now = call.session, call.asker, call.now
    number = _chat_number(asker)
    row = await registrations.lock_registration(session, request.registration_id)
    if number is None or row is None or row.erased_at is not None or row.registrant_contact_id != asker.id:
        return NotAllowed()
    old = row.phone
    row.phone, row.updated_at = number, now
    await audit.record_audit(
        session,
        "registration.phone_recorded",
        now=now,
        actor_contact_id=asker.id,
        subject=f"registration:{row.id}",
        detail={"from": "whatsapp"},
    )
    await _tell_the_dinas_of_the_phone(call, row, old, number)
    return Done()


async def _tell_the_dinas_of_the_phone(call: DeskCall, row: Registration, old: str | None, new: str) -> None:
    """The letter a phone correction sends (an approved or active participant's phone is in BPJS TK's
    list): the Dinas passes it on. Recording the phone sends nothing back to the kelurahan."""
    plan = correction_plan("phone", row.status, row.quota_year, current=old, new=new)
    if plan.dinas_told:
        kept = dataclasses.replace(plan, status_after=row.status, rechecked=False, keeps_place=False)
        await tell_the_dinas(call, row, kept, old, new)
