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

__all__ = ["MEETS", "Candidate", "in_priority_order", "met_by", "priorities_met"]

# Each priority a programme may list, and what meets it: a field of the registration (a `Candidate`
# field, and the column of the same name) and the value it must hold. The one statement of the rule:
# `priorities_met` reads it here, and the quota repository writes the same table as SQL to order a
# queue of thousands in the database.
MEETS: dict[str, tuple[str, object]] = {
    "breadwinner": ("breadwinner", True),
    "extremely_poor": ("poverty_register", "yes"),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the order needs to know about one registration."""

    id: int
    breadwinner: bool | None
    poverty_register: str  # "yes", "no" or "unknown", as the registration form stores it
    registered_on: date


def met_by(priorities: Sequence[str]) -> tuple[tuple[str, object], ...]:
    """The (field, value) tests of the programme's priorities (`Eligibility.priority`), each once."""
    return tuple(test for name, test in MEETS.items() if name in priorities)


def priorities_met(candidate: Candidate, priorities: Sequence[str]) -> int:
    """How many of the programme's priorities (`Eligibility.priority`) this registration meets."""
    return _met(candidate, met_by(priorities))


def _met(candidate: Candidate, tests: tuple[tuple[str, object], ...]) -> int:
    return sum(1 for field, value in tests if getattr(candidate, field) == value)


def in_priority_order(candidates: Iterable[Candidate], priorities: Sequence[str]) -> list[Candidate]:
    """Most priorities met first, then the earlier day, then the lower registration number (the
    quota repository orders by the same three in SQL: `quotas.queue_in_order`)."""
    tests = met_by(priorities)
    return sorted(candidates, key=lambda c: (-_met(c, tests), c.registered_on, c.id))
