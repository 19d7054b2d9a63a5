"""Words that work in every state of every conversation."""

from __future__ import annotations

from enum import StrEnum

from conversations.text import normalise

__all__ = ["GlobalWord", "is_back", "is_greeting", "recognise", "starts_with_greeting"]


class GlobalWord(StrEnum):
    MENU = "menu"
    CANCEL = "batal"
    HELP = "bantuan"
    LANGUAGE = "bahasa"
    STOP = "berhenti"
    RESUME = "mulai"


_WORDS: dict[str, GlobalWord] = {
    **dict.fromkeys(("menu", "menu utama", "main menu", "start"), GlobalWord.MENU),
    **dict.fromkeys(("batal", "batalkan", "cancel", "keluar", "gak jadi", "ga jadi", "nggak jadi"), GlobalWord.CANCEL),
    **dict.fromkeys(("bantuan", "bantu", "help", "tolong", "panduan"), GlobalWord.HELP),
    **dict.fromkeys(("bahasa", "language", "ganti bahasa", "change language"), GlobalWord.LANGUAGE),
    **dict.fromkeys(("berhenti", "stop", "unsubscribe", "jangan kirim lagi"), GlobalWord.STOP),
    **dict.fromkeys(("mulai", "mulai lagi", "resume", "subscribe"), GlobalWord.RESUME),
}

# "kembali": one step back in the flow, keeping what was entered. Not a global word: a step that offers
# a choice by that name ("Kembali ke daftar") keeps it, so the engine asks after the step's choices.
_BACK_WORDS = frozenset(
    (
        "kembali",
        "balik",
        "mundur",
        "sebelumnya",
        "langkah sebelumnya",
        "pertanyaan sebelumnya",
        "kembali ke sebelumnya",
        "back",
        "go back",
        "previous",
    )
)

_GREETINGS = frozenset(
    (
        "halo",
        "hallo",
        "helo",
        "hai",
        "hay",
        "hi",
        "hello",
        "hey",
        "p",
        "ping",
        "permisi",
        "punten",
        "assalamualaikum",
        "assalamu'alaikum",
        "assalamu alaikum",
        "asalamualaikum",
        "ass",
        "salam",
        "selamat pagi",
        "selamat siang",
        "selamat sore",
        "selamat malam",
        "pagi",
        "siang",
        "sore",
        "malam",
        "met pagi",
        "good morning",
        "halo jaring",
        "hai jaring",
        "min",
        "halo min",
        "kak",
        "halo kak",
        "permisi min",
        "sugeng enjing",
        "nuwun sewu",
        "mas",
        "mbak",
        "pak",
        "bu",
    )
)


def recognise(text: str) -> GlobalWord | None:
    """The global word typed, alone (with or without a leading "/", as Telegram commands come)."""
    return _WORDS.get(normalise(text).removeprefix("/").strip())


def is_back(text: str) -> bool:
    """ "kembali", "balik", "/kembali": go back one step."""
    return normalise(text).removeprefix("/").strip() in _BACK_WORDS


def is_greeting(text: str) -> bool:
    """A greeting, or "/start": the first message every Telegram user sends."""
    said = normalise(text)
    return said in _GREETINGS or said in ("/start", "start")


def starts_with_greeting(text: str) -> bool:
    """ "halo nama saya Siti", "assalamualaikum pak": a greeting with a few words after it."""
    words = normalise(text).split()
    return bool(words) and any(" ".join(words[:n]) in _GREETINGS for n in (1, 2, 3))
