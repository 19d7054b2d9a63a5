"""Words that make a message a question (Indonesian, chat spelling, Javanese, Sundanese), in one list:
the question desk reads a message with one first or last as a question; the reply reader never takes
a message holding one as the answer to a choice."""

from __future__ import annotations

__all__ = ["QUESTION_WORDS"]

# Not "endi" (Javanese "where"): it is also a name, Endi Suryana.
QUESTION_WORDS = frozenset(
    [
        "adakah",
        "apa",
        "apa2",
        "apakah",
        "bagaimana",
        "bagaimanakah",
        "berapa",
        "berapakah",
        "bgmn",
        "bisakah",
        "bolehkah",
        "brapa",
        "brp",
        "brpa",
        "dimana",
        "dimanakah",
        "dmn",
        "gimana",
        "gmn",
        "gmna",
        "iraha",
        "kapan",
        "kapankah",
        "kemana",
        "kenapa",
        "kenapakah",
        "knp",
        "kpn",
        "kumaha",
        "mana",
        "mengapa",
        "naha",
        "naon",
        "ngendi",
        "nopo",
        "opo",
        "pinten",
        "piro",
        "piye",
        "pripun",
        "pundi",
        "sabaraha",
        "saha",
        "siapa",
        "siapakah",
        "sopo",
    ]
)
