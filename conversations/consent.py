"""What a person can consent to (UU 27/2022 Pasal 20-22): each purpose has a notice of its own, shown
before the first flow that needs it (`Flow.consent_purpose`), and consent recorded per purpose."""

from __future__ import annotations

__all__ = ["CLAIM_DATA", "PERSONAL_DATA", "PURPOSES", "SPONSOR_DATA"]

PERSONAL_DATA = "personal_data"  # a worker's own registration (and what the menu's Privasi shows)
CLAIM_DATA = "claim_data"  # an heir's claim: the deceased, the heir, the family
SPONSOR_DATA = "sponsor_data"  # a sponsor's own record: name, NIP, OPD or company, phone
PURPOSES = (PERSONAL_DATA, CLAIM_DATA, SPONSOR_DATA)
