"""Platform limits shared by every process that sends: what a channel's pacer asks of a shared store.

Each limit is a GCRA ("virtual scheduling") bucket: a send reserves its slot before it waits. Alone, a
pacer keeps its buckets in memory (`handlers/telegram/pacing.py`, `handlers/whatsapp/pacing.py`); given
a `SlotSource` it reserves from buckets every `jaring serve` on the same database shares
(`bot/outbound/shared_pacing.py`), so N workers together keep to the limit one worker keeps, and a 429
seen by one pauses them all. The edges know no database: this Protocol is all they see of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["RETRY_WHEN_UNAVAILABLE_SECONDS", "Rate", "Slot", "SlotSource", "SlotsUnavailable"]

# When the shared buckets cannot be reached, a message waits this long and is tried again (without
# using up one of its attempts: the platform never saw it).
RETRY_WHEN_UNAVAILABLE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Rate:
    """`per_second` sends on average, and up to `burst` at once after a quiet spell."""

    per_second: float
    burst: int = 1

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of its theoretical time a send may go (GCRA's τ): the burst, in seconds."""
        return (max(1, self.burst) - 1) * self.interval


@dataclass(frozen=True, slots=True)
class Slot:
    """A reserved send: when it may go, and whether the channel is paused meanwhile."""

    wait: float  # seconds from now until the slot
    paused_for: float = 0.0  # seconds left of a pause (a 429) any process recorded; 0 when not paused
    at: float = 0.0  # when, on the source's own clock (the database's: seconds since the epoch)


class SlotsUnavailable(Exception):
    """The shared buckets could not be reached. Nothing is sent without a slot (every worker doing so
    could add up to more than the limit): the message waits and is tried again."""


class SlotSource(Protocol):
    async def reserve(self, key: str, rate: Rate, *, pause_key: str | None = None) -> Slot:
        """Reserve the next slot of bucket `key` (limit `rate`); with `pause_key`, also say how long the
        pause recorded under it has left. Raises SlotsUnavailable."""
        ...

    def pause(self, pause_key: str, seconds: float) -> None:
        """Pause every process's sending under `pause_key` for `seconds` (written in the background:
        the caller has already paused itself)."""
        ...
