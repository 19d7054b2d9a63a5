"""The inbound path, the same for every channel:

store the message id (a duplicate stops here) → find or create the contact → lock its conversation →
step the pure engine → save the new state, the effects and the outgoing messages in ONE transaction →
wake the outbox worker, which delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.clock import Clock
from bot.inbound.dispatcher import RequestAnswerer
from bot.inbound.group_commit import GroupCommit
from bot.inbound.outbox_writer import OutboxWriter
from bot.inbound.question_model import QuestionModelKeeper
from bot.inbound.sealing import seal, unseal
from conversations.effects import (
    Audit,
    Effect,
    Letter,
    RecordConsent,
    RecordQuestionOutcome,
    RecordUnansweredQuestion,
    SetLanguage,
    SetOptOut,
)
from conversations.engine import Engine
from conversations.flood import FloodRule, FloodVerdict, FloodWindow, next_window, seconds_left
from conversations.flow import ContactInfo, Context
from conversations.flows.privacy import CONSENT_PURPOSE, NOTICE_VERSIONS
from conversations.inbound import Inbound
from conversations.messages import Reply, msg
from conversations.nik import mask_digit_runs
from conversations.programme import Programme
from conversations.questions.desk import default_desk
from conversations.regions import Region
from conversations.requests.unanswered import GroupAttached
from conversations.state import SessionState, stored_data, stored_steps
from db.connection import Store
from db.disconnects import error_kind, is_unreachable
from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import (
    audit,
    consent,
    contacts,
    conversation_sessions,
    inbox,
    outbox,
    question_learning,
    roles,
    unanswered_questions,
)
from db.repositories.consent import ConsentInForce
from locales import Catalogs

__all__ = ["AnsweredQuestion", "HandleResult", "Handled", "InboundHandler", "Pipeline"]

log = logging.getLogger(__name__)
# Requests (look-ups, submissions) one message may cause; more is a loop in a flow, not a conversation.
_MAX_REQUESTS = 4
POSTGRES_LANES = 4  # batches in flight at once on PostgreSQL (each person's messages stay in one lane)


class HandleResult(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    FAILED = "failed"  # the step raised: the person got an apology, the inbox row says so
    FLOODED = "flood"  # past the person's flood limit: recorded, not acted on (conversations/flood.py)


@dataclass(frozen=True, slots=True)
class AnsweredQuestion:
    """The newest question with choices sent to the person before their message: what they answered.
    On Telegram its keyboard is taken away, so that it cannot be tapped twice."""

    provider_message_id: str
    choices: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class Handled:
    result: HandleResult
    answered: AnsweredQuestion | None = None  # looked up for the channels that show keyboards


class InboundHandler(Protocol):
    """What a channel hands its messages to: the `Pipeline`, or a test's stand-in for it."""

    async def handle(self, inbound: Inbound) -> Handled: ...


