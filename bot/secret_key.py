"""The key that encrypts personal data. Never a built-in constant: from JARING_SECRET_KEY, or in
development generated once into the data folder (with a loud warning in the log, and one short line
for the person at a terminal chat: `development_key_notice`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet

from bot.settings import Settings, SettingsError

__all__ = ["KEY_FILE_NAME", "development_key_notice", "resolve_secret_key"]

KEY_FILE_NAME = "secret.key"
log = logging.getLogger(__name__)


def resolve_secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        key = settings.secret_key.encode()
        _check(key, "JARING_SECRET_KEY")
        return key
    path = settings.data_dir / KEY_FILE_NAME
    if path.is_file():
        key = path.read_bytes().strip()
        _check(key, str(path))
    else:
        key = _generate(path)
    log.warning(
        "JARING_SECRET_KEY is not set: using the development key in %s. Set JARING_SECRET_KEY (and "
        "JARING_ENV=production) before real personal data is stored; keep the key safe, without it "
        "the encrypted data cannot be read.",
        path,
    )
    return key


def development_key_notice(settings: Settings) -> str | None:
    """What the person at `jaring chat` should know before typing, in one line of a terminal (80
    columns with the default data folder): the data is encrypted with the development key, and where
    it is. None when JARING_SECRET_KEY is set. The full warning, with what to do, goes to the log."""
    if settings.secret_key:
        return None
    return f"Catatan: data dienkripsi dengan kunci pengembangan {_shown(settings.data_dir / KEY_FILE_NAME)}."


def _shown(path: Path) -> Path:
    """`path` as short as it is clear: relative to the working folder when it is inside it."""
    try:
        return path.absolute().relative_to(Path.cwd())
    except ValueError:
        return path


def _generate(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _check(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except ValueError as exc:
        raise SettingsError(
            f"invalid setting JARING_SECRET_KEY ({where}): must be 32 url-safe base64-encoded bytes; "
            "make one with: uv run jaring secret-key"
        ) from exc
