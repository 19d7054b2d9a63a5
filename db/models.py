"""The tables. Repositories in `db/repositories/` are the only code that queries them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import JsonColumn, UtcDateTime

__all__ = [
    "AccidentReport",
    "AuditEntry",
    "Base",
    "Broadcast",
    "ClaimCase",
    "ConsentRecord",
    "Contact",
    "ConversationSession",
    "InboxMessage",
    "Invite",
    "OutboxFile",
    "OutboxMessage",
    "ParticipantYear",
    "Process",
    "QuestionModel",
    "QuestionOutcome",
    "QuestionPhrase",
    "QuotaChange",
    "Registration",
    "RegistrationEvent",
    "Renewal",
    "RenewalRound",
    "RoleGrant",
    "SendPacing",
    "Sponsor",
    "SponsorPeriod",
    "Sponsorship",
    "UnansweredQuestion",
    "WebLink",
    "WebSession",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Contact(Base):
    """One person on one channel. The same person on Telegram and WhatsApp is two contacts."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "channel_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="id")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Meta's business-scoped user id (WhatsApp), kept beside the wa_id when a webhook carries one.
    business_user_id: Mapped[str | None] = mapped_column(String(128))
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A flow whose question a letter put to this person and that they have not answered yet (the
    # renewal's "still living and working here?"): their next message outside a flow goes there. Kept on
    # the contact, which every message reads already, so the hot path pays no extra query.
    awaiting: Mapped[str | None] = mapped_column(String(40))
    # When that question was sent: a conversation left untouched since (the menu shown weeks ago) is older
    # than the letter, so the next message answers the letter, whatever the saved state.
    awaiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Flood protection (conversations/flood.py): when this person's current window of messages began,
    # how many they sent in it, and whether they were told to slow down. On the contact, which every
    # message reads and writes already, so several workers count the same way at no extra query.
    flood_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    flood_count: Mapped[int] = mapped_column(Integer, default=0)
    flood_told: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConversationSession(Base):
    __tablename__ = "conversation_sessions"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(40))
    flow_version: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    paused: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)  # drafts left halfway, by flow
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboxMessage(Base):
    """Every inbound message id, once. Only ids and outcome: the text itself is never kept here."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "message_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="processed")
    error: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    """Every message that leaves the bot, replies included, with its delivery state."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_claim_order", "status", "priority", "id"),
        # "Is an older message to this person still open?", asked of every candidate at each claim: answered
        # from the person's open rows, not from every row they were ever sent.
        Index("ix_outbox_contact_open", "contact_id", "status", "priority", "id"),
        # One announcement reaches a person once, however often its sending is started.
        UniqueConstraint("broadcast_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    body: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[dict[str, str]]] = mapped_column(JsonColumn, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The process (`Process.id`) whose lease it is: once that process is gone, taken over at once.
    lease_holder: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)  # delivery statuses find it
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id", ondelete="SET NULL"))
    # Replies go before notifications, notifications before announcements (0, 1, 2): a broadcast to
    # thousands never makes someone who is chatting wait.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_files.id", ondelete="SET NULL"))
    # The provider's id of a message this one rewrites (a broadcast's progress, kept up to date).
    replaces: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Process(Base):
    """A running `jaring serve` (or one that ran), so that the leases it holds can be told from those of
    a process that is gone. `pid_space` names where `pid` means something (the boot and the PID
    namespace); `pid_started` is the process's start time in clock ticks since boot (Linux), so a pid
    reused by another process is not mistaken for it."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid_space: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    pid_started: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SendPacing(Base):
    """A platform limit shared by every process that sends (bot/outbound/shared_pacing.py,
    db/repositories/send_pacing.py): when the bucket's next send may go (GCRA's theoretical arrival time
    less the burst's tolerance), in seconds since the epoch on the database's clock, for one bucket
    ("telegram", "telegram:chat:123", "whatsapp:<number id>"), or a pause's end ("telegram:paused").
    Reserved with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so several `jaring serve` processes
    together never send faster than the limit."""

    __tablename__ = "send_pacing"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    due: Mapped[float] = mapped_column(Float)


class OutboxFile(Base):
    """A file sent with an outbox message (an enrolment export, a chart). The content is encrypted,
    since an export holds NIKs in full, and emptied once the message has gone."""

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Broadcast(Base):
    """An announcement from the Dinas to an audience, sent now or at a set time, and how it went."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    author_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(100))  # "cli" or the admin's channel address
    # The web desk's confirmation form carries a random key: a second submit of it (a double click, a
    # retry) finds this broadcast instead of recording another.
    request_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, str]] = mapped_column(JsonColumn, default=dict)  # {"kind": …, "value": …}
    status: Mapped[str] = mapped_column(String(16))  # scheduled, sending, done, cancelled
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # messages queued when it started
    skipped_opted_out: Mapped[int] = mapped_column(Integer, default=0)
    skipped_unreachable: Mapped[int] = mapped_column(Integer, default=0)
    progress_outbox_id: Mapped[int | None] = mapped_column(Id)  # the admin's progress message
    progress_shown: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QuotaChange(Base):
    """The year's number of places as the Dinas set it (a mid-year budget change adds places).
    The newest row for a year wins over the programme file; the rows are the history."""

    __tablename__ = "quota_changes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(300))
    actor_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsentRecord(Base):
    """Provable consent (UU 27/2022 Pasal 22–24): who, when, which notice, and through whom."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    notice_version: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    given_via: Mapped[str] = mapped_column(String(16), default="self")
    operator_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # Wrong tries at linking a chat to a record are counted per subject (a keyed hash of the NIK typed)
    # from every chat, on each try: without this index that count reads the whole log.
    __table_args__ = (Index("ix_audit_log_action_subject", "action", "subject", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    actor_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict[str, str]] = mapped_column(JsonColumn, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoleGrant(Base):
    """A role (admin, verifier, rtrw) held by a contact, scoped to a kelurahan (and RT/RW) where it applies."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    kelurahan_code: Mapped[str | None] = mapped_column(String(16))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Invite(Base):
    """A one-time code that gives a role. Only a keyed hash of the code is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    kelurahan_code: Mapped[str | None] = mapped_column(String(16))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Registration(Base):
    """A worker's registration. The NIK is stored only encrypted, with a keyed hash for duplicates; when
    the person asks for deletion the personal fields are emptied and an anonymous row stays for totals."""

    __tablename__ = "registrations"
    # Every column the figures count by (bot/desks/figures.py): they read this index, never the wide rows.
    __table_args__ = (
        Index(
            "ix_registrations_figures",
            "programme_id",
            "status",
            "kelurahan_code",
            "job_type",
            "created_at",
            "updated_at",
            "coverage_start",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    nik_cipher: Mapped[str | None] = mapped_column(Text)
    nik_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    female: Mapped[bool | None] = mapped_column(Boolean)
    kelurahan_code: Mapped[str] = mapped_column(String(16), index=True)
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    street: Mapped[str | None] = mapped_column(String(200))
    job_type: Mapped[str] = mapped_column(String(40))
    job_text: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    breadwinner: Mapped[bool | None] = mapped_column(Boolean)
    poverty_register: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(300))
    kpj: Mapped[str | None] = mapped_column(String(11), index=True)
    coverage_start: Mapped[date | None] = mapped_column(Date)
    quota_year: Mapped[int | None] = mapped_column(Integer)  # the year whose quota its approval counts against
    # The programme rules it breaks where the programme file lets the kelurahan decide (ids, e.g. "age"):
    # the verifier and the admin see each, and approval needs an override with a reason.
    flags: Mapped[list[str]] = mapped_column(JsonColumn, default=list, server_default="[]")
    # "jaring": registered through the bot; "import": a participant the Pemda already had (`jaring import
    # participants`), active from the start with BPJS TK's KPJ and start date, and no contact until the
    # worker writes and proves who they are (then registrant_contact_id is theirs).
    source: Mapped[str] = mapped_column(String(16), default="jaring", server_default="jaring")
    funder: Mapped[str | None] = mapped_column(String(100))  # who pays the premium, as the Pemda's file says
    # Imported rows are processed under the Pemda's public task (UU 27/2022 Pasal 20(2)e), not consent:
    # the regulation named in the programme file (consent_via "public_task").
    legal_basis: Mapped[str | None] = mapped_column(String(200))
    # The day the worker died, once a claim for them was paid: no announcements, no renewal.
    deceased_on: Mapped[date | None] = mapped_column(Date)
    registrant_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    operator_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    consent_via: Mapped[str] = mapped_column(String(16))
    consent_notice_version: Mapped[str] = mapped_column(String(40))
    consent_recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RegistrationEvent(Base):
    """The history of a registration's status: submitted, corrected, verified, approved, …"""

    __tablename__ = "registration_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    actor_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccidentReport(Base):
    """A suspected work accident reported through the bot (Permenaker 1/2025 Pasal 48A), for the Dinas."""

    __tablename__ = "accident_reports"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    nik_cipher: Mapped[str | None] = mapped_column(Text)
    kpj: Mapped[str | None] = mapped_column(String(11))
    what: Mapped[str] = mapped_column(String(500))
    place: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_time: Mapped[str | None] = mapped_column(String(5))
    treated_at: Mapped[str] = mapped_column(String(200))
    reporter_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    reporter_phone: Mapped[str] = mapped_column(String(32))
    relation: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClaimCase(Base):
    """An heir's claim, followed over days or weeks: the answers, the documents collected, the outcome.
    It holds no NIK: the deceased is linked by registration id, shown only as "terdaftar sejak"."""

    __tablename__ = "claim_cases"
    __table_args__ = (Index("ix_claim_cases_status_updated_at", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # collecting, ready, submitted, paid, rejected
    amount_paid: Mapped[int | None] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the heir's last step: reminders count from here
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnansweredQuestion(Base):
    """A question the bot could not match to a topic, kept so the admins can grow the answers.
    Long digit runs (a NIK, a phone number) are masked before it is stored."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    asked_in: Mapped[str] = mapped_column(String(60))  # the flow and step, or "menu"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Set when an admin attached the question's group to a topic: its words became a QuestionPhrase,
    # and it is no longer listed as unanswered. Kept, not deleted, so the figures still count it.
    attached_topic: Mapped[str | None] = mapped_column(String(40))
    attached_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QuestionPhrase(Base):
    """A training example an admin added: the words of an unanswered question (digits masked) and the
    topic it belongs to ("none": not a programme question). The next trained model learns from it."""

    __tablename__ = "question_phrases"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(40))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(8))  # "chat" or "cli"


class QuestionModel(Base):
    """A trained question model (conversations/questions/model.py, as JSON). The newest row is the one
    every bot process uses: each looks for a newer one at most once a minute."""

    __tablename__ = "question_models"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(UtcDateTime)
    examples: Mapped[int] = mapped_column(Integer)
    # The newest QuestionPhrase id it learnt from: a slow training never replaces a model that knows more.
    phrases_up_to: Mapped[int] = mapped_column(BigInteger)
    model: Mapped[str] = mapped_column(Text)


class QuestionOutcome(Base):
    """How one typed benefit question went (answered outright, asked back, not known), for the weekly
    share answered outright. Never the question's words: nothing personal."""

    __tablename__ = "question_outcomes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(40))
    asked_in: Mapped[str] = mapped_column(String(60))


class ParticipantYear(Base):
    """One budget year a registration was a participant in, and whether it was new that year or continued
    from the year before (approval, import, or the renewal round): the figures' new versus continuing."""

    __tablename__ = "participant_years"
    __table_args__ = (
        UniqueConstraint("registration_id", "year"),
        Index("ix_participant_years_year", "programme_id", "year"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    programme_id: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # "new" or "continuing"
    source: Mapped[str] = mapped_column(String(12))  # "approval", "import" or "renewal"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RenewalRound(Base):
    """The Dinas's renewal of its participants into the next budget year (`year`), opened in the month
    the programme file names. Open: answers are collected and the continuing hold the new year's places;
    closed (from 1 January of `year`): the continuing count in that year, the others have ended."""

    __tablename__ = "renewal_rounds"
    __table_args__ = (UniqueConstraint("programme_id", "year"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)  # the budget year the participants continue into
    status: Mapped[str] = mapped_column(String(12))  # "open" or "closed"
    opened_by: Mapped[str] = mapped_column(String(100))  # "cli" or the admin's channel address
    opened_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Renewal(Base):
    """One active participant in a renewal round. Everyone continues by default; silence never removes.

    - `decision`: "continues"; "check" (the worker said no: the kelurahan verifier decides); "ends".
    - `reason` (why it ends, or what the worker said): "deceased", "aged_out", "asked_to_leave", "moved",
      "not_working".
    - `contact_id`: whom the question went to (the worker's linked chat); None: not reachable, continues.
    - `answer`: "yes", "moved", "not_working" or "leave", with `answered_at`; `reminded_at`: the one reminder.
    - `decided_by_contact_id` / `decided_at` / `note`: the verifier's decision on a "check"."""

    __tablename__ = "renewals"
    __table_args__ = (
        UniqueConstraint("round_id", "registration_id"),
        Index("ix_renewals_decision", "round_id", "decision"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("renewal_rounds.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(300))


class WebLink(Base):
    """A one-time sign-in link to the Dinas desk's pages, given in the chat to an admin or verifier (or
    printed by `jaring web link`). Only the token's SHA-256 is kept; it works once, until `expires_at`."""

    __tablename__ = "web_links"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie's SHA-256, whose it is, until when, and the CSRF token its forms
    carry. Roles are not kept here: every page reads them again, as the chat does for every message."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Sponsor(Base):
    """Someone who pays a worker's premium (donatur): an ASN (`kind` "asn", with NIP and OPD), or a company's
    CSR or a BUMD ("csr", "bumd": `organisation_name` is the sponsor, `name` its contact person). One per
    chat. The NIP is stored only encrypted. Consent to the sponsors' privacy notice is recorded in
    consent_records (purpose "sponsor_data"); `share_name`: whether their workers may be told who pays."""

    __tablename__ = "sponsors"
    __table_args__ = (Index("ix_sponsors_programme", "programme_id", "status", "kind", "organisation_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    nip_cipher: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[str | None] = mapped_column(String(40))  # an OPD of the programme file
    organisation_name: Mapped[str | None] = mapped_column(String(100))  # a company or BUMD, as typed
    phone: Mapped[str | None] = mapped_column(String(20))
    share_name: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12))  # "active", "stopped"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Sponsorship(Base):
    """One sponsor paying for one worker's premium for `months` months from `start_month`.

    - `status`: "offered" (a code was given for a worker the sponsor names; no worker yet), "accepted" (the
      worker, or their RT/RW leader, accepted with the code; the registration waits for the kelurahan),
      "active" (the registration is approved, funded by this sponsor), "declined", "stopped", "ended"
      (the months ran out), "expired" (the code was never used).
    - `how`: "named" (the sponsor's own worker, who accepted) or "matched" (from the waiting list).
    - `code_hash`: the keyed hash of the code the worker types; only while "offered".
    A worker has one funder at a time: at most one open ("offered" aside) sponsorship per registration,
    checked with the registration's row locked."""

    __tablename__ = "sponsorships"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    how: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    start_month: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    lapse_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the worker told protection may stop


class SponsorPeriod(Base):
    """One month of an active sponsorship, as the reminder round and the sponsor's "sudah bayar" record it:
    when the sponsor was reminded, when they said they paid, when the Dinas was told it was missed."""

    __tablename__ = "sponsor_periods"
    __table_args__ = (UniqueConstraint("sponsorship_id", "period"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)  # the first day of the covered month
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the sponsor said "sudah bayar"
    missed_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the Dinas told it was not paid
