"""Small pieces every form uses: yes/no choices, and immutable updates of a flow's data."""

from __future__ import annotations

from conversations.flow import Data
from conversations.messages import Choice, msg
from conversations.state import Json

__all__ = ["NO", "UNKNOWN", "YES", "YES_NO", "YES_NO_UNKNOWN", "updated"]

YES = Choice("yes", msg("common.yes"), ("ya", "iya", "y", "yes", "betul", "benar", "sudah", "pernah", "ok", "oke"))
NO = Choice("no", msg("common.no"), ("tidak", "tdk", "gak", "ga", "nggak", "enggak", "no", "bukan", "belum", "n"))
UNKNOWN = Choice(
    "unknown", msg("common.unknown"), ("tidak tahu", "gak tahu", "ga tau", "gatau", "entah", "kurang tahu")
)
YES_NO = (YES, NO)
YES_NO_UNKNOWN = (YES, NO, UNKNOWN)


def updated(data: Data, **changes: Json) -> dict[str, Json]:
    return {**data, **changes}