class Pipeline:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        catalogs: Catalogs,
        programme: Programme,
        *,
        cipher: PersonalDataCipher,
        clock: Clock,
        region: Region | None = None,
        on_outbox: Callable[[], None] = lambda: None,
        whatsapp_template_configured: bool = False,
        desk_url: str = "",
        keyboard_channels: Collection[str] = ("telegram",),
        question_model: QuestionModelKeeper | None = None,
        flood: FloodRule | None = None,
    ) -> None:
        """`keyboard_channels`: where a question's choices are buttons that stay until taken away; for
        them, `handle` says which question a message answered. `question_model` keeps the question
        desk on the store's newest model and trains a new one when an admin attached questions to a
        topic (bot/inbound/question_model.py). `flood`: how many messages one person may send in a short
        window before the rest are held (conversations/flood.py)."""
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.programme = programme
        self.cipher = cipher
        self.clock = clock
        self.region = region
        self.on_outbox = on_outbox
        self.keyboard_channels = frozenset(keyboard_channels)
        self.flood = flood or FloodRule()
        self.writer = OutboxWriter(catalogs, cipher)
        self.answerer = RequestAnswerer(cipher, programme, catalogs, region, whatsapp_template_configured, desk_url)
        self.question_model = question_model or QuestionModelKeeper(default_desk())
        # SQLite has one writer: one lane. PostgreSQL takes several transactions at once.
        self._batches = GroupCommit(self._handle_batch, lanes=1 if store.is_sqlite else POSTGRES_LANES)

    async def handle(self, inbound: Inbound) -> Handled:
        """Store and handle one message; returns once its outcome and replies are committed. Messages
        arriving together are handled in one transaction (bot/inbound/group_commit.py). Counted, with the
        time it took, by result (bot/metrics.py)."""
        started = metrics.handling_started()
        try:
            handled = await self._batches.submit(f"{inbound.channel}:{inbound.sender_id}", inbound)
        except Exception:  # nothing committed: the platform delivers it again
            metrics.message_in(inbound.channel, metrics.ERROR, started)
            raise
        metrics.message_in(inbound.channel, handled.result.value, started)
        return handled

    async def close(self) -> None:
        await self._batches.wait_idle()
        await self.question_model.close()

    async def _handle_batch(self, inbounds: Sequence[Inbound]) -> list[Handled]:
        try:
            await self.question_model.refresh_if_due(self.store, self.clock())
        except Exception:  # the model in use answers meanwhile; the next minute tries again
            log.exception("question model check failed")
        train = False
        try:
            handled, train = await self._in_one_transaction(inbounds)
        except Exception as exc:  # a bug in a step must not lose the message or leave the person waiting
            if is_unreachable(exc):  # not a bug: nothing was stored, and the channel delivers it again (5xx)
                log.warning(
                    "%d message(s) not stored: the database is unreachable (%s)", len(inbounds), error_kind(exc)
                )
                raise
            if len(inbounds) == 1 and isinstance(exc, DBAPIError) and _transient(exc):
                # Refused twice for the moment (a deadlock with another worker): not the message's fault,
                # nothing was stored, and the channel delivers it again (5xx) rather than an apology.
                log.warning("a message met %s twice: left for the channel to deliver again", _kind(exc))
                raise
            if len(inbounds) > 1:  # the others must not pay for one message: each alone, in order
                log.warning(
                    "a batch of %d messages failed (%s): handling them one by one", len(inbounds), type(exc).__name__
                )
                return [handled for inbound in inbounds for handled in await self._handle_batch([inbound])]
            log.exception("step failed: channel=%s message=%s", inbounds[0].channel, inbounds[0].message_id)
            handled = [await self._record_failure(inbounds[0], type(exc).__name__)]
        if train:  # the admin's phrases are committed: a child process trains on them
            self.question_model.start_training()
        if any(h.result is not HandleResult.DUPLICATE for h in handled):
            self.on_outbox()
        return handled

    async def _in_one_transaction(self, inbounds: Sequence[Inbound]) -> tuple[list[Handled], bool]:
        """The batch in one transaction; tried once more when the database refused it for the moment (a
        deadlock between PostgreSQL lanes or workers, a serialisation failure)."""
        try:
            return await self._together_committed(inbounds)
        except DBAPIError as exc:
            if not _transient(exc):
                raise
            log.warning("a batch of %d messages met %s: trying it once more", len(inbounds), _kind(exc))
        return await self._together_committed(inbounds)

    async def _together_committed(self, inbounds: Sequence[Inbound]) -> tuple[list[Handled], bool]:
        async with self.store.transaction() as session:
            return await self._handle_together(session, inbounds)

    async def _handle_together(self, session: AsyncSession, inbounds: Sequence[Inbound]) -> tuple[list[Handled], bool]:
        """Every message of the batch, in order, in this transaction: a handful of statements for the
        whole batch (contacts, inbox, conversations, consents, roles read at once; conversations saved
        and replies queued at once), plus what a step's own requests need. Also whether the question
        model must be trained again once this commits."""
        now = self.clock()
        found = await contacts.contacts_for(session, [(i.channel, i.sender_id) for i in inbounds], now)
        senders = [found[(i.channel, i.sender_id)] for i in inbounds]
        inbox_ids = await inbox.record_inbounds(
            session, [(i.channel, i.message_id, c.id) for i, c in zip(inbounds, senders, strict=True)], now
        )
        writing = {c.id: c for c, inbox_id in zip(senders, inbox_ids, strict=True) if inbox_id is not None}
        people = await self._people(session, writing)
        handled: list[Handled] = []
        queued: list[outbox.NewReply] = []
        train = asked = False
        for inbound, contact, inbox_id in zip(inbounds, senders, inbox_ids, strict=True):
            if inbox_id is None:
                handled.append(Handled(HandleResult.DUPLICATE))
                continue
            person = people[contact.id]
            if (flooded := await self._held_back(session, contact, inbox_id, now)) is not None:
                queued.extend(self.writer.queued_replies(contact, flooded, contact.language, inbox_id))
                handled.append(Handled(HandleResult.FLOODED, person.answered))
                continue
            if asked:  # a request earlier in the batch may have granted or revoked this person's role
                await person.read_roles(session)
            turn = await self._step(session, person, inbound, now)
            queued.extend(self.writer.queued_replies(contact, turn.replies, turn.language, inbox_id))
            handled.append(Handled(HandleResult.HANDLED, person.answered))
            train, asked = train or turn.train, asked or turn.asked
        await conversation_sessions.save_sessions(
            session, [person.saved(self.cipher) for person in people.values()], now
        )
        await outbox.enqueue_many(session, queued, now)
        return handled, train

    async def _held_back(
        self, session: AsyncSession, contact: Contact, inbox_id: int, now: datetime
    ) -> list[Reply] | None:
        """None when the message goes through; otherwise it is past the person's flood limit and is only
        recorded: the replies are the one polite message (the first time in the window) or none."""
        window = FloodWindow(contact.flood_since, contact.flood_count, contact.flood_told)
        verdict, window = next_window(self.flood, window, now)
        contact.flood_since, contact.flood_count, contact.flood_told = window.since, window.count, window.told
        if verdict is FloodVerdict.HANDLE:
            return None
        await inbox.set_outcome(session, inbox_id, contact.id, "flood")
        if verdict is FloodVerdict.HOLD:
            return []
        log.info("flood: contact=%s past %d messages in %s", contact.id, self.flood.messages, self.flood.window)
        wait = seconds_left(self.flood, window, now)
        return [Reply.of(msg("flood.slow_down", messages=self.flood.messages, wait=wait))]

    async def _people(self, session: AsyncSession, writing: Mapping[int, Contact]) -> dict[int, _Person]:
        """What the batch needs to know of everyone writing, read at once."""
        ids = list(writing)
        stored = await conversation_sessions.lock_sessions(session, ids)
        if not self.store.is_sqlite:
            # Read again now that their conversations are locked: another worker may have handled one of
            # their messages while this one waited, and its flood count and language must not be lost.
            # (SQLite's transactions run one at a time: what was read is still current.)
            await contacts.refresh_contacts(session, ids)
        consents = await consent.consents_in_force(session, ids, NOTICE_VERSIONS)
        held = await roles.active_roles(session, ids)
        keyboards = [i for i in ids if writing[i].channel in self.keyboard_channels]
        answered = await outbox.latest_sent_with_choices_of(session, keyboards)
        return {
            contact_id: _Person(
                contact,
                stored[contact_id],
                _state(stored[contact_id], self.cipher),
                stored[contact_id].updated_at,
                consents.get(contact_id, {}),
                held.get(contact_id, frozenset()),
                _answered(answered.get(contact_id)),
            )
            for contact_id, contact in writing.items()
        }

    async def _step(self, session: AsyncSession, person: _Person, inbound: Inbound, now: datetime) -> _Turn:
        """One message through the engine and the requests it makes."""
        contact = person.contact
        contact.last_inbound_at = now
        contact.unreachable = False  # they wrote to us, so they can be reached again
        if inbound.phone:
            contact.phone = inbound.phone
        outcome = first = self.engine.handle(person.state, inbound, self._context(person, now))
        await self._apply(session, person, outcome.effects, now)
        replies = list(outcome.replies)
        train = False
        for _ in range(_MAX_REQUESTS):
            if outcome.fetch is None:
                break
            answer = await self.answerer.answer(session, contact, outcome.fetch.request, now)
            train = train or isinstance(answer, GroupAttached)
            # An invitation accepted grants a role the rest of the turn must know of (consents change only
            # through this pipeline's own effects, which `_apply` keeps up to date).
            await person.read_roles(session)
            outcome = self.engine.resume(outcome, answer, self._context(person, now))
            await self._apply(session, person, outcome.effects, now)
            replies.extend(outcome.replies)
        if outcome.fetch is not None:
            raise RuntimeError(f"a step made more than {_MAX_REQUESTS} requests for one message")
        person.state = outcome.state
        person.since = now  # saved with this batch: a letter sent before now is older than this turn
        return _Turn(replies, outcome.language, train, asked=outcome is not first)

    def _context(self, person: _Person, now: datetime) -> Context:
        contact = person.contact
        consents = frozenset(
            purpose
            for purpose, record in person.consents.items()
            if record.granted and record.notice_version == NOTICE_VERSIONS.get(purpose)
        )
        latest = person.consents.get(CONSENT_PURPOSE)
        consented = CONSENT_PURPOSE in consents
        info = ContactInfo(
            channel=contact.channel,
            roles=person.roles,
            consented=consented,
            consented_at=latest.recorded_at if latest is not None and consented else None,
            consents=consents,
            opted_out=contact.opted_out,
            # On WhatsApp the sender id is the phone number: registration need not ask for it.
            phone=contact.phone or (contact.channel_id if contact.channel == "whatsapp" else None),
            awaiting=contact.awaiting,
            letter_is_newer=bool(contact.awaiting and contact.awaiting_since and contact.awaiting_since > person.since),
        )
        return Context(
            now=now,
            language=contact.language,
            programme=self.programme,
            contact=info,
            renderer=self.catalogs,
            region=self.region,
        )

    async def _apply(self, session: AsyncSession, person: _Person, effects: Sequence[Effect], now: datetime) -> None:
        contact = person.contact
        for effect in effects:
            match effect:
                case SetLanguage(language=language):
                    contact.language = language
                case SetOptOut(opted_out=opted_out):
                    contact.opted_out = opted_out
                case RecordConsent(purpose=purpose, notice_version=version, granted=granted):
                    await consent.record_consent(
                        session, contact.id, purpose=purpose, notice_version=version, granted=granted, now=now
                    )
                    person.consents = {**person.consents, purpose: ConsentInForce(purpose, version, granted, now)}
                case Audit(action=action, detail=detail):
                    await audit.record_audit(session, action, now=now, actor_contact_id=contact.id, detail=detail)
                case Letter():
                    await self.writer.letters(session, [effect], now)
                case RecordUnansweredQuestion(text=text, asked_in=asked_in):
                    await unanswered_questions.add_question(
                        session,
                        contact.id,
                        mask_digit_runs(text),
                        language=contact.language,
                        asked_in=asked_in,
                        now=now,
                    )
                case RecordQuestionOutcome(outcome=said, topic=topic, asked_in=asked_in):
                    await question_learning.record_outcome(session, said, topic, asked_in=asked_in, now=now)

    async def _record_failure(self, inbound: Inbound, error: str) -> Handled:
        now = self.clock()
        async with self.store.transaction() as session:
            inbox_id = await inbox.record_inbound(session, inbound.channel, inbound.message_id, now, status="failed")
            if inbox_id is None:
                return Handled(HandleResult.DUPLICATE)
            contact = await contacts.get_or_create_contact(session, inbound.channel, inbound.sender_id, now)
            keyboards = [contact.id] if contact.channel in self.keyboard_channels else []
            answered = _answered((await outbox.latest_sent_with_choices_of(session, keyboards)).get(contact.id))
            await inbox.set_outcome(session, inbox_id, contact.id, "failed", error)
            await self.writer.replies(
                session, contact, [Reply.of(msg("engine.error"))], contact.language, now, inbox_id
            )
        return Handled(HandleResult.FAILED, answered)


