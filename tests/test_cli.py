"""The real `jaring` command in a subprocess, as a newcomer or a program runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from db.migrate import HEAD_REVISION

JARING = str(Path(sys.executable).with_name("jaring"))
pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
    environment |= {"JARING_DATA_DIR": str(tmp_path / "data"), "JARING_SECRET_KEY": Fernet.generate_key().decode()}
    return environment


def run(
    args: list[str], env: Mapping[str, str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARING, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False, cwd=cwd
    )


def test_jsonl_answers_each_person(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["chat", "--jsonl"], env, '{"from":"a","text":"halo"}\n{"from":"b","text":"menu"}\n', cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["to"] for line in lines] == ["a", "b"]
    assert "Menu utama" in lines[0]["text"]
    assert lines[1]["choices"][0] == "Cek kelayakan"


def test_the_interactive_chat_answers_halo_with_the_menu_in_indonesian(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["chat"], env, "halo\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Halo! Saya Jaring" in result.stdout
    assert "Menu utama. Balas dengan nomor pilihan Anda:" in result.stdout
    assert "  1. Cek kelayakan" in result.stdout
    assert "  3. Tanya manfaat" in result.stdout
    assert " 10. Bantuan" in result.stdout


def test_killing_the_process_between_messages_continues_the_conversation(env: dict[str, str], tmp_path: Path) -> None:
    first = subprocess.Popen(
        [JARING, "chat", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert first.stdin is not None
    assert first.stdout is not None
    first.stdin.write('{"from":"siti","text":"privasi"}\n')
    first.stdin.flush()
    notice = json.loads(first.stdout.readline())
    assert notice["choices"] == ["Setuju", "Tidak setuju"]
    first.kill()
    first.wait(timeout=10)
    first.stdin.close()
    first.stdout.close()

    second = run(["chat", "--jsonl"], env, '{"from":"siti","text":"setuju"}\n', cwd=tmp_path)
    *resent, reply = [json.loads(line) for line in second.stdout.splitlines()]
    assert reply["text"].startswith("Terima kasih. Persetujuan Anda sudah dicatat.")
    # Killed between writing the notice and recording it as sent: it is sent again, never lost.
    assert resent in ([], [notice])


def test_a_bad_setting_stops_start_up_with_one_line_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["chat", "--jsonl"], env | {"JARING_LOG_LEVEL": "LOUD"}, "", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("jaring: invalid setting JARING_LOG_LEVEL:")


def test_an_invalid_programme_file_names_the_field(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "programme.toml"
    programmes = Path(__file__).parent.parent / "programmes"
    (tmp_path / "national-bpu.toml").write_text((programmes / "national-bpu.toml").read_text(encoding="utf-8"))
    original = (programmes / "kota-pekalongan.toml").read_text(encoding="utf-8")

    broken.write_text(original.replace("min_age = 18", "min_age = 80"), encoding="utf-8")
    result = run(["programme", "check"], env | {"JARING_PROGRAM_FILE": str(broken)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "eligibility" in result.stderr
    assert "min_age (80) is above max_age (65)" in result.stderr


def test_db_commands_migrate_down_and_up(env: dict[str, str], tmp_path: Path) -> None:
    assert f"revisi skema basis data: {HEAD_REVISION}" in run(["db", "upgrade"], env, cwd=tmp_path).stdout
    assert "revisi skema basis data: base (kosong)" in run(["db", "downgrade", "base"], env, cwd=tmp_path).stdout
    assert "revisi skema basis data: base (kosong)" in run(["db", "current"], env, cwd=tmp_path).stdout
    assert f"revisi skema basis data: {HEAD_REVISION}" in run(["db", "upgrade"], env, cwd=tmp_path).stdout


def test_secret_key_prints_a_usable_key(env: dict[str, str]) -> None:
    key = run(["secret-key"], env).stdout.strip()
    Fernet(key.encode())


def test_dinas_commands_make_admins_invites_and_change_statuses(env: dict[str, str], tmp_path: Path) -> None:
    added = run(["admin", "add", "telegram:123456789"], env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "telegram:123456789 sekarang admin Dinas." in added.stdout
    made = run(
        ["invite", "create", "--role", "rtrw", "--kelurahan", "33.75.01.1002", "--rt", "3", "--rw", "5"],
        env,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    code = made.stdout.split("Kode undangan: ")[1].split()[0]
    assert len(code) == 8
    used = run(["chat", "--jsonl"], env, json.dumps({"from": "pak-rt", "text": f"kode {code}"}) + "\n", cwd=tmp_path)
    assert "Selamat datang, Bapak/Ibu pengurus RT 003 / RW 005, Kelurahan Medono" in json.loads(used.stdout)["text"]
    outside = run(
        ["invite", "create", "--role", "rtrw", "--kelurahan", "99.99.99.9999", "--rt", "1", "--rw", "1"],
        env,
        cwd=tmp_path,
    )
    assert outside.returncode == 2
    assert "kelurahan 99.99.99.9999 tidak ada di Kota Pekalongan" in outside.stderr
    missing = run(["registration", "status", "42", "verified"], env, cwd=tmp_path)
    assert missing.returncode == 2
    assert "pendaftaran 42 tidak ada" in missing.stderr
