"""The roles the officers' and the leaders' flows need, as each flow declares them (`Flow.needs_role`).

The engine checks the declared role again with every message that continues such a flow (roles are
read from the store for every message) and ends the flow with a notice when it was revoked meanwhile;
the desks check it once more for every request. The names are the store's (db/repositories/roles.py)."""

from __future__ import annotations

from conversations.flow import RoleNeed
from conversations.messages import msg

__all__ = ["ADMIN_NEEDED", "LEADER_NEEDED", "OFFICER_NEEDED"]

ADMIN_NEEDED = RoleNeed(frozenset({"admin"}), msg("navigation.as_admin"))
# A kelurahan verifier, or an admin (who may verify anywhere).
OFFICER_NEEDED = RoleNeed(frozenset({"verifier", "admin"}), msg("navigation.as_verifier"))
LEADER_NEEDED = RoleNeed(frozenset({"rtrw"}), msg("navigation.as_leader"))
