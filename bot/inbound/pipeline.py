"""The inbound path, the same for every channel:

store the message id (a duplicate stops here) → find or create the contact → lock its conversation →
step the pure engine → save the new state, the effects and the outgoing messages in ONE transaction →
wake the outbox worker, which delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.inbound.dispatcher import RequestAnswerer
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
from locales import Catalogs

__all__ = ["AnsweredQuestion", "HandleResult", "Handled", "InboundHandler", "Pipeline"]

log = logging.getLogger(__name__)
# Requests (look-ups, submissions) one message may cause; more is a loop in a flow, not a conversation.
_MAX_REQUESTS = 4


class HandleResult(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    FAILED = "failed"  # the step raised: the person got an apology, the inbox row says so


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
        keyboard_channels: Collection[str] = ("telegram",),
        question_model: QuestionModelKeeper | None = None,
    ) -> None:
        """`keyboard_channels`: where a question's choices are buttons that stay until taken away; for
        them, `handle` says which question a message answered. `question_model` keeps the question
        desk on the store's newest model and trains a new one when an admin attached questions to a
        topic (bot/inbound/question_model.py)."""
        self.store = store
        self.engine = engine
        self.catalogs = catalogs
        self.programme = programme
        self.cipher = cipher
        self.clock = clock
        self.region = region
        self.on_outbox = on_outbox
        self.keyboard_channels = frozenset(keyboard_channels)
        self.writer = OutboxWriter(catalogs, cipher)
        self.answerer = RequestAnswerer(cipher, programme, catalogs, region, whatsapp_template_configured)
        self.question_model = question_model or QuestionModelKeeper(default_desk())

    async def handle(self, inbound: Inbound) -> Handled:
        try:
            await self.question_model.refresh_if_due(self.store, self.clock())
        except Exception:  # the model in use answers meanwhile; the next minute tries again
            log.exception("question model check failed")
        train = False
        try:
            async with self.store.transaction() as session:
                handled, train = await self._handle(session, inbound)
        except Exception as exc:  # a bug in a step must not lose the message or leave the person waiting
            log.exception("step failed: channel=%s message=%s", inbound.channel, inbound.message_id)
            handled = await self._record_failure(inbound, type(exc).__name__)
        if train:  # the admin's phrases are committed: a child process trains on them
            self.question_model.start_training()
        if handled.result is not HandleResult.DUPLICATE:
            self.on_outbox()
        return handled

    async def close(self) -> None:
        await self.question_model.close()

    async def _handle(self, session: AsyncSession, inbound: Inbound) -> tuple[Handled, bool]:
        """What happened, and whether the model must be trained again once this commits."""
        now = self.clock()
        inbox_id = await inbox.record_inbound(session, inbound.channel, inbound.message_id, now)
        if inbox_id is None:
            return Handled(HandleResult.DUPLICATE), False
        contact = await contacts.get_or_create_contact(session, inbound.channel, inbound.sender_id, now)
        answered = await self._answered(session, contact)
        contact.last_inbound_at = now
        contact.unreachable = False  # they wrote to us, so they can be reached again
        if inbound.phone:
            contact.phone = inbound.phone
        row = await conversation_sessions.lock_session(session, contact.id)
        flow_data, history = stored_steps(unseal(row.data, self.cipher))
        state = SessionState(
            row.flow,
            row.flow_version,
            row.step,
            flow_data,
            row.revision,
            {flow: unseal(data, self.cipher) for flow, data in row.paused.items()},
            history,
        )
        since = row.updated_at  # the conversation's last change: a letter's question may be newer
        outcome = self.engine.handle(state, inbound, await self._context(session, contact, now, since))
        await self._apply(session, contact, outcome.effects, now)
        replies = list(outcome.replies)
        train = False
        for _ in range(_MAX_REQUESTS):
            if outcome.fetch is None:
                break
            answer = await self.answerer.answer(session, contact, outcome.fetch.request, now)
            train = train or isinstance(answer, GroupAttached)
            outcome = self.engine.resume(outcome, answer, await self._context(session, contact, now, since))
            await self._apply(session, contact, outcome.effects, now)
            replies.extend(outcome.replies)
        else:
            raise RuntimeError(f"a step made more than {_MAX_REQUESTS} requests for one message")
        await conversation_sessions.save_session(
            session,
            contact.id,
            row.revision,
            flow=outcome.state.flow,
            flow_version=outcome.state.flow_version,
            step=outcome.state.step,
            data=seal(stored_data(outcome.state), self.cipher),
            paused={flow: seal(data, self.cipher) for flow, data in outcome.state.paused.items()},
            now=now,
        )
        await self.writer.replies(session, contact, replies, outcome.language, now, inbox_id)
        await inbox.set_outcome(session, inbox_id, contact.id, "processed")
        return Handled(HandleResult.HANDLED, answered), train

    async def _answered(self, session: AsyncSession, contact: Contact) -> AnsweredQuestion | None:
        if contact.channel not in self.keyboard_channels:
            return None
        row = await outbox.latest_sent_with_choices(session, contact.id)
        if row is None or not row.provider_message_id:
            return None
        return AnsweredQuestion(row.provider_message_id, tuple(dict(choice) for choice in row.choices))

    async def _context(
        self, session: AsyncSession, contact: Contact, now: datetime, conversation_since: datetime
    ) -> Context:
        records = await consent.latest_consents(session, contact.id, NOTICE_VERSIONS)
        consents = frozenset(
            purpose
            for purpose, record in records.items()
            if record.granted and record.notice_version == NOTICE_VERSIONS[purpose]
        )
        latest = records.get(CONSENT_PURPOSE)
        consented = CONSENT_PURPOSE in consents
        grants = await roles.active_grants(session, contact.id)
        info = ContactInfo(
            channel=contact.channel,
            roles=frozenset(grant.role for grant in grants),
            consented=consented,
            consented_at=latest.recorded_at if latest is not None and consented else None,
            consents=consents,
            opted_out=contact.opted_out,
            # On WhatsApp the sender id is the phone number: registration need not ask for it.
            phone=contact.phone or (contact.channel_id if contact.channel == "whatsapp" else None),
            awaiting=contact.awaiting,
            letter_is_newer=bool(
                contact.awaiting and contact.awaiting_since and contact.awaiting_since > conversation_since
            ),
        )
        return Context(
            now=now,
            language=contact.language,
            programme=self.programme,
            contact=info,
            renderer=self.catalogs,
            region=self.region,
        )

    async def _apply(self, session: AsyncSession, contact: Contact, effects: Sequence[Effect], now: datetime) -> None:
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
            answered = await self._answered(session, contact)
            await inbox.set_outcome(session, inbox_id, contact.id, "failed", error)
            await self.writer.replies(
                session, contact, [Reply.of(msg("engine.error"))], contact.language, now, inbox_id
            )
        return Handled(HandleResult.FAILED, answered)
