"""The one way out. Every outgoing message is queued here, in the transaction of what caused it, and
every catalog message is rendered here, in the recipient's own language: the replies to the person
who wrote (the pipeline), letters to others (a desk's or a step's `Letter`), a broadcast's recipients
and its progress messages (the broadcast runner). Nothing else inserts outbox rows; a test checks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.letters import Letter
from conversations.messages import Choice, Msg, Reply
from db.models import Broadcast, Contact
from db.personal_data import PersonalDataCipher
from db.repositories import broadcasts, outbox
from db.repositories.broadcasts import QueueResult
from locales import Catalogs

__all__ = ["OutboxWriter", "RenderedReply"]


@dataclass(frozen=True, slots=True)
class RenderedReply:
    body: str
    choices: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class OutboxWriter:
    catalogs: Catalogs
    cipher: PersonalDataCipher  # a file's content is stored encrypted: an export holds NIKs in full

    def render(self, reply: Reply, language: str) -> RenderedReply:
        body = self.text(reply.parts, language)
        choices = tuple(self._choice(c, language) for c in reply.choices)
        return RenderedReply(body, choices)

    def _choice(self, choice: Choice, language: str) -> dict[str, str]:
        rendered = {"id": choice.id, "label": self.catalogs.render(choice.label, language)}
        return rendered | {"keyed": "yes"} if choice.number is not None else rendered

    def text(self, parts: Sequence[Msg], language: str) -> str:
        return "\n\n".join(self.catalogs.render(part, language) for part in parts)

    async def replies(  # noqa: PLR0917 - the answers, to whom, in which language, when, to which message
        self,
        session: AsyncSession,
        contact: Contact,
        replies: Sequence[Reply],
        language: str,
        now: datetime,
        inbox_id: int | None,
    ) -> None:
        """The answers to the message `inbox_id`, to the person who wrote it."""
        for reply in replies:
            rendered = self.render(reply, language)
            await outbox.enqueue(
                session,
                contact_id=contact.id,
                channel=contact.channel,
                recipient=contact.channel_id,
                body=rendered.body,
                choices=rendered.choices,
                now=now,
                inbox_id=inbox_id,
            )

    def queued_replies(
        self, contact: Contact, replies: Sequence[Reply], language: str, inbox_id: int | None
    ) -> list[outbox.NewReply]:
        """The same answers as `replies`, rendered, for a batch to queue together (`outbox.enqueue_many`)."""
        queued: list[outbox.NewReply] = []
        for reply in replies:
            rendered = self.render(reply, language)
            queued.append(
                outbox.NewReply(
                    contact.id, contact.channel, contact.channel_id, rendered.body, rendered.choices, inbox_id
                )
            )
        return queued

    async def letters(self, session: AsyncSession, letters: Sequence[Letter], now: datetime) -> None:
        """Messages nobody just asked for (priority 1): a letter to a contact gone since is dropped."""
        for letter in letters:
            contact = await session.get(Contact, letter.to)
            if contact is None:
                continue
            await self._letter(session, contact, letter, now)

    async def _letter(self, session: AsyncSession, contact: Contact, letter: Letter, now: datetime) -> None:
        file_id = None
        if letter.attachment is not None:
            file_id = await outbox.add_file(
                session,
                file_name=letter.attachment.file_name,
                media_type=letter.attachment.media_type,
                encrypted_content=self.cipher.encrypt_bytes(letter.attachment.content),
                now=now,
            )
        await outbox.enqueue(
            session,
            contact_id=contact.id,
            channel=contact.channel,
            recipient=contact.channel_id,
            body=self.text(letter.parts, contact.language),
            choices=[self._choice(choice, contact.language) for choice in letter.choices],
            now=now,
            kind="notification" if file_id is None else "file",
            priority=outbox.PRIORITY_NOTIFICATION,
            file_id=file_id,
        )

    async def broadcast(
        self,
        session: AsyncSession,
        broadcast: Broadcast,
        now: datetime,
        *,
        channels: Collection[str],
        due_by: date | None = None,
    ) -> QueueResult:
        """An announcement's text to everyone in its audience (priority 2), in one statement (`due_by`: for
        "sponsors_due", conversations.audiences.sponsor_months_due_by)."""
        return await broadcasts.queue_recipients(session, broadcast, now, channels=channels, due_by=due_by)

    async def progress(
        self,
        session: AsyncSession,
        author: Contact,
        parts: Sequence[Msg],
        now: datetime,
        *,
        priority: int,
        replaces: str | None = None,
    ) -> int:
        """A progress message to a broadcast's author (`replaces`: the provider's id of the one it
        rewrites); its outbox id, so the next update can find the message to edit."""
        body = self.text(parts, author.language)
        return await broadcasts.add_progress_message(session, author, body, now, priority=priority, replaces=replaces)
