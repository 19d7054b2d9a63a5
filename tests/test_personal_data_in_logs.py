"""No personal data in any log line at DEBUG, nor a NIK in clear anywhere in the database: the real
`jaring chat --jsonl` plays a day (registrations, an accident report, a claim, questions with NIKs in
every spelling) and every line it logged and every value it stored are read (bench/personal_data_in_logs.py
prints the same figures for any checkout)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.personal_data_in_logs import SCRIPT, in_log, niks_in_bytes, niks_in_columns, play

pytestmark = pytest.mark.slow

JARING = shutil.which("jaring") or "jaring"


def test_a_day_at_debug_logs_no_personal_data_and_stores_no_nik_in_clear(tmp_path: Path) -> None:
    day = play([JARING, "chat", "--jsonl"], tmp_path, tmp_path / "data")
    assert day.replies >= len(SCRIPT), "every message is answered"
    assert len(day.log.splitlines()) > 500, "DEBUG stays useful: statements and timings are logged"
    assert "hide_parameters" in day.log, "SQL parameters are withheld, not absent by chance"
    assert in_log(day.log) == {"name": 0, "phone": 0, "street": 0, "description": 0, "NIK": 0}
    assert niks_in_columns(tmp_path / "data") == {}
    assert niks_in_bytes(tmp_path / "data") == 0
