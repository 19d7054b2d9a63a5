"""A message to someone other than the person writing: a status change for the worker and their RT/RW
leader, an accident report for the Dinas admins, a revoked role's notice, a file an admin asked for.

A step or a desk only says who gets what, in catalog messages; the pipeline's outbox writer
(bot/inbound/outbox_writer.py) renders it in the recipient's own language and queues it, in the same
transaction as whatever caused it."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.messages import Choice, Msg

__all__ = ["Attachment", "Letter"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the letter (an enrolment export, a chart): stored encrypted until it has gone."""

    file_name: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Letter:
    to: int  # the recipient's contact id
    parts: tuple[Msg, ...]  # each rendered in the recipient's language, a blank line between them
    attachment: Attachment | None = None
    # A question the letter asks (the renewal's "still living and working here?"): shown as buttons where
    # the channel has them; the answer comes back as an ordinary message (see Contact.awaiting).
    choices: tuple[Choice, ...] = ()

    @staticmethod
    def of(to: int, *parts: Msg, attachment: Attachment | None = None, choices: tuple[Choice, ...] = ()) -> Letter:
        return Letter(to, parts, attachment, choices)
