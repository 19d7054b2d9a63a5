"""Conversation data is JSON in the store; values under SEALED_KEYS (the NIK, a sponsor's NIP) are encrypted before it
is saved and decrypted after it is read, so a form left halfway never holds a NIK in clear."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conversations.state import SEALED_KEYS, Json
from db.personal_data import PersonalDataCipher

__all__ = ["seal", "unseal"]

_PREFIX = "sealed:"


def seal(data: Mapping[str, Json], cipher: PersonalDataCipher) -> dict[str, Json]:
    return _walk(data, lambda value: _PREFIX + cipher.encrypt(value) if not value.startswith(_PREFIX) else value)


def unseal(data: Mapping[str, Json], cipher: PersonalDataCipher) -> dict[str, Json]:
    return _walk(
        data, lambda value: cipher.decrypt(value.removeprefix(_PREFIX)) if value.startswith(_PREFIX) else value
    )


def _walk(data: Mapping[str, Json], change: Callable[[str], str]) -> dict[str, Json]:
    result: dict[str, Json] = {}
    for key, value in data.items():
        if key in SEALED_KEYS and isinstance(value, str):
            result[key] = change(value)
        elif isinstance(value, dict):
            result[key] = _walk(value, change)
        else:
            result[key] = value
    return result
