"""The web desk's sign-in link, asked for in the chat (`masuk web`) by an admin or a verifier."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.requests.base import Request, RoleRefused

__all__ = ["LINK_MINUTES", "MakeWebLink", "WebLinkMade"]

LINK_MINUTES = 10


@dataclass(frozen=True, slots=True)
class WebLinkMade:
    url: str  # works once, for LINK_MINUTES
    minutes: int = LINK_MINUTES


@dataclass(frozen=True, slots=True)
class MakeWebLink(Request[WebLinkMade | RoleRefused]):
    """A one-time link that signs the asker in to the web desk, if they are an admin or a verifier now."""
