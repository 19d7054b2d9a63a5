"""A registration's statuses, and how each reads to the person."""

from __future__ import annotations

from conversations.messages import Msg, msg

__all__ = ["STATUS_KEYS", "status_text"]

STATUS_KEYS = {
    "submitted": "status.submitted",
    "corrected": "status.corrected",
    "returned": "status.returned",
    "verified": "status.verified",
    "approved": "status.approved",
    "waiting_list": "status.waiting_list",
    "active": "status.active",
    "rejected": "status.rejected",
    "deleted": "status.deleted",
    # No longer a participant from a new budget year: deceased, moved, past the age band, asked to leave.
    "ended": "status.ended",
}


def status_text(status: str, reason: str = "", kpj: str = "") -> Msg:
    return msg(STATUS_KEYS.get(status, "status.submitted"), reason=reason or "-", kpj=kpj or "-")
