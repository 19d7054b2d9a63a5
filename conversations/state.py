"""Where a person is in a conversation. Stored as JSON-able values beside the flow's id and version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = ["IDLE", "SEALED_KEYS", "STEPS_KEY", "Json", "SessionState", "stored_data", "stored_steps"]

# Data keys whose values the store encrypts before saving a conversation (at any depth).
SEALED_KEYS = frozenset({"nik", "nip"})  # the NIK, and a sponsor's NIP typed in a half-finished sign-up

Json: TypeAlias = "str | int | float | bool | list[Json] | dict[str, Json] | None"

# The steps answered before the current one ("kembali" goes back along them) are stored beside the
# flow's data under this key, so the stored session keeps its shape; a session saved without it has
# no steps behind it.
STEPS_KEY = "_steps"
_MOST_STEPS = 30


@dataclass(frozen=True, slots=True)
class SessionState:
    flow: str | None = None
    flow_version: int = 0
    step: str | None = None
    data: Mapping[str, Json] = field(default_factory=dict)
    revision: int = 0
    paused: Mapping[str, Mapping[str, Json]] = field(default_factory=dict)  # flow id → its kept data
    history: tuple[str, ...] = ()  # the steps of this flow answered before `step`, oldest first

    @property
    def idle(self) -> bool:
        return self.flow is None


IDLE = SessionState()


def stored_data(state: SessionState) -> dict[str, Json]:
    """The flow's data with the steps behind it, as the store keeps them."""
    if not state.history:
        return dict(state.data)
    return {**state.data, STEPS_KEY: list(state.history[-_MOST_STEPS:])}


def stored_steps(stored: Mapping[str, Json]) -> tuple[Mapping[str, Json], tuple[str, ...]]:
    """(the flow's data, the steps behind it) from what the store kept."""
    steps = stored.get(STEPS_KEY)
    if STEPS_KEY not in stored:
        return stored, ()
    data = {key: value for key, value in stored.items() if key != STEPS_KEY}
    names = tuple(step for step in steps if isinstance(step, str)) if isinstance(steps, list) else ()
    return data, names
