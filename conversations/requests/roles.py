"""Who holds a role, revoking one, and making invite codes (admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from conversations.requests.base import Request, RoleRefused

__all__ = [
    "InviteMade",
    "ListRoleHolders",
    "MakeInvite",
    "RevokeRole",
    "Revoked",
    "RoleHolder",
    "RoleHoldersPage",
]


@dataclass(frozen=True, slots=True)
class RoleHolder:
    grant_id: int
    contact_id: int
    address: str  # "telegram:123456789"
    role: str
    kelurahan_code: str
    rt: str
    rw: str
    since: datetime
    granted_by: str


@dataclass(frozen=True, slots=True)
class RoleHoldersPage:
    items: tuple[RoleHolder, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Revoked:
    grants: int  # how many grants of that role were revoked (0: nothing held it any more)


@dataclass(frozen=True, slots=True)
class InviteMade:
    code: str
    role: str
    kelurahan_code: str
    rt: str
    rw: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class ListRoleHolders(Request[RoleHoldersPage | RoleRefused]):
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class RevokeRole(Request[Revoked | RoleRefused]):
    contact_id: int
    role: str


@dataclass(frozen=True, slots=True)
class MakeInvite(Request[InviteMade | RoleRefused]):
    """A one-time code for a kelurahan verifier, or for an RT/RW leader (rt and rw as "003")."""

    role: Literal["verifier", "rtrw"]
    kelurahan_code: str
    rt: str = ""
    rw: str = ""
