"""The code a sponsor passes to the worker they name ("terima ABCD2345"): only its keyed hash is stored, so a
database leak hands out no offer. The sponsor's desk (bot/desks/sponsors.py) makes codes and the worker's
(bot/desks/sponsored_workers.py) looks them up; both hash here, in a module neither imports the other
through."""

from __future__ import annotations

import re

from db.personal_data import PersonalDataCipher

__all__ = ["offer_hash"]

_SEPARATORS = re.compile(r"[\s\-.]+")


def offer_hash(cipher: PersonalDataCipher, code: str) -> str:
    """The stored form of a code, however it was typed ("abcd 2345", "ABCD-2345")."""
    return cipher.blind_index("sponsor:" + _SEPARATORS.sub("", code).upper())
