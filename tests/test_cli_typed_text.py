"""Text typed on the command line goes through the chat's door: a reason is cleaned (control, bidi and
invisible characters removed, one line) and a longer one than its column holds is refused with the
count, never cut. The real `jaring` command, in this process, on a fresh data folder."""

from __future__ import annotations

import pytest

from bot.cli import REASON_MAX_CHARS, _reason, main
from bot.settings import Settings


def test_a_reason_is_cleaned_like_a_chat_message() -> None:
    assert _reason("  Perubahan\x1b APBD\u202e 2026\r\nkedua  ") == "Perubahan APBD 2026 kedua"


@pytest.mark.parametrize("args", [["quota", "set", "2700"], ["registration", "status", "1", "rejected"]])
def test_a_reason_too_long_stops_the_command_with_the_count(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*args, "--reason", "alasan " * 100])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"alasan maksimal {REASON_MAX_CHARS} huruf; yang diberikan 699 huruf" in err


def test_a_reason_within_the_limit_is_kept_clean(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quota", "set", "2700", "--reason", "Perubahan\u200b APBD\x07 2026"]) == 0
    capsys.readouterr()
    assert main(["quota", "show"]) == 0
    shown = capsys.readouterr().out
    assert "Perubahan APBD 2026" in shown
