"""How people answer a choice in their own words: yes and no in their everyday Indonesian, Javanese and
Sundanese forms ("blm", "ya setuju", "ho oh", "mboten"), a choice named inside a sentence ("sy mau
daftar"), a field named loosely ("no hp", "tgl lahir"), and numbers in words ("yang kedua", "loro").

conversations.choices asks this module after the exact forms (button, digits, label, alias), so every
step gets it without its flow changing. A reading is only ever taken when it points at exactly one
choice: two choices named, a choice negated ("gak mau daftar"), a question ("daftar gimana?") or a
contrast ("ya tapi nanti") is left for the step to ask again. A step that takes free text gets only
the forms that are clearly an answer to its choices as a whole message (`strict`), so a street name is
never taken for a choice because one of its words looks like a label."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Protocol

from conversations.number_words import DIGIT_WORDS, TEN_WORDS
from conversations.question_words import QUESTION_WORDS
from conversations.text import normalise

__all__ = [
    "Named",
    "Polarity",
    "Position",
    "Reading",
    "Said",
    "Verdict",
    "by_polarity",
    "by_position",
    "by_words",
    "choice_polarity",
    "count_besides",
    "count_in",
    "loose_core",
    "polarity_of",
]

# A reply that names a choice is short: longer messages get only the exact forms and typos.
_MOST_WORDS = 16
# Words (besides fillers and a count) a reply may hold around a yes or a no: "ya 2 anak", "belum, masih
# kecil" yes; "tidak bisa login aplikasi jmo" no.
_MOST_OTHER_WORDS = 2
# Words a sentence may hold after the choice it names: "mau daftar bpjs" yes; "minta bantuan uang buat
# makan", "privasi kesehatan jiwa raga" no.
_MOST_WORDS_AFTER_A_NAME = 1
# A typo is only looked for in what is left of a sentence when that is a word of some length: "dftar"
# is "daftar", but "data" is not "daftar".
_LOOSE_TYPO_CHARS = 5

_WORD = re.compile(r"[^\W_]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")  # "iyaaa", "gaaak", "okee": a letter held down
_ORDINAL_DIGITS = re.compile(r"^ke(\d{1,2})$")  # "ke2"
_APOSTROPHES = str.maketrans("", "", "'’`´")


def _squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)


class Polarity(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class _Kind(Enum):
    NEGATOR = "negator"  # tidak, gak, belum, ora, teu, bukan
    KNOW = "know"  # tahu, ngerti: "tidak tahu" is not a no
    UNKNOWN = "unknown"  # gatau, entah, lupa
    YES = "yes"  # ya, iya, ok, sudah, nggih, muhun: a yes when it leads the reply
    STRONG_YES = "strong"  # setuju, benar: a yes wherever it stands in the reply
    AFFIRMABLE = "affirmable"  # ada, punya, jadi: a yes alone ("ada"), a no negated ("tidak ada")
    CONTRAST = "contrast"  # tapi, nanti: "ya tapi nanti" is no answer yet
    QUESTION = "question"  # apa, gimana, piye, kumaha: a question is not an answer
    FILLER = "filler"  # saya, mau, pilih, dong, aja, kak: around an answer, they change nothing
    THANKS = "thanks"  # makasih, suwun: a thank-you names no choice ("makasih infonya")
    NUMBER = "number"
    OTHER = "other"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _vocabulary(groups: dict[_Kind, str]) -> dict[str, _Kind]:
    return {_squeeze(word): kind for kind, words in groups.items() for word in words.split()}


_KINDS = _vocabulary(
    {
        _Kind.NEGATOR: """tidak tdk tak gak ga gk gag kagak nggak ngga ngak enggak engga ndak nda ndk belum blm blom
            belom blum dereng durung mboten ora ra orak teu henteu hente bukan bkn jangan jgn no nope not dont
            never kurang""",
        _Kind.KNOW: """tahu tau tw tauk taw ngerti mengerti ngarti paham ngertos mudeng nyaho terang apal hafal
            ingat inget know weruh sumerep uninga yakin sure""",
        _Kind.UNKNOWN: """gatau gatahu gktau gktw gtw gatw gataw gtau gaktau nggaktau ndaktau ndatau entah ntah
            entahlah embuh mbuh unknown idk dunno kurangtau""",
        _Kind.YES: """ya iya iy ye iye yoi yup yap yes yo ok oke okey okay okeh okei sip siap enggih nggih inggih
            injih hooh heeh muhun sampun sudah udah udh sdh pernah boleh tentu pasti yaudah ayo ayok yuk mangga
            monggo""",
        _Kind.STRONG_YES: "setuju benar betul bener leres agree correct",
        _Kind.AFFIRMABLE: "ada punya jadi bisa",
        _Kind.CONTRAST: """tapi tp tpi tetapi namun but cuma cuman nanti ntar entar tunggu sebentar bentar mikir
            pikir later""",
        _Kind.QUESTION: " ".join(QUESTION_WORDS)
        + """ endi dmna dmana kok cara caranya carane tanya nanya tanyakan bertanya what how when why who where
            which""",
        _Kind.FILLER: """saya kami kulo kula abdi mau ingin pengen pingin kepingin kepengen pgn mo mw pilih milih
            memilih yang saja wae bae mawon dong donk deh dech sih lah loh lho toh kan kak kakak ka pak bapak bu
            ibu mas mbak mba min admin gan bang bro sis om nih tuh itu ini tolong mohon minta coba untuk buat dulu
            juga please pls plis i want to the choose pick option you hehe hihi wkwk haha dan and di ke dari dengan
            lihat liat""",
        _Kind.THANKS: """thanks thank thx makasih makasi terimakasih terima kasih trims tks suwun matur nuwun nuhun
            hatur""",
    }
)

# Said the same way on both sides before comparing a reply with a choice's names ("gak perlu" is the
# choice "Tidak perlu", "no hp" the field "Nomor HP").
_CANONICAL = {
    _squeeze(word): canonical
    for canonical, words in {
        "tidak": "tdk tak gak ga gk gag kagak nggak ngga ngak enggak engga ndak nda ndk",
        "belum": "blm blom belom blum",
        "bukan": "bkn",
        "jangan": "jgn",
        "sudah": "udah udh sdh",
        "tahu": "tau tw tauk taw",
        "saya": "sy aku aq ak gw gue gua",
        "yang": "yg",
        "untuk": "utk untk",
        "dengan": "dgn dg",
        "saja": "aja aj sj ae",
        "tolong": "tlg",
        "mohon": "mhn",
        "nomor": "nmr nomer nmor nomor",
        "tanggal": "tgl tangal tggl tanggal",
        "lahir": "lhr lahir",
        "jalan": "alamat almt alamt jl jln jalan",
        "gang": "gg",
        "nama": "nm nma",
        "pekerjaan": "kerjaan krjaan kerja pekerjan pkerjaan profesi pekerjaan",
        "hp": "hp hape handphone telp tlp telpon telepon tlpn ponsel wa whatsapp",
        "kelurahan": "kel kelurhan desa kelurahan",
        "status": "stts status",
        "cek": "check cej",
    }.items()
    for word in words.split()
}
# A number beside one of these is no count of people: "umur 12", "kelas 3", "RT 5", "tahun 2020".
_NOT_COUNTS = _word_set(
    """umur usia tahun thn th bulan bln minggu hari jam pukul kelas tanggal nomor rt rw kg rp ribu rb juta jt
    persen lantai"""
)
# "ubah alamat": the field is the answer, the verb only says why it was picked.
_CHANGE_WORDS = _word_set("ubah ganti perbaiki betulkan benahi koreksi revisi edit change")
_PAIRS = {("ho", "oh"): "hooh", ("he", "eh"): "heeh", ("hu", "uh"): "hooh"}

# Numbers in words (conversations/number_words.py): a count or a position is 1 to 10.
_CARDINALS = {
    **{_squeeze(word): value for word, value in DIGIT_WORDS.items() if value >= 1},
    **dict.fromkeys(map(_squeeze, TEN_WORDS), 10),
}
_ORDINALS = {
    _squeeze(word): value
    for value, words in {
        1: "pertama kesatu kapisan first",
        2: "kedua kadua second",
        3: "ketiga katilu third",
        4: "keempat kaopat fourth",
        5: "kelima kalima fifth",
        6: "keenam kagenep sixth",
        7: "ketujuh katujuh seventh",
        8: "kedelapan kadalapan eighth",
        9: "kesembilan kasalapan ninth",
        10: "kesepuluh kasapuluh tenth",
        -1: "terakhir last",
    }.items()
    for word in words.split()
}
_ORDINAL = "#"  # a token "#2" is "the second"; "#-1" the last


class Named(Protocol):
    """A choice as the matcher sees it (choices.LabelledChoice): its id and its normalised names."""

    @property
    def id(self) -> str: ...

    @property
    def names(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reply was read as: the choice it names (None: none, or not clearly one) and a count said
    besides it ("ya 2 anak": the yes, and 2)."""

    choice: str | None = None
    number: int | None = None
    loose: bool = False  # read from the words around it, not typed as the choice's own name or number