@dataclass(frozen=True, slots=True)
class _Turn:
    """What one message's turn gave: its replies, in which language; whether it attached questions the
    model must learn, and whether it made requests (which may change others' roles in the batch)."""

    replies: list[Reply]
    language: str
    train: bool
    asked: bool


@dataclass(slots=True)
class _Person:
    """What a batch knows of one person writing, kept up to date across their messages in it."""

    contact: Contact
    stored: conversation_sessions.StoredSession  # as read: saved back over its revision
    state: SessionState
    since: datetime  # when the conversation last changed: a letter's question may be newer
    consents: Mapping[str, ConsentInForce]
    roles: frozenset[str]
    answered: AnsweredQuestion | None

    async def read_roles(self, session: AsyncSession) -> None:
        """The roles as they are now, after a request may have granted or revoked one."""
        self.roles = (await roles.active_roles(session, [self.contact.id])).get(self.contact.id, frozenset())

    def saved(self, cipher: PersonalDataCipher) -> conversation_sessions.SavedSession:
        return conversation_sessions.SavedSession(
            contact_id=self.contact.id,
            expected_revision=self.stored.revision,
            flow=self.state.flow,
            flow_version=self.state.flow_version,
            step=self.state.step,
            data=seal(stored_data(self.state), cipher),
            paused={flow: seal(data, cipher) for flow, data in self.state.paused.items()},
        )


def _state(row: conversation_sessions.StoredSession, cipher: PersonalDataCipher) -> SessionState:
    flow_data, history = stored_steps(unseal(row.data, cipher))
    return SessionState(
        row.flow,
        row.flow_version,
        row.step,
        flow_data,
        row.revision,
        {flow: unseal(data, cipher) for flow, data in row.paused.items()},
        history,
    )


def _transient(error: DBAPIError) -> bool:
    """A refusal that a second try may not meet: PostgreSQL's deadlock and serialisation failures,
    SQLite's busy database."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in {"40001", "40P01"} or "database is locked" in str(error.orig)


def _kind(error: DBAPIError) -> str:
    return type(error.orig).__name__


def _answered(found: tuple[str, list[dict[str, str]]] | None) -> AnsweredQuestion | None:
    if found is None:
        return None
    provider_message_id, choices = found
    return AnsweredQuestion(provider_message_id, tuple(dict(choice) for choice in choices))
