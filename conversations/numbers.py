"""Counts written the way people read them: 1.700 in Indonesian, 1,700 in English."""

from __future__ import annotations

__all__ = ["count_text"]


def count_text(value: int, language: str) -> str:
    """5000 → "5.000" (id) or "5,000" (en): places, registrations, messages sent."""
    return f"{value:,}".replace(",", "," if language == "en" else ".")