# ---- a reply, read once -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """A reply cut into words, each said the canonical way ("sy" → "saya", "tgl" → "tanggal", "dua" →
    "2", "kedua" → "#2"), with what kind of word each is."""

    words: tuple[str, ...]
    kinds: tuple[_Kind, ...]
    asked: bool  # a question mark: the reply asks something

    @staticmethod
    def of(text: str) -> Said:
        raw = _WORD.findall(normalise(text).translate(_APOSTROPHES))
        if len(raw) > _MOST_WORDS:
            return Said((), (), "?" in text)  # too long to be a reply to a choice: not read at all
        words = _canonical_words(raw)
        return Said(words, tuple(_kind(word) for word in words), "?" in text)

    @property
    def short(self) -> bool:
        """Some words, and few enough to be read as a reply (see `of`)."""
        return bool(self.words)

    @property
    def question(self) -> bool:
        return self.asked or _Kind.QUESTION in self.kinds

    def core(self) -> tuple[str, ...]:
        """The words that say something: fillers and polite words left out."""
        return tuple(word for word, kind in zip(self.words, self.kinds, strict=True) if kind is not _Kind.FILLER)


@lru_cache(maxsize=4096)
def _name_said(name: str) -> Said:
    """A choice's name, read like a reply (names repeat from message to message: read each once)."""
    return Said.of(name)


