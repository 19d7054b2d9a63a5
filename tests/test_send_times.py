"""When an admin says an announcement should go: read in the programme's time zone, the past refused
with what to type instead. "Now" in these tests is 21-11-2026 15.00 WIB (08.00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.messages import Msg
from conversations.send_times import SendAt, SendNow, example_time, local_time_text, parse_send_time
from tests.core_support import catalogs

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 15.00 in Pekalongan (WIB, UTC+7)
JAKARTA = "Asia/Jakarta"


def _wib(day: int, month: int, year: int, hour: int, minute: int = 0) -> SendAt:
    """A moment written in WIB, as the UTC instant the store keeps."""
    return SendAt(datetime(year, month, day, hour - 7, minute, tzinfo=UTC))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sekarang", SendNow()),
        ("Sekarang!", SendNow()),
        ("skrg", SendNow()),
        ("now", SendNow()),
        ("besok 08.00", _wib(22, 11, 2026, 8)),
        ("Besok jam 8", _wib(22, 11, 2026, 8)),
        ("besok 8 pagi", _wib(22, 11, 2026, 8)),
        ("08.00 besok", _wib(22, 11, 2026, 8)),
        ("lusa pukul 7.30 WIB", _wib(23, 11, 2026, 7, 30)),
        ("25-11-2026 08.00", _wib(25, 11, 2026, 8)),
        ("25/11/2026 8:00", _wib(25, 11, 2026, 8)),
        ("25.11.2026 08.00", _wib(25, 11, 2026, 8)),
        ("tanggal 25-11 jam 08.00", _wib(25, 11, 2026, 8)),
        ("25 November 2026 08.00", _wib(25, 11, 2026, 8)),
        ("25 nov 14.30", _wib(25, 11, 2026, 14, 30)),
        ("5-1 08.00", _wib(5, 1, 2027, 8)),  # no year: the next 5 January
        ("16.30", _wib(21, 11, 2026, 16, 30)),  # a time alone: today
        ("jam 4 sore", _wib(21, 11, 2026, 16)),
        ("jam 7 malam", _wib(21, 11, 2026, 19)),
        ("kirim besok jam 9", _wib(22, 11, 2026, 9)),
        ("15.00", SendNow()),  # this very minute
        ("14.59", SendNow()),  # a minute ago: meant now
    ],
)
def test_times_are_read_in_local_time(typed: str, expected: SendNow | SendAt) -> None:
    assert parse_send_time(typed, NOW, JAKARTA) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("08.00", "send_time.past"),  # 08.00 today has passed: never moved to tomorrow silently
        ("jam 2 siang", "send_time.past"),
        ("20-11-2026 08.00", "send_time.past"),
        ("besok", "send_time.need_clock"),
        ("besok pagi", "send_time.need_clock"),
        ("25-11-2026", "send_time.need_clock"),
        ("25:00", "send_time.bad_clock"),
        ("08.75", "send_time.bad_clock"),
        ("31-02-2027 08.00", "send_time.bad_date"),
        ("1-1-2028 08.00", "send_time.too_far"),
        ("halo", "send_time.not_understood"),
        ("minggu depan", "send_time.not_understood"),
        ("besok 08.00 atau lusa", "send_time.not_understood"),
        ("", "send_time.not_understood"),
    ],
)
def test_wrong_times_say_what_to_type_instead(typed: str, problem: str) -> None:
    found = parse_send_time(typed, NOW, JAKARTA)
    assert isinstance(found, Msg)
    assert found.key == problem
    said = catalogs().render(found, "id")
    assert said.endswith(".")
    if problem not in ("send_time.bad_clock",):
        assert "22-11-2026 08.00" in said  # a real example to copy: tomorrow at 08.00


def test_the_past_is_explained_with_the_time_now() -> None:
    found = parse_send_time("08.00", NOW, JAKARTA)
    assert isinstance(found, Msg)
    assert catalogs().render(found, "id") == (
        "Waktu itu sudah lewat (sekarang 21-11-2026 15.00 WIB). Ketik waktu yang akan datang, "
        "misalnya 22-11-2026 08.00, atau ketik sekarang."
    )


def test_another_time_zone_is_its_own() -> None:
    """A programme in WITA (UTC+8): 08.00 there is 00.00 UTC."""
    assert parse_send_time("besok 08.00", NOW, "Asia/Makassar") == SendAt(datetime(2026, 11, 22, 0, 0, tzinfo=UTC))
    assert local_time_text(NOW, "Asia/Makassar") == "21-11-2026 16.00 WITA"


def test_local_time_and_example_are_written_the_dinas_way() -> None:
    assert local_time_text(NOW, JAKARTA) == "21-11-2026 15.00 WIB"
    assert example_time(NOW, JAKARTA) == "22-11-2026 08.00"
    # shortly before midnight in Pekalongan it is already the next day there
    late = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)  # 00.30 WIB on the 22nd
    assert example_time(late, JAKARTA) == "23-11-2026 08.00"
