"""`jaring serve --workers N` where it must refuse: SQLite (one writer) and a number out of range, each in
one line before anything starts. Its work on PostgreSQL: tests/test_several_workers.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.serve_support import JARING, command_env


def _serve(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = command_env(tmp_path, TELEGRAM_BOT_TOKEN="123456:TEST-fake-token", JARING_PORT="0", **settings)
    return subprocess.run(
        [JARING, "serve", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("how", [("--workers", "3"), ()])
def test_several_workers_on_sqlite_are_refused_in_one_line(tmp_path: Path, how: tuple[str, ...]) -> None:
    done = _serve(tmp_path, *how, **({} if how else {"JARING_WORKERS": "3"}))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("jaring: --workers 3 (JARING_WORKERS) needs PostgreSQL: SQLite has one writer")
    assert not (tmp_path / "data" / "jaring.db").exists()  # refused before the database was touched


@pytest.mark.slow
def test_a_number_of_workers_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "0")
    assert done.returncode == 2
    assert "argument --workers: a number of processes from 1 to 64, not '0'" in done.stderr
