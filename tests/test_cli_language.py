"""The `jaring` command speaks one language and tells one time: Indonesian by default, English with
`--english` (before or after the command's name), every line from the catalogs; every time in the
programme's own zone with its name (WIB for Pekalongan, WITA for a programme in Asia/Makassar)."""

from __future__ import annotations

import re
from argparse import Namespace
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Jaring, open_jaring
from bot.cli import _unanswered
from bot.commands import administer as admin_commands
from bot.commands.broadcasts import run_broadcast_command
from bot.commands.export import run_export_command
from bot.commands.figures import run_stats_command
from bot.commands.kpj_import import run_import_command
from bot.settings import Settings, load_settings
from db.repositories.unanswered_questions import add_question
from tests.cli_support import jaring
from tests.conftest import FixedClock
from tests.core_support import ROOT, catalogs

# The fixed clock's moment, 21-11-2026 08.00 UTC, where the programme is.
IN_WIB = "21-11-2026 15.00 WIB"
IN_WITA = "21-11-2026 16.00 WITA"
_CLI_KEY = re.compile(r"""["'](cli\.[a-z0-9_.]+)["']""")


def _send(text: str, *, at: str = "besok 08.00", yes: bool = True) -> Namespace:
    return Namespace(broadcast_command="send", text=text, file=None, audience="everyone", at=at, yes=yes)


# ---- one language ----------------------------------------------------------------------------------


