"""Words that work in every state of every conversation."""

from __future__ import annotations

from enum import StrEnum

from conversations.text import normalise

__all__ = ["GlobalWord", "is_greeting", "recognise", "starts_with_greeting"]


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


def is_greeting(text: str) -> bool:
    """A greeting, or "/start": the first message every Telegram user sends."""
    said = normalise(text)
    return said in _GREETINGS or said in ("/start", "start")


def starts_with_greeting(text: str) -> bool:
    """ "halo nama saya Siti", "assalamualaikum pak": a greeting with a few words after it."""
    words = normalise(text).split()
    return bool(words) and any(" ".join(words[:n]) in _GREETINGS for n in (1, 2, 3))
