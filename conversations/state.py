"""Where a person is in a conversation. Stored as JSON-able values beside the flow's id and version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = ["IDLE", "SEALED_KEYS", "Json", "SessionState"]

# Data keys whose values the store encrypts before saving a conversation (at any depth).
SEALED_KEYS = frozenset({"nik"})

Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"


@dataclass(frozen=True, slots=True)
class SessionState:
    flow: str | None = None
    flow_version: int = 0
    step: str | None = None
    data: Mapping[str, Json] = field(default_factory=dict)
    revision: int = 0
    paused: Mapping[str, Mapping[str, Json]] = field(default_factory=dict)  # flow id → its kept data

    @property
    def idle(self) -> bool:
        return self.flow is None


IDLE = SessionState()
