"""Small pieces every form uses: the yes/no choices."""

from __future__ import annotations

from conversations.messages import Choice, msg

__all__ = ["NO", "UNKNOWN", "YES", "YES_NO", "YES_NO_UNKNOWN"]

YES = Choice("yes", msg("common.yes"), ("ya", "iya", "y", "yes", "betul", "benar", "sudah", "pernah", "ok", "oke"))
NO = Choice("no", msg("common.no"), ("tidak", "tdk", "gak", "ga", "nggak", "enggak", "no", "bukan", "belum", "n"))
UNKNOWN = Choice(
    "unknown", msg("common.unknown"), ("tidak tahu", "gak tahu", "ga tau", "gatau", "entah", "kurang tahu")
)
YES_NO = (YES, NO)
YES_NO_UNKNOWN = (YES, NO, UNKNOWN)
