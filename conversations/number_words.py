"""Numbers said in words — Indonesian, Javanese (ngoko and krama), Sundanese, English — in one table
for every reader: counts and positions in a reply (replies.py), ages (dates.py)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DIGIT_WORDS", "TEN_WORDS"]

DIGIT_WORDS: Mapping[str, int] = {
    word: value
    for value, words in {
        0: "nol",
        1: "satu siji setunggal hiji one",
        2: "dua loro kalih rong two",
        3: "tiga telu telung tigo tilu three",
        4: "empat papat patang sekawan opat four",
        5: "lima limo limang gangsal five",
        6: "enam enem nem genep six",
        7: "tujuh pitu pitung seven",
        8: "delapan wolu wolung dalapan eight",
        9: "sembilan sanga songo sangang salapan nine",
    }.items()
    for word in words.split()
}
TEN_WORDS = ("sepuluh", "sedasa", "sapuluh", "ten")
