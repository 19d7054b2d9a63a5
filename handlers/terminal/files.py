"""Files written on this machine for the person at it: what the terminal channel delivers (an export, a
chart), and what the command line writes (`jaring export enrolment`, `jaring stats --chart`). An export
holds NIKs in full, so every such file is private: created 0600 (read and write for its owner only) in a
folder of ours that is 0700, whatever mode the file or the folder had before.

The one way to write such a file is `write_private_file`; `private_folder` makes a folder of ours private.
It lives here and not in `bot/` because the terminal channel needs it and `handlers/` may not import `bot/`
(the layers import-linter checks); the command line (in `bot/`) imports it from here."""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import stat
from pathlib import Path

from handlers.sending import OutgoingFile

__all__ = ["FILE_MODE", "FOLDER_MODE", "file_note", "private_folder", "save_file", "write_private_file"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Never follow a link planted where the file is to be created; O_CLOEXEC: no child process inherits it.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def private_folder(directory: Path) -> Path:
    """`directory` (and any missing parent) created if needed, and made 0700 if it already existed with a
    wider mode: only for folders the bot owns (the terminal's `data/files`), never a folder a person chose."""
    directory.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) != FOLDER_MODE:
        directory.chmod(FOLDER_MODE)
    return directory


def write_private_file(path: Path, content: bytes, *, overwrite: bool = True) -> Path:
    """Write `content` to `path` as a file only its owner can read (0600), whatever the umask.

    With `overwrite` (the command line's `--output`): written to a new private file beside it, then moved
    over `path` in one step, so an existing file's looser mode, owner or other hard links are not kept, a
    program that had the old file open never reads the new content, and a failure halfway leaves the old
    file as it was. Without it (the terminal's deliveries): `FileExistsError` when `path` is taken.
    The folder must exist; its mode is the caller's business (see `private_folder`)."""
    if not overwrite:
        _create(path, content)
        return path
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    _create(temporary, content)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return path


def _create(path: Path, content: bytes) -> None:
    descriptor = os.open(path, _CREATE, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # the umask may have taken bits away; make it exactly 0600
        with os.fdopen(descriptor, "wb") as handle:
            descriptor = -1  # the file object closes it now
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def save_file(directory: Path, file: OutgoingFile) -> Path:
    """Write `file` into `directory` (created if needed, made 0700) under its own name, or `name-2.ext`,
    `name-3.ext`… when taken: an earlier export is never overwritten. The file is 0600."""
    private_folder(directory)
    name = _UNSAFE.sub("_", Path(file.name).name).strip("._") or "berkas"
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 10_000):
        path = directory / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            # exclusive: fails if it exists, even if another process just made it (or it is a link)
            return write_private_file(path, file.content, overwrite=False)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for {name} in {directory}")


def file_note(path: Path, size: int) -> str:
    """What the terminal shows in place of the file: `[berkas: data/files/x.xlsx, 12 KB]`."""
    return f"[berkas: {path}, {max(1, math.ceil(size / 1024))} KB]"
