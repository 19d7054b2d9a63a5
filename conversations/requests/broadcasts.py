"""Announcements (admins): preview the audience, create or schedule, list, show, cancel. The desk
records what the admin decided; the broadcast runner sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from conversations.requests.base import Request
from conversations.state import Json

__all__ = [
    "AudienceCount",
    "BroadcastCancelled",
    "BroadcastCreated",
    "BroadcastNotAllowed",
    "BroadcastNotFound",
    "BroadcastPreview",
    "BroadcastRefused",
    "BroadcastReport",
    "CancelBroadcast",
    "ChannelTally",
    "CreateBroadcast",
    "FailureReason",
    "ListBroadcasts",
    "PreviewBroadcast",
    "ShowBroadcast",
]


@dataclass(frozen=True, slots=True)
class AudienceCount:
    """An audience counted per channel. Opted-out and unreachable contacts are not sent to."""

    telegram: int = 0
    whatsapp_window: int = 0  # wrote within 24 hours: a free-form message may be sent
    whatsapp_template: int = 0  # outside the 24-hour window: only the approved template gets through
    terminal: int = 0  # `jaring chat` (development)
    opted_out: int = 0  # said BERHENTI
    unreachable: int = 0  # blocked the bot, or the number is gone
    without_chat: int = 0  # registrations in the audience whose worker has no chat with the bot
    template_configured: bool = True  # WHATSAPP_TEMPLATE_NAME is set

    @property
    def reachable(self) -> int:
        return self.telegram + self.whatsapp_window + self.whatsapp_template + self.terminal

    def as_json(self) -> dict[str, Json]:
        return {
            "telegram": self.telegram,
            "whatsapp_window": self.whatsapp_window,
            "whatsapp_template": self.whatsapp_template,
            "terminal": self.terminal,
            "opted_out": self.opted_out,
            "unreachable": self.unreachable,
            "without_chat": self.without_chat,
            "template_configured": self.template_configured,
        }

    @staticmethod
    def from_json(data: object) -> AudienceCount:
        values = data if isinstance(data, dict) else {}

        def number(key: str) -> int:
            value = values.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        return AudienceCount(
            telegram=number("telegram"),
            whatsapp_window=number("whatsapp_window"),
            whatsapp_template=number("whatsapp_template"),
            terminal=number("terminal"),
            opted_out=number("opted_out"),
            unreachable=number("unreachable"),
            without_chat=number("without_chat"),
            template_configured=values.get("template_configured") is not False,
        )


@dataclass(frozen=True, slots=True)
class BroadcastPreview:
    count: AudienceCount


@dataclass(frozen=True, slots=True)
class BroadcastCreated:
    broadcast_id: int
    send_at: datetime
    now: bool  # to be sent as soon as the runner's next round comes


@dataclass(frozen=True, slots=True)
class BroadcastRefused:
    """The store would not record it (too long, an audience that does not exist): the reason, in English,
    for the log; the flow says a plain sentence."""

    reason: str


@dataclass(frozen=True, slots=True)
class FailureReason:
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class ChannelTally:
    """One channel's share of an announcement's messages, by how each ended (or is still waiting)."""

    channel: str
    sent: int = 0  # accepted by the channel (delivered and read included)
    delivered: int = 0
    read: int = 0
    waiting: int = 0
    failed: int = 0
    unreachable: int = 0  # found blocked while sending
    opted_out: int = 0  # said BERHENTI while it was going out
    cancelled: int = 0

    def as_json(self) -> dict[str, Json]:
        return {
            "channel": self.channel,
            "sent": self.sent,
            "delivered": self.delivered,
            "read": self.read,
            "waiting": self.waiting,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "opted_out": self.opted_out,
            "cancelled": self.cancelled,
        }

    @staticmethod
    def from_json(data: dict[str, Json]) -> ChannelTally:
        def number(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        return ChannelTally(
            channel=str(data.get("channel", "")),
            sent=number("sent"),
            delivered=number("delivered"),
            read=number("read"),
            waiting=number("waiting"),
            failed=number("failed"),
            unreachable=number("unreachable"),
            opted_out=number("opted_out"),
            cancelled=number("cancelled"),
        )


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    """One announcement and how it went, counted from its outbox rows."""

    id: int
    status: str  # scheduled, sending, done, cancelled
    audience_kind: str
    audience_value: str
    body: str
    author: str
    send_at: datetime
    recipients: int = 0  # messages queued when it started
    sent: int = 0  # accepted by the channel (delivered and read included)
    delivered: int = 0  # WhatsApp only: Telegram gives no delivery receipts
    read: int = 0  # WhatsApp only
    waiting: int = 0  # not sent yet
    failed: int = 0
    unreachable: int = 0  # left out at the start, or found blocked while sending
    opted_out: int = 0  # left out at the start, or said BERHENTI while it was going out
    cancelled: int = 0
    failure_reasons: tuple[FailureReason, ...] = field(default_factory=tuple)
    sent_telegram: int = 0
    sent_whatsapp: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    # The messages queued, per channel (those left out at the start belong to no channel's row)
    by_channel: tuple[ChannelTally, ...] = field(default_factory=tuple)

    @property
    def cancellable(self) -> bool:
        return self.status in ("scheduled", "sending")

    @property
    def done(self) -> int:
        """Messages queued that are no longer waiting: sent, failed, skipped or cancelled."""
        return max(self.recipients - self.waiting, 0)

    def as_json(self) -> dict[str, Json]:
        """For keeping in the conversation while the admin looks at it."""
        return {
            "id": self.id,
            "status": self.status,
            "audience_kind": self.audience_kind,
            "audience_value": self.audience_value,
            "body": self.body,
            "author": self.author,
            "send_at": self.send_at.isoformat(),
            "recipients": self.recipients,
            "sent": self.sent,
            "delivered": self.delivered,
            "read": self.read,
            "waiting": self.waiting,
            "failed": self.failed,
            "unreachable": self.unreachable,
            "opted_out": self.opted_out,
            "cancelled": self.cancelled,
            "failure_reasons": [{"reason": f.reason, "count": f.count} for f in self.failure_reasons],
            "sent_telegram": self.sent_telegram,
            "sent_whatsapp": self.sent_whatsapp,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
            "by_channel": [tally.as_json() for tally in self.by_channel],
        }

    @staticmethod
    def from_json(data: dict[str, Json]) -> BroadcastReport:
        def number(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        reasons = data.get("failure_reasons")
        tallies = data.get("by_channel")

        def reason(item: dict[str, Json]) -> FailureReason:
            count = item.get("count")
            return FailureReason(str(item.get("reason", "")), count if isinstance(count, int) else 0)

        return BroadcastReport(
            id=number("id"),
            status=text("status"),
            audience_kind=text("audience_kind"),
            audience_value=text("audience_value"),
            body=text("body"),
            author=text("author"),
            send_at=moment("send_at") or datetime.fromisoformat("2000-01-01T00:00:00+00:00"),
            recipients=number("recipients"),
            sent=number("sent"),
            delivered=number("delivered"),
            read=number("read"),
            waiting=number("waiting"),
            failed=number("failed"),
            unreachable=number("unreachable"),
            opted_out=number("opted_out"),
            cancelled=number("cancelled"),
            failure_reasons=tuple(
                reason(item) for item in (reasons if isinstance(reasons, list) else []) if isinstance(item, dict)
            ),
            sent_telegram=number("sent_telegram"),
            sent_whatsapp=number("sent_whatsapp"),
            started_at=moment("started_at"),
            finished_at=moment("finished_at"),
            cancelled_at=moment("cancelled_at"),
            by_channel=tuple(
                ChannelTally.from_json(item)
                for item in (tallies if isinstance(tallies, list) else [])
                if isinstance(item, dict)
            ),
        )


@dataclass(frozen=True, slots=True)
class BroadcastCancelled:
    broadcast_id: int
    cancelled: int  # messages that will not be sent now
    already_sent: int
    started: bool = True  # False: cancelled before its time came, nothing was queued


@dataclass(frozen=True, slots=True)
class BroadcastNotFound:
    pass


@dataclass(frozen=True, slots=True)
class BroadcastNotAllowed:
    """Only a Dinas admin composes, sees or cancels announcements."""


@dataclass(frozen=True, slots=True)
class PreviewBroadcast(Request[BroadcastPreview | BroadcastRefused | BroadcastNotAllowed]):
    """How many people an audience reaches now, per channel, and who is left out."""

    audience_kind: str
    audience_value: str = ""


@dataclass(frozen=True, slots=True)
class CreateBroadcast(Request[BroadcastCreated | BroadcastRefused | BroadcastNotAllowed]):
    """Record an announcement; the broadcast runner sends it at `send_at` (None: as soon as it can)."""

    text: str
    audience_kind: str
    audience_value: str = ""
    send_at: datetime | None = None
    request_key: str = ""  # the web desk's form's one-time key: a second submit records nothing


@dataclass(frozen=True, slots=True)
class ListBroadcasts(Request[tuple[BroadcastReport, ...] | BroadcastNotAllowed]):
    """The scheduled and sending announcements, and the last few finished or cancelled."""


@dataclass(frozen=True, slots=True)
class ShowBroadcast(Request[BroadcastReport | BroadcastNotFound | BroadcastNotAllowed]):
    broadcast_id: int


@dataclass(frozen=True, slots=True)
class CancelBroadcast(Request[BroadcastCancelled | BroadcastNotFound | BroadcastRefused | BroadcastNotAllowed]):
    """Stop an announcement: what is still waiting is not sent; what was sent stays sent."""

    broadcast_id: int
