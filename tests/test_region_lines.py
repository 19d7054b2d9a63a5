"""bot.app.region_lines keeps the lines of the Kemendagri list that start with the region's code, as
reading the file line by line and keeping those would."""

from __future__ import annotations

import io

import pytest

from bot.app import region_lines
from bot.settings import WILAYAH_FILE
from conversations.regions import parse_region


def _line_by_line(data: bytes, code: str) -> str:
    return "".join(row for row in io.StringIO(data.decode("utf-8"), newline="") if row.startswith(code))


@pytest.mark.parametrize(
    "data",
    [
        b"33.75,Kota Pekalongan\n33.75.01,Pekalongan Barat",
        b"kode,nama\r\n33.75,Kota\r\n33.75.01,Barat\r\n33.76,Lain\r\n",
        b"33.7,x\n33.751,y\n\n33.75\n",
        b"\n33.75,A",
        b"33.75",
        b"",
        b"11,Aceh\n",
    ],
)
def test_the_same_lines_as_reading_line_by_line(data: bytes) -> None:
    assert region_lines(data, "33.75") == _line_by_line(data, "33.75")


@pytest.mark.parametrize("code", ["33.75", "33.24", "32.79", "35.73", "11.01"])
def test_the_shipped_list_gives_the_same_region(code: str) -> None:
    data = WILAYAH_FILE.read_bytes()
    with WILAYAH_FILE.open(encoding="utf-8") as rows:
        expected = "".join(row for row in rows if row.startswith(code))
    assert parse_region(region_lines(data, code), code) == parse_region(expected, code)
