"""The base of every request, and the answers several families share. A request declares the type of
its answer: `class CheckNik(Request[NikCheck])`. A flow asks with `Fetch(request, then=…)`; the pipeline
answers inside the same transaction (bot/inbound/dispatcher.py: one handler per request type) and the
engine goes on with `then(ctx, data, answer)`. The core stays pure: it never queries anything itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "Done",
    "NotAllowed",
    "Request",
    "RoleRefused",
    "answer_type",
]

A_co = TypeVar("A_co", covariant=True)


class Request(Generic[A_co]):
    """A request whose answer is an `A_co`."""

    __slots__ = ()


def answer_type(request: type[Request[object]]) -> object:
    """The answer type a request class declares: `NikCheck` for `class CheckNik(Request[NikCheck])`."""
    for base in getattr(request, "__orig_bases__", ()):
        if getattr(base, "__origin__", None) is Request:
            return base.__args__[0]
    raise TypeError(f"{request.__name__} does not declare its answer: class {request.__name__}(Request[Answer])")


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class NotAllowed:
    pass


@dataclass(frozen=True, slots=True)
class RoleRefused:
    """The asker does not hold the role, or the registration is outside their kelurahan (or gone)."""
