"""Files sent in the terminal: written to a folder, since a terminal cannot show them, and named there."""

from __future__ import annotations

import math
import re
from pathlib import Path

from handlers.sending import OutgoingFile

__all__ = ["file_note", "save_file"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def save_file(directory: Path, file: OutgoingFile) -> Path:
    """Write `file` into `directory` (created if needed) under its own name, or `name-2.ext`, `name-3.ext`…
    when taken: an earlier export is never overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    name = _UNSAFE.sub("_", Path(file.name).name).strip("._") or "berkas"
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 10_000):
        path = directory / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            with path.open("xb") as out:  # "x": fails if it exists, even if another process just made it
                out.write(file.content)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {name} in {directory}")


def file_note(path: Path, size: int) -> str:
    """What the terminal shows in place of the file: `[berkas: data/files/x.xlsx, 12 KB]`."""
    return f"[berkas: {path}, {max(1, math.ceil(size / 1024))} KB]"
