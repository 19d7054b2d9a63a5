"""People named on the command line as CHANNEL:ID: a wrong channel or an id of the wrong shape stops the
command (exit code 2) before anything is opened, with a message in Indonesian that shows the right form;
a right one works. The real `jaring` command, in this process (bot.cli.main), on a fresh data folder."""

from __future__ import annotations

import pytest

from bot.commands.person_ids import CHANNELS, PersonId, PersonIdError, parse_person_id
from bot.settings import Settings
from tests.cli_support import jaring

FORMS = "telegram:123456789, whatsapp:6281234567890, atau terminal:NAMA"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["admin", "add", "telgram:123"], ["Saluran 'telgram' tidak dikenal; maksud Anda telegram:123?", FORMS]),
        (["admin", "add", "telegram:abc"], ["ID Telegram 'abc' tidak bisa dipakai", "telegram:123456789"]),
        (
            ["admin", "add", "whatsapp:+62 812"],
            ["Nomor WhatsApp '+62 812'", "tanpa +, spasi", "whatsapp:6281234567890"],
        ),
        (["admin", "add", "terminal:"], ["'terminal:' belum diikuti ID-nya. Tulis misalnya terminal:NAMA."]),
        (["admin", "add", "terminal:pak rt"], ["Nama terminal 'pak rt'", "terminal:budi"]),
        (["admin", "add", "telegram:-1001234567"], ["adalah grup, bukan orang", "telegram:123456789"]),
        (["admin", "add", "123456789"], ["'123456789' tidak lengkap", FORMS]),
        (["admin", "add", "wa:6281234567890"], ["maksud Anda whatsapp:6281234567890?"]),
        (["role", "revoke", "telgram:123", "admin"], ["maksud Anda telegram:123?", FORMS]),
        (["role", "revoke", "whatsapp:0812 3456 7890", "verifier"], ["Maksud Anda whatsapp:6281234567890?"]),
        (
            ["export", "enrolment", "--output", "daftar.xlsx", "--send-to", "telegram:abc"],
            ["ID Telegram 'abc' tidak bisa dipakai"],
        ),
        (["chat", "--as", "pak rt"], ["Nama terminal 'pak rt' tidak bisa dipakai"]),
    ],
)
def test_a_wrong_person_stops_the_command_with_the_right_form(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str], said: list[str]
) -> None:
    code, out, err = jaring(capsys, *args)
    assert code == 2
    assert out == ""
    for part in said:
        assert part in err
    assert not (settings.data_dir / "jaring.db").exists()  # refused before anything was opened


def test_right_people_are_accepted_and_written_the_one_way_the_store_knows_them(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert jaring(capsys, "admin", "add", "terminal:budi") == (0, "terminal:budi sekarang admin Dinas.\n", "")
    assert jaring(capsys, "admin", "add", "telegram:123456789")[:2] == (0, "telegram:123456789 sekarang admin Dinas.\n")
    assert jaring(capsys, "admin", "add", " WhatsApp:6281234567890 ")[:2] == (
        0,
        "whatsapp:6281234567890 sekarang admin Dinas.\n",
    )
    code, out, _ = jaring(capsys, "role", "list")
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()[:3]] == [
        ["admin", "terminal:budi"],
        ["admin", "telegram:123456789"],
        ["admin", "whatsapp:6281234567890"],
    ]
    code, out, _ = jaring(capsys, "role", "revoke", "Telegram:123456789", "admin")
    assert (code, out) == (
        0,
        "telegram:123456789: peran admin dicabut (1 pemberian); orangnya diberi tahu lewat chat.\n",
    )
    code, _, err = jaring(capsys, "role", "revoke", "terminal:nobody", "admin")
    assert code == 2
    assert "tidak ada yang dikenal sebagai terminal:nobody" in err


def test_the_known_channels_are_the_channels_there_are() -> None:
    from handlers.telegram.parsing import CHANNEL as TELEGRAM
    from handlers.terminal import CHANNEL as TERMINAL
    from handlers.whatsapp.parsing import CHANNEL as WHATSAPP

    assert set(CHANNELS) == {TELEGRAM, WHATSAPP, TERMINAL}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("telegram:1", PersonId("telegram", "1")),
        ("whatsapp:12345678", PersonId("whatsapp", "12345678")),
        ("whatsapp:123456789012345", PersonId("whatsapp", "123456789012345")),
        ("terminal:" + "a" * 64, PersonId("terminal", "a" * 64)),
        ("terminal:bu-rt_2.b", PersonId("terminal", "bu-rt_2.b")),
    ],
)
def test_the_edges_of_each_shape(text: str, expected: PersonId) -> None:
    assert parse_person_id(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    "text",
    ["whatsapp:1234567", "whatsapp:1234567890123456", "terminal:" + "a" * 65, "telegram:0123", "telegram:1.5", ":1"],
)
def test_just_past_the_edges_is_refused(text: str) -> None:
    with pytest.raises(PersonIdError):
        parse_person_id(text)