def _canonical_words(raw: Sequence[str]) -> tuple[str, ...]:
    words: list[str] = []
    index = 0
    while index < len(raw):
        word, after = raw[index], raw[index + 1] if index + 1 < len(raw) else None
        pair = _PAIRS.get((word, after or ""))
        if pair is not None:  # "ho oh", "he eh"
            words.append(_canonical(pair))
            index += 2
            continue
        if word == "ke" and after is not None and _number(after) is not None:  # "ke-2", "ke 2"
            words.append(f"{_ORDINAL}{_number(after)}")
            index += 2
            continue
        if word == "no" and after is not None and _kind(_canonical(after)) in (_Kind.NUMBER, _Kind.OTHER):
            words.append("nomor")  # "no hp", "no 2": a number, not a no
        else:
            words.append(_canonical(word))
        index += 1
    return tuple(words)


def _canonical(word: str) -> str:
    key = _squeeze(word)
    ordinal = _ORDINAL_DIGITS.match(word)
    if ordinal:
        return f"{_ORDINAL}{int(ordinal.group(1))}"
    if key in _ORDINALS:
        return f"{_ORDINAL}{_ORDINALS[key]}"
    if key in _CARDINALS:
        return str(_CARDINALS[key])
    if key in _CANONICAL:
        return _CANONICAL[key]
    if key in _KINDS:
        return key
    stem = word.removesuffix("nya")  # "statusnya", "anaknya": the word itself
    if len(word) > 5 and stem != word and _squeeze(stem) not in _CARDINALS and _squeeze(stem) not in _ORDINALS:
        return _CANONICAL.get(_squeeze(stem), stem)
    return word


def _kind(word: str) -> _Kind:
    if word.isdecimal() or word.startswith(_ORDINAL):
        return _Kind.NUMBER
    return _KINDS.get(word, _Kind.OTHER)


def _number(word: str) -> int | None:
    if word.isdecimal() and len(word) <= 3:
        return int(word)
    return _CARDINALS.get(_squeeze(word))


# ---- yes, no, don't know ------------------------------------------------------------------------

