"""locales/po.py reads a .po file as Babel's `read_po` does: the same texts for every shipped catalog,
and for the parts of the format it hands to Babel."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales.catalogs import CATALOG_DIR
from locales.po import _read_simple, read_translations

HEADER = 'msgid ""\nmsgstr ""\n"Language: id_ID\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def _babel(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="id_ID")
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string}


SHIPPED = sorted(CATALOG_DIR.glob("*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_shipped_catalog_reads_as_babel_reads_it(path: Path) -> None:
    ours = read_translations(path, "id_ID")
    assert ours == _babel(path)
    assert list(ours) == list(_babel(path))  # the same order too
    assert _read_simple(path.read_bytes()) == ours  # read without Babel: that is the point


@pytest.mark.parametrize(
    "body",
    [
        # escapes, continued strings, comments, an empty translation, CRLF lines, spaces around
        'msgid "a.b"\nmsgstr "Say:\\n  \\"hello\\"\\t\\\\ {x}"\n',
        'msgid "a.b"\nmsgstr ""\n"Halo "\n"dunia."\n\n# a comment\n#, fuzzy\nmsgid "c"\nmsgstr "C"\n',
        'msgid "empty"\nmsgstr ""\n\nmsgid "kept"\nmsgstr "ya"\n',
        'msgid "a"\r\nmsgstr "A"\r\n\r\n   msgid   "b"  \r\nmsgstr   "B"',
        'msgid ""\n"a.long.key"\nmsgstr "x"\n',
        # handed to Babel
        'msgctxt "menu"\nmsgid "a"\nmsgstr "A"\n',
        'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "A"\nmsgstr[1] "As"\n',
        'msgid "a"\nmsgstr "A"\n\n#~ msgid "old"\n#~ msgstr "lama"\n',
        'msgid "a"\nmsgstr "first"\n\nmsgid "a"\nmsgstr "second"\n',
        'msgid "a"\n# between\nmsgstr "A"\n',
        'msgid "a"\n\nmsgid "b"\nmsgstr "B"\n',
    ],
)
def test_a_file_reads_as_babel_reads_it(tmp_path: Path, body: str) -> None:
    path = tmp_path / "x.po"
    path.write_bytes((HEADER + body).encode("utf-8"))
    assert read_translations(path, "id_ID") == _babel(path)


def test_a_file_in_another_charset_is_read_by_babel(tmp_path: Path) -> None:
    path = tmp_path / "x.po"
    header = HEADER.replace("utf-8", "latin-1")
    path.write_bytes((header + 'msgid "a"\nmsgstr "caf\u00e9"\n').encode("latin-1"))
    assert read_translations(path, "id_ID") == _babel(path) == {"a": "caf\u00e9"}
