"""The order in which verified registrations get the year's places, and the waiting list's order.

Pekalongan's rule: the family breadwinner and the extremely poor (in the poverty register, DTSEN) come
first. So a registration meeting both of the programme's priorities goes before one meeting one of
them, which goes before the rest; within a group the earlier registration goes first (by day, then by
registration number, which grows with time). A programme without priorities (Kendal, Malang) simply
takes registrations in the order they came. A pure function, so the quota code and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["Candidate", "in_priority_order", "priorities_met"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the order needs to know about one registration."""

    id: int
    breadwinner: bool | None
    poverty_register: str  # "yes", "no" or "unknown", as the registration form stores it
    registered_on: date


def priorities_met(candidate: Candidate, priorities: Sequence[str]) -> int:
    """How many of the programme's priorities (`Eligibility.priority`) this registration meets."""
    met = 0
    if "breadwinner" in priorities and candidate.breadwinner is True:
        met += 1
    if "extremely_poor" in priorities and candidate.poverty_register == "yes":
        met += 1
    return met


def in_priority_order(candidates: Iterable[Candidate], priorities: Sequence[str]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (-priorities_met(c, priorities), c.registered_on, c.id))
