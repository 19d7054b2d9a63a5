"""A list that only looks like one (an upload on the web desk, a file given to `jaring import`) is
refused in one line, never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.desks.spreadsheets import UnreadableFile, read_bytes


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 not really a zip",
        _zip({"[Content_Types].xml": b"<not xml"}),
        _zip({"hello.txt": b"a zip, but no workbook in it"}),
    ],
    ids=["broken zip", "parts that are not XML", "no workbook"],
)
def test_a_workbook_that_cannot_be_read_is_refused_in_one_line(content: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_bytes(content, "xlsx")
    assert refused.value.message.key == "cli.kpj.bad_excel"


def test_a_text_with_a_cell_past_csvs_limit_is_refused_in_one_line() -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_bytes(b"NIK;KPJ\n" + b'"' + b"1" * 200_000 + b'";2\n', "csv")
    assert refused.value.message.key == "cli.kpj.unreadable"


def test_a_good_list_is_read_with_its_line_numbers() -> None:
    assert read_bytes(b"NIK;KPJ\n\n3375014506850001;24017731658\n", "csv") == [
        (1, ["NIK", "KPJ"]),
        (3, ["3375014506850001", "24017731658"]),
    ]