_SAYS_YES = (_Kind.YES, _Kind.STRONG_YES, _Kind.AFFIRMABLE)
_PURE = frozenset({_Kind.NEGATOR, _Kind.KNOW, _Kind.UNKNOWN, *_SAYS_YES, _Kind.FILLER, _Kind.THANKS, _Kind.NUMBER})
_LEADS_TO_YES = frozenset({"ada", "punya"})  # "ada 2 anak", "punya tiga"


def polarity_of(said: Said, *, strict: bool = False) -> Polarity | None:
    """Yes, no or don't know, or None when the reply says none of them clearly. Negation wins over what
    it negates ("tidak setuju", "gak mau", "belum pernah"); "tidak tahu" is don't know, never a no.
    `strict`: only a reply made of such words (and fillers, a count) counts."""
    words, kinds = said.words, said.kinds
    if not said.short or said.question:
        return None
    if len(words) > 1 and words[-1] == "ya":
        kinds = (*kinds[:-1], _Kind.FILLER)  # "makasih ya", "nanti ya": the particle, not a yes
    if len(words) == 1 and words[0] in ("y", "n"):
        return Polarity.YES if words[0] == "y" else Polarity.NO
    pure = all(kind in _PURE for kind in kinds)
    if not pure and (strict or _Kind.CONTRAST in kinds or _asks_yes_or_no(said) or _others(said) > _MOST_OTHER_WORDS):
        return None
    if _Kind.UNKNOWN in kinds or _negated_knowing(kinds):
        return Polarity.UNKNOWN
    negators = [i for i, kind in enumerate(kinds) if kind is _Kind.NEGATOR]
    if negators and _says_yes_too(kinds):
        return None  # "setuju tidak setuju", "ya belum": both in one reply
    if pure:
        if negators:
            return Polarity.NO
        return Polarity.YES if any(kind in _SAYS_YES for kind in kinds) else None
    first = next((i for i, kind in enumerate(kinds) if kind is not _Kind.FILLER), 0)
    leads_yes = kinds[first] in (_Kind.YES, _Kind.STRONG_YES) or words[first] in _LEADS_TO_YES
    if negators:  # "belum, anak saya masih kecil"; but "ya, belum sekolah" says both
        return Polarity.NO if kinds[first] is _Kind.NEGATOR else None
    if leads_yes or _Kind.STRONG_YES in kinds:  # "ya 2 anak", "saya setuju saja"
        return Polarity.YES
    return None


def _others(said: Said) -> int:
    """How many words of the reply say something else than yes, no, a count or a filler."""
    return sum(kind is _Kind.OTHER for kind in said.kinds)


def _asks_yes_or_no(said: Said) -> bool:
    """ "bisa ikut gk", "udah diproses blm ya": a sentence ending with a negator asks."""
    tail = [kind for kind in said.kinds if kind is not _Kind.FILLER]
    while tail and tail[-1] is _Kind.YES and len(tail) > 1:
        tail.pop()  # the particle "ya" closing a question
    return len(tail) > 1 and tail[-1] is _Kind.NEGATOR


def _says_yes_too(kinds: Sequence[_Kind]) -> bool:
    """A yes word no negator reaches: "tidak setuju" has none, "setuju, tidak setuju" and "ya belum"
    have one. A negator reaches the yes words right after it ("tidak pernah setuju")."""
    negated = False
    for kind in kinds:
        if kind is _Kind.NEGATOR:
            negated = True
        elif kind in _SAYS_YES:
            if not negated:
                return True
        elif kind is not _Kind.FILLER:
            negated = False
    return False


def _negated_knowing(kinds: Sequence[_Kind]) -> bool:
    """ "tidak tahu", "gak begitu tau", "belum ngerti": a negator with a knowing word just after it."""
    return any(kind is _Kind.NEGATOR and _Kind.KNOW in kinds[i + 1 : i + 3] for i, kind in enumerate(kinds))


def choice_polarity(choice: Named) -> Polarity | None:
    """What a choice means as an answer, from its own labels and aliases: "Setuju" / "Ya" is the yes,
    "Tidak setuju" / "Belum" the no, "Tidak tahu" the don't know. Only names made of such words count
    ("Ya, simpan" does not; its alias "ya" does). A choice with both a yes and a no name is neither;
    one that offers "don't know" is that, even beside "tidak ada"."""
    found = {p for p in (polarity_of(_name_said(name), strict=True) for name in choice.names) if p is not None}
    if Polarity.UNKNOWN in found:
        return Polarity.UNKNOWN
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class Verdict:
    """A reading that settles the matter: this choice, or (None) that no choice is meant."""

    choice: str | None


