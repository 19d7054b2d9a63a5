"""Each month a sponsor pays: "sudah bayar" recorded, reminders, the Dinas told of a missed month, the
worker told when the grace period runs out. SCAFFOLD (issue 18)."""

from __future__ import annotations

from bot.desks.call import DeskCall
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import NotSponsor, PaymentRecorded, RecordPayment

__all__ = ["record_payment"]


async def record_payment(call: DeskCall, request: RecordPayment) -> PaymentRecorded | NotSponsor | RoleRefused:
    raise NotImplementedError
