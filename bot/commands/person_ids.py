"""A person named on the command line, as CHANNEL:ID: one reading for every command that takes one
(`jaring admin add`, `jaring role revoke`, `jaring export enrolment --send-to`) and for `jaring chat --as`.

The id must have the shape the channel gives its people, or the command would act on somebody who can
never write to the bot (`telgram:123`, `whatsapp:+62 812…`):

- telegram: the person's numeric id, a positive whole number (a negative id is a group; Jaring talks only
  in private chats), e.g. telegram:123456789;
- whatsapp: the phone number with its country code, digits only, no + and no spaces (8 to 15 digits),
  e.g. whatsapp:6281234567890;
- terminal: the name given to `jaring chat --as` (letters, digits, `.`, `_`, `-`; at most 64), e.g.
  terminal:budi.

A wrong one is refused with a message in Indonesian that says what to type instead."""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

__all__ = [
    "CHANNELS",
    "FORMS",
    "PersonId",
    "PersonIdError",
    "check_terminal_name",
    "parse_person_id",
]

# The channels' names, as handlers/telegram, handlers/whatsapp and handlers/terminal set Inbound.channel
# (written out here so that the command line does not import the channel libraries; a test compares them).
CHANNELS = ("telegram", "whatsapp", "terminal")
_EXAMPLES = {"telegram": "telegram:123456789", "whatsapp": "whatsapp:6281234567890", "terminal": "terminal:NAMA"}
FORMS = "telegram:123456789, whatsapp:6281234567890, atau terminal:NAMA"
_SHAPE_HELP = f"Tulis orangnya sebagai SALURAN:ID, misalnya {FORMS}."
# Short names people use for the channels: suggested, never taken silently.
_NICKNAMES = {"tg": "telegram", "tele": "telegram", "wa": "whatsapp", "whatsap": "whatsapp", "term": "terminal"}

_TELEGRAM_ID = re.compile(r"[1-9][0-9]{0,18}")
_WHATSAPP_NUMBER = re.compile(r"[1-9][0-9]{7,14}")
_TERMINAL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PHONE_PUNCTUATION = re.compile(r"[\s+().-]")


class PersonIdError(ValueError):
    """A person given in a form no channel uses; the message says what to write instead."""


class PersonId(NamedTuple):
    channel: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.channel_id}"


def parse_person_id(text: str) -> PersonId:
    """`telegram:123456789` → PersonId("telegram", "123456789"). The channel's name may be written in
    capitals; spaces around either part are dropped. Raises PersonIdError with what to type instead."""
    channel, colon, channel_id = text.strip().partition(":")
    channel, channel_id = channel.strip().lower(), channel_id.strip()
    if not colon or not channel:
        raise PersonIdError(f"{text!r} tidak lengkap. {_SHAPE_HELP}")
    if channel not in CHANNELS:
        raise PersonIdError(_unknown_channel(channel, channel_id))
    if not channel_id:
        raise PersonIdError(f"'{channel}:' belum diikuti ID-nya. Tulis misalnya {_EXAMPLES[channel]}.")
    if channel == "telegram":
        _check_telegram(channel_id)
    elif channel == "whatsapp":
        _check_whatsapp(channel_id)
    else:
        check_terminal_name(channel_id)
    return PersonId(channel, channel_id)


def check_terminal_name(name: str) -> str:
    """A name for a terminal person (`jaring chat --as NAME`, `terminal:NAME`); raises PersonIdError."""
    if not _TERMINAL_NAME.fullmatch(name):
        raise PersonIdError(
            f"Nama terminal {name!r} tidak bisa dipakai: tulis 1 sampai 64 huruf, angka, titik, garis bawah, "
            "atau tanda hubung, tanpa spasi, misalnya terminal:budi atau terminal:pak-rt."
        )
    return name


def _unknown_channel(channel: str, channel_id: str) -> str:
    guess = _NICKNAMES.get(channel) or next(iter(difflib.get_close_matches(channel, CHANNELS, n=1, cutoff=0.6)), None)
    said = f"Saluran {channel!r} tidak dikenal"
    if guess is not None:
        said += f"; maksud Anda {guess}:{channel_id or 'ID'}?"
    else:
        said += f" (yang ada: {', '.join(CHANNELS)})."
    return f"{said} {_SHAPE_HELP}"


def _check_telegram(channel_id: str) -> None:
    if _TELEGRAM_ID.fullmatch(channel_id):
        return
    if channel_id.startswith("-") and channel_id[1:].isdigit():
        raise PersonIdError(
            f"telegram:{channel_id} adalah grup, bukan orang: Jaring hanya melayani obrolan pribadi. "
            "Tulis ID orangnya (angka positif), misalnya telegram:123456789."
        )
    raise PersonIdError(
        f"ID Telegram {channel_id!r} tidak bisa dipakai: ID Telegram berupa angka saja, misalnya telegram:123456789."
    )


def _check_whatsapp(channel_id: str) -> None:
    if _WHATSAPP_NUMBER.fullmatch(channel_id):
        return
    digits = _PHONE_PUNCTUATION.sub("", channel_id)
    if digits.startswith("0") and digits.isdigit():
        digits = "62" + digits[1:]  # a number written the local way: 0812… is +62 812…
    suggestion = f" Maksud Anda whatsapp:{digits}?" if _WHATSAPP_NUMBER.fullmatch(digits) else ""
    raise PersonIdError(
        f"Nomor WhatsApp {channel_id!r} tidak bisa dipakai: tulis nomornya dengan kode negara, angka saja "
        f"(8 sampai 15 angka), tanpa +, spasi, atau 0 di depan, misalnya whatsapp:6281234567890.{suggestion}"
    )