def test_indonesian_by_default_and_english_when_asked_before_or_after_the_command(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert jaring(capsys, "admin", "add", "terminal:budi") == (0, "terminal:budi sekarang admin Dinas.\n", "")
    assert jaring(capsys, "--english", "admin", "add", "terminal:budi") == (0, "terminal:budi is now an admin.\n", "")
    assert jaring(capsys, "admin", "add", "terminal:budi", "--english") == (0, "terminal:budi is now an admin.\n", "")

    code, out, _ = jaring(capsys, "quota", "set", "2700")
    assert code == 0
    assert re.fullmatch(
        r"Kuota \d{4}: 2\.700 tempat; 0 naik dari daftar tunggu \(mereka diberi tahu\); terpakai 0\.\n", out
    )
    code, out, _ = jaring(capsys, "quota", "set", "2800", "--english")
    assert code == 0
    assert re.fullmatch(
        r"Quota \d{4}: 2,800 places; 0 promoted from the waiting list \(they are told\); used 0\.\n", out
    )

    assert jaring(capsys, "role", "revoke", "terminal:siapa", "admin") == (
        2,
        "",
        "jaring: tidak ada yang dikenal sebagai terminal:siapa\n",
    )
    assert jaring(capsys, "--english", "role", "revoke", "terminal:siapa", "admin") == (
        2,
        "",
        "jaring: nobody is known as terminal:siapa\n",
    )
    assert jaring(capsys, "db", "current")[1].startswith("revisi skema basis data: ")
    assert jaring(capsys, "db", "current", "--english")[1].startswith("schema revision: ")


def test_the_programme_check_names_the_time_zone_in_either_language(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = jaring(capsys, "programme", "check")
    assert code == 0
    first, second = out.splitlines()
    assert first.endswith(
        "OK — Batik Berlian (Pemerintah Kota Pekalongan), 16 jenis pekerjaan, iuran Rp16.800 per bulan, "
        "zona waktu Asia/Jakarta (WIB)"
    )
    assert second == "wilayah 33.75 Kota Pekalongan: 4 kecamatan, 27 kelurahan/desa"
    code, out, _ = jaring(capsys, "programme", "check", "--english")
    assert out.splitlines()[0].endswith(
        "OK — Batik Berlian (Pemerintah Kota Pekalongan), 16 job types, premium Rp16,800 a month, "
        "time zone Asia/Jakarta (WIB)"
    )


def test_the_chat_has_its_own_language_switch(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = jaring(capsys, "chat", "--english")
    assert code == 2
    assert "unrecognized arguments: --english" in err


async def test_the_kpj_import_says_each_problem_in_english_when_asked(
    jaring: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "jawaban.csv"
    answer.write_text("NIK;No KPJ;Tgl Kepesertaan\n3375014506850001;1234;01-12-2026\n", encoding="utf-8")
    assert await run_import_command(jaring, answer) == 1
    assert capsys.readouterr().out.splitlines() == [
        "baris 2: KPJ harus 11 angka (tertulis: 1234)",
        "Berkas jawaban.csv TIDAK diimpor: 1 masalah. Tidak ada yang diubah.",
        "Perbaiki baris-baris di atas, lalu jalankan perintah ini lagi.",
    ]
    assert await run_import_command(jaring, answer, language="en") == 1
    assert capsys.readouterr().out.splitlines() == [
        "line 2: a KPJ number has 11 digits (written: 1234)",
        "File jawaban.csv NOT imported: 1 problem(s). Nothing was changed.",
        "Fix the rows above, then run this command again.",
    ]
    (tmp_path / "lama.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert await run_import_command(jaring, tmp_path / "lama.xls", language="en") == 2
    assert "files of type .xls are not supported: save it as .xlsx or .csv" in capsys.readouterr().out


async def test_the_export_and_the_figures_in_english_when_asked(
    jaring: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "daftar.csv"
    assert await run_export_command(jaring, "approved", None, target, None, language="en") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"0 registration(s) (approved) written to {target} (csv).",
        "WARNING: this file holds full NIKs. Keep it somewhere safe, send it only to BPJS Ketenagakerjaan, "
        "and delete it after use.",
    ]
    assert await run_stats_command(jaring, 2026, tmp_path / "grafik.png", language="en") == 0
    printed = capsys.readouterr().out
    assert "Figures for Batik Berlian, as of 21-11-2026." in printed
    assert "Registrations by status:" in printed
    assert f"Chart written to {tmp_path / 'grafik.png'} (" in printed
    assert "Pendaftaran" not in printed


def test_every_cli_key_in_the_code_is_in_both_catalogs() -> None:
    used = {key for path in (ROOT / "bot").rglob("*.py") for key in _CLI_KEY.findall(path.read_text("utf-8"))}
    assert len(used) > 100
    for language in ("id", "en"):
        assert sorted(used - set(catalogs().messages[language])) == [], language


# ---- one time: the programme's -------------------------------------------------------------------


async def test_the_quota_history_is_in_local_time_with_the_zone(jaring: Jaring) -> None:
    await admin_commands.set_quota(jaring, 1700, reason="Perubahan APBD")
    shown = (await admin_commands.show_quota(jaring)).splitlines()
    assert f"  {IN_WIB}  diubah menjadi 1.700 oleh cli  (Perubahan APBD)" in shown
    english = (await admin_commands.show_quota(jaring, language="en")).splitlines()
    assert f"  {IN_WIB}  set to 1,700 by cli  (Perubahan APBD)" in english
    assert not any("UTC" in line for line in shown + english)


async def test_a_broadcast_is_confirmed_recorded_and_listed_in_wib(
    jaring: Jaring, capsys: pytest.CaptureFixture[str]
) -> None:
    said: list[str] = []
    asked: list[str] = []
    text = "Posko pendaftaran buka Sabtu pagi."

    def refuse(question: str) -> str:
        asked.append(question)
        return "tidak"

    assert await run_broadcast_command(jaring, _send(text, yes=False), out=said.append, ask=refuse) == 1
    assert asked == ["Catat siaran ini untuk 0 orang, dikirim mulai 22-11-2026 08.00 WIB? (ya/tidak) "]
    assert said[-1] == "Tidak ada yang dicatat."
    assert await run_broadcast_command(jaring, _send(text), out=said.append) == 0
    assert said[-2] == "Siaran No. 1 dicatat, dikirim mulai 22-11-2026 08.00 WIB."

    listed: list[str] = []
    assert await run_broadcast_command(jaring, Namespace(broadcast_command="list"), out=listed.append) == 0
    assert listed[0].startswith("No. 1  terjadwal       22-11-2026 08.00 WIB  terkirim 0/0  ke semua yang pernah chat")
    assert listed[-1] == "1 siaran: semua yang terjadwal dan sedang dikirim, dan 5 terakhir yang sudah selesai."
    listed.clear()
    english = Namespace(broadcast_command="list")
    assert await run_broadcast_command(jaring, english, language="en", out=listed.append) == 0
    assert listed[0].startswith("No. 1  scheduled       22-11-2026 08.00 WIB  sent 0/0  to everyone who has chatted")

    cancel = Namespace(broadcast_command="cancel", id=1)
    assert await run_broadcast_command(jaring, cancel, out=said.append) == 0
    assert said[-1] == "Siaran No. 1 dibatalkan sebelum waktunya. Tidak ada pesan yang terkirim."
    assert await run_broadcast_command(jaring, cancel, out=said.append) == 2
    assert capsys.readouterr().err == "jaring: siaran 1 sudah dibatalkan: tidak ada yang bisa dibatalkan\n"
    assert await run_broadcast_command(jaring, cancel, language="en", out=said.append) == 2
    assert capsys.readouterr().err == "jaring: broadcast 1 is cancelled: nothing to cancel\n"


@pytest.fixture
def wita_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The Pekalongan programme as if its Pemda were in central Indonesia (Asia/Makassar, WITA)."""
    programmes = ROOT / "programmes"
    (tmp_path / "national-bpu.toml").write_text((programmes / "national-bpu.toml").read_text("utf-8"), "utf-8")
    original = (programmes / "kota-pekalongan.toml").read_text("utf-8")
    assert 'timezone = "Asia/Jakarta"' in original
    variant = tmp_path / "kota-wita.toml"
    variant.write_text(original.replace('timezone = "Asia/Jakarta"', 'timezone = "Asia/Makassar"'), "utf-8")
    monkeypatch.setenv("JARING_PROGRAM_FILE", str(variant))
    return load_settings()


@pytest.fixture
async def wita(wita_settings: Settings, clock: FixedClock) -> AsyncIterator[Jaring]:
    app = await open_jaring(wita_settings, clock)
    try:
        yield app
    finally:
        await app.close()


async def test_a_programme_in_wita_shows_every_time_in_wita(
    wita: Jaring, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    await admin_commands.set_quota(wita, 1700)
    assert f"  {IN_WITA}  diubah menjadi 1.700 oleh cli" in (await admin_commands.show_quota(wita)).splitlines()

    said: list[str] = []
    assert await run_broadcast_command(wita, _send("Posko pendaftaran buka Sabtu pagi."), out=said.append) == 0
    assert "Siaran No. 1 dicatat, dikirim mulai 22-11-2026 08.00 WITA." in said

    async with wita.store.transaction() as session:
        await add_question(session, None, "brp harga tiket ke bali", language="id", asked_in="benefits", now=clock())
    assert await _unanswered(wita, 10, "id") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{IN_WITA}  [benefits]  brp harga tiket ke bali",
        "1 pertanyaan yang belum bisa dijawab bot (terbaru di atas; angka panjang disamarkan).",
    ]


def test_the_programme_check_of_a_wita_programme_says_wita(
    wita_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = jaring(capsys, "programme", "check")
    assert code == 0
    assert out.splitlines()[0].endswith("zona waktu Asia/Makassar (WITA)")