def by_polarity(said: Said, choices: Sequence[Named], *, strict: bool) -> Verdict | None:
    """The choice a yes, no or don't know means here; a verdict of none when the reply means one the
    step does not offer ("tidak tahu" at a yes/no question is neither yes nor no); None when the reply
    is not such an answer, or the step asks no yes/no question."""
    said_polarity = polarity_of(said, strict=strict)
    if said_polarity is None:
        return None
    offered: dict[Polarity, list[str]] = {}
    for choice in choices:
        polarity = choice_polarity(choice)
        if polarity is not None:
            offered.setdefault(polarity, []).append(choice.id)
    meant = offered.get(said_polarity, [])
    if said_polarity is Polarity.UNKNOWN:
        return Verdict(meant[0] if len(meant) == 1 else None)
    opposite = offered.get(Polarity.NO if said_polarity is Polarity.YES else Polarity.YES, [])
    if len(meant) == 1 and len(opposite) == 1:  # a yes/no question: both sides offered, once each
        if not strict and _occurrences(said, choices, skip=frozenset(meant + opposite)):
            return None  # "gak perlu", "ya, lihat daftar": another choice is named; its words decide
        return Verdict(meant[0])
    if not meant and opposite:
        return Verdict(None)  # "tidak setuju" where only "setuju" is offered: never the opposite
    return None


# ---- numbers: "yang kedua", "nomor dua", "ya 2 anak" -------------------------------------------


@dataclass(frozen=True, slots=True)
class Position:
    value: int
    ordinal: bool  # "kedua": the second shown; else as if the number was typed ("nomor empat": No. 4)


def by_position(said: Said) -> Position | None:
    """ "yang kedua", "ke-2", "pilih yang pertama", "yg nomor 2", "nomor dua", "loro": a number and
    nothing else but fillers. A yes or no beside it ("ya 2") makes it a count, not a position."""
    if not said.short:
        return None
    core = [word for word in said.core() if word != "nomor"]
    if len(core) != 1:
        return None
    word = core[0]
    if word.startswith(_ORDINAL):
        return Position(int(word.removeprefix(_ORDINAL)), ordinal=True)
    if word.isdecimal() and len(word) <= 9:
        return Position(int(word), ordinal=False)
    return None


def count_in(text: str) -> int | None:
    """The one count said in a reply, in digits or words ("2 anak", "dua", "telu", "tilu"); None when
    none, or more than one, is said, or the number is not a count ("umur 12", "kelas 3")."""
    return count_besides(Said.of(text))


def count_besides(said: Said) -> int | None:
    """The count said next to a choice ("ya 2 anak", "iya dua", "ya, anak saya 2"), or None."""
    if not said.short:
        return None
    words = [word for word, kind in zip(said.words, said.kinds, strict=True) if kind is not _Kind.FILLER]
    counts = set()
    for at, word in enumerate(words):
        if not (word.isdecimal() and len(word) <= 3):
            continue
        beside = {*words[max(at - 1, 0) : at], *words[at + 1 : at + 2]}
        if beside & _NOT_COUNTS:
            return None
        counts.add(int(word))
    return counts.pop() if len(counts) == 1 else None


# ---- a choice named in a sentence, a field named loosely ---------------------------------------


def by_words(said: Said, choices: Sequence[Named], *, strict: bool) -> Verdict | None:
    """The choice named by the reply's words: the whole reply without its fillers is one of its names
    ("daftar aja", "no hp" for "Nomor HP"); unless `strict`, also a part of one choice's names only
    ("hp", "almt" for "Jalan / gang", "becak" for "Tukang becak") or a name inside a short sentence ("mau
    cek status dong"). Two choices named, or a choice negated ("gak mau daftar"), decides that none is."""
    if not said.short or said.question:
        return None
    core = said.core()
    if not core:
        return None
    whole = _unique(c.id for c in choices for name in c.names if _core_of(name) == core)
    if whole is not None or strict:
        return whole
    found = _occurrences(said, choices, frozenset())
    covered = {i for start, end, _ in found for i in range(start, end)}
    if any(kind is _Kind.NEGATOR and i not in covered for i, kind in enumerate(said.kinds)):
        return Verdict(None) if found else None  # a choice negated is no choice
    part = _part_of_one_name(core, choices)
    if part is None and not found:  # "ubah alamat", "ganti nama" at "which one to change?"
        part = _part_of_one_name(tuple(word for word in core if word not in _CHANGE_WORDS), choices)
    if part is not None:
        return part
    named = _named_in_sentence(said, found)
    return Verdict(named) if named is not None else None


