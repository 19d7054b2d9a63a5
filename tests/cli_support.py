"""Running the real `jaring` command in this process, for the command-line tests."""

from __future__ import annotations

import pytest

from bot.cli import main

__all__ = ["jaring"]


def jaring(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `jaring ARGS`, in this process (a usage error leaves with SystemExit)."""
    try:
        code = main(list(args))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