def _unique(ids: Iterable[str]) -> Verdict | None:
    found = set(ids)
    if not found:
        return None
    return Verdict(found.pop() if len(found) == 1 else None)


@lru_cache(maxsize=4096)
def _core_of(name: str) -> tuple[str, ...]:
    return _name_said(name).core()


@lru_cache(maxsize=4096)
def _content(name: str) -> bool:
    """A name that says what the choice is (not a bare yes or no, number or filler)."""
    said = _name_said(name)
    return any(kind is _Kind.OTHER for kind in said.kinds)


def _part_of_one_name(core: tuple[str, ...], choices: Sequence[Named]) -> Verdict | None:
    """ "hp" in "Nomor HP", "lahir" in "Tanggal lahir", "becak" in "Tukang becak": the reply's words,
    in order, inside the names of one choice only."""
    if not all(_kind(word) is _Kind.OTHER for word in core) or sum(map(len, core)) < 2:
        return None
    return _unique(c.id for c in choices for name in c.names if _content(name) and _contains(_core_of(name), core))


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    return any(tuple(words[i : i + len(part)]) == tuple(part) for i in range(len(words) - len(part) + 1))


def _occurrences(said: Said, choices: Sequence[Named], skip: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, choice id) for every content name of a choice said in the reply, word for word."""
    words = said.words
    found: list[tuple[int, int, str]] = []
    for choice in choices:
        if choice.id in skip:
            continue
        for name in choice.names:
            name_words = _name_said(name).words
            if not _content(name) or sum(map(len, name_words)) < 3:
                continue
            size = len(name_words)
            found += [
                (i, i + size, choice.id) for i in range(len(words) - size + 1) if words[i : i + size] == name_words
            ]
    # A name inside a longer one said there ("setuju" inside "tidak setuju") is that longer one.
    return [
        (start, end, cid)
        for start, end, cid in found
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in found)
    ]


def _named_in_sentence(said: Said, found: Sequence[tuple[int, int, str]]) -> str | None:
    """The one choice named, with only fillers before it ("sy mau daftar", "ganti no hp") and a few
    words after it ("daftar bpjs", "klaim santunan kematian"). A word before the name makes the name
    its modifier and the message about that word: "batas klaim", "syarat daftar", "dokumen klaim"."""
    named = {cid for _, _, cid in found}
    if len(named) != 1 or _Kind.CONTRAST in said.kinds or _Kind.THANKS in said.kinds:
        return None  # none or two named; "daftar tapi nanti"; "makasih infonya"
    covered = {i for start, end, _ in found for i in range(start, end)}
    first = min(start for start, _, _ in found)
    before = [
        word
        for i, (word, kind) in enumerate(zip(said.words, said.kinds, strict=True))
        if i < first and kind not in (_Kind.FILLER, _Kind.YES) and word not in _CHANGE_WORDS
    ]
    after = [i for i, kind in enumerate(said.kinds) if i > first and i not in covered and kind is not _Kind.FILLER]
    return named.pop() if not before and len(after) <= _MOST_WORDS_AFTER_A_NAME else None


def loose_core(said: Said) -> str:
    """The reply without its fillers, said the canonical way, for typo matching ("sy mau dftar"); empty
    for a reply that asks, negates or puts off ("gak mau dftar": no typo makes that a choice)."""
    refused = (_Kind.NEGATOR, _Kind.CONTRAST, _Kind.QUESTION, _Kind.THANKS)
    if not said.short or said.asked or any(kind in refused for kind in said.kinds):
        return ""
    core = " ".join(said.core())
    return core if len(core) >= _LOOSE_TYPO_CHARS else ""
