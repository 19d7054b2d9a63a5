"""Personal data in the logs and in the database, measured from outside as issue 12 measured it.

Runs the real `jaring chat --jsonl` in a child process at `JARING_LOG_LEVEL=DEBUG`, on a new SQLite
file, and plays a scripted day: a worker registers (NIK typed with slashes), an RT leader's
neighbour too, a work accident is reported with a description, an heir opens a claim, and questions
come with a NIK inside (slashes, underscores, no-break spaces). Then it reads every log line the
process wrote and every byte of the database (the SQLite file and its WAL) and counts what should
never be there:

- in the log: names, phone numbers (any spelling), streets, typed descriptions, and NIKs in any
  spelling (found with conversations.nik.find_niks, the one rule);
- in the database: NIKs in clear in any spelling (names and streets are stored in clear on purpose:
  the kelurahan and the Dinas read them; the NIK is encrypted at rest).

    uv run python -m bench.personal_data_in_logs                  # this checkout
    uv run python -m bench.personal_data_in_logs --project ../old # another checkout, for a "before"

`--project` runs the other checkout's own code (`uv run --project DIR jaring chat --jsonl`) with the
same script, so a before and an after are measured the same way."""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conversations.nik import find_niks

HERE = Path(__file__).resolve().parent.parent

# (person, text): ~90 messages, each one the bot must answer.
SCRIPT: list[tuple[str, str]] = [
    ("siti", "halo"),
    ("siti", "daftar"),
    ("siti", "setuju"),
    ("siti", "3375/0145/0685/0001"),
    ("siti", "Siti Aminah"),
    ("siti", "5 Juni 1985"),
    ("siti", "medono"),
    ("siti", "ya"),
    ("siti", "rt 3"),
    ("siti", "05"),
    ("siti", "Jl. Sampangan Gg. 3 No. 12"),
    ("siti", "mbatik"),
    ("siti", "0812-3456-7890"),
    ("siti", "ya"),
    ("siti", "tidak tahu"),
    ("siti", "tidak"),
    ("siti", "kirim"),
    ("siti", "cek status"),
    ("siti", "data saya"),
    ("siti", "menu"),
    ("siti", "nik sy 3375_0145_0685_0001 brp iuran nya"),
    ("siti", "menu"),
    ("siti", "klo meninggal dpt brp 3375\u00a00145\u00a00685\u00a00001"),
    ("budi", "halo"),
    ("budi", "daftar"),
    ("budi", "setuju"),
    ("budi", "3375011007800003"),
    ("budi", "Budi Santoso"),
    ("budi", "10-07-1980"),
    ("budi", "medono"),
    ("budi", "ya"),
    ("budi", "3"),
    ("budi", "5"),
    ("budi", "Gg. Melati Nomor 7"),
    ("budi", "tukang becak"),
    ("budi", "085712345678"),
    ("budi", "ya"),
    ("budi", "tidak"),
    ("budi", "tidak"),
    ("budi", "kirim"),
    ("budi", "cek status"),
    ("karno", "lapor kecelakaan"),
    ("karno", "setuju"),
    ("karno", "tidak tahu"),
    ("karno", "Pak Karno Widodo tertimpa karung beras di gudang, punggung sakit dan tidak bisa bangun"),
    ("karno", "Gudang Beras Banjarsari"),
    ("karno", "kemarin"),
    ("karno", "tidak tahu"),
    ("karno", "RSUD Bendan"),
    ("karno", "0813 1111 2222"),
    ("karno", "teman kerja"),
    ("karno", "kirim"),
    ("karno", "menu"),
    ("ahli", "klaim ahli waris"),
    ("ahli", "setuju"),
    ("ahli", "3375/0214/1080/0003"),
    ("ahli", "sakit"),
    ("ahli", "kemarin"),
    ("ahli", "istri"),
    ("ahli", "ya"),
    ("ahli", "2 anak, umur 7 dan 12"),
    ("ahli", "sudah"),
    ("ahli", "belum"),
    ("ahli", "sudah"),
    ("ahli", "lanjut nanti"),
    ("ahli", "menu"),
    ("ahli", "lanjut klaim"),
    ("ahli", "sudah"),
    ("ahli", "menu"),
    ("tanya", "halo"),
    ("tanya", "brp iuran nya"),
    ("tanya", "piye carane daftar"),
    ("tanya", "NIK saya 3375-0145-0685-0001 sudah terdaftar belum ya"),
    ("tanya", "menu"),
    ("tanya", "apakah kucing saya dapat santunan 3375/0145/0685/0001"),
    ("tanya", "menu"),
    ("tanya", "cek kelayakan"),
    ("tanya", "45 tahun"),
    ("tanya", "iya"),
    ("tanya", "narik becak"),
    ("tanya", "medono"),
    ("tanya", "ya"),
    ("tanya", "belum"),
    ("tanya", "ya"),
    ("tanya", "tidak tahu"),
    ("tanya", "tidak"),
    ("tanya", "bantuan"),
    ("tanya", "bahasa"),
    ("tanya", "bahasa"),
    ("tanya", "BERHENTI"),
    ("tanya", "MULAI"),
    ("tanya", "menu"),
    ("lain", "sy 3375/0145/0685/0001 mau tanya santunan kucing"),
    ("lain2", "3375_0145_0685_0001 kapan cair ya"),
]

# What must never be in a log line, each with the spellings it may take.
IN_NO_LOG: dict[str, tuple[str, ...]] = {
    "name": ("Siti Aminah", "SITI AMINAH", "Budi Santoso", "Karno Widodo"),
    "phone": (
        "0812-3456-7890",
        "6281234567890",
        "081234567890",
        "085712345678",
        "6285712345678",
        "0813 1111 2222",
        "6281311112222",
    ),
    "street": ("Sampangan Gg. 3", "Melati Nomor 7"),
    "description": ("tertimpa karung beras", "Gudang Beras Banjarsari", "umur 7 dan 12", "kucing saya"),
}


@dataclass(frozen=True, slots=True)
class Day:
    log: str  # everything the process wrote to stderr
    replies: int  # messages the bot sent


def play(command: list[str], cwd: Path, data_dir: Path) -> Day:
    """The script through `command` (a `jaring chat --jsonl`) at DEBUG, on a new SQLite file."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))},
        "JARING_DATA_DIR": str(data_dir),
        "JARING_LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
    }
    lines = "".join(json.dumps({"from": who, "text": text}) + "\n" for who, text in SCRIPT)
    done = subprocess.run(
        command, input=lines, capture_output=True, text=True, cwd=cwd, env=env, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"jaring chat failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return Day(done.stderr, sum(1 for line in done.stdout.splitlines() if line.startswith("{")))


def in_log(log: str) -> dict[str, int]:
    """How often each kind of personal data stands in the log."""
    found = {kind: sum(log.count(spelling) for spelling in spellings) for kind, spellings in IN_NO_LOG.items()}
    return {**found, "NIK": len(find_niks(log))}


def _script_niks() -> set[str]:
    return {nik for _, text in SCRIPT for nik in find_niks(text)}


def niks_in_bytes(data_dir: Path) -> int:
    """The script's NIKs in the raw bytes of the database and its WAL (free pages included), in any
    spelling. Only known NIKs: in raw bytes, runs of adjacent timestamps look like NIKs."""
    raw = b"".join(path.read_bytes() for path in sorted(data_dir.glob("jaring.db*")) if path.is_file())
    text = raw.decode("latin-1")
    return sum(len(re.findall(r"[\s._/\-]{0,3}".join(nik), text)) for nik in _script_niks())


def niks_in_columns(data_dir: Path) -> dict[str, int]:
    """Every text value of every table, read through SQLite: where a NIK (any, in any spelling) stands.
    Keyed hashes and ciphertexts (`*_hash`, `*_cipher`) are passed over: 64 random hex digits hold a run
    of 16 decimal ones now and then, and that is no NIK."""
    found: dict[str, int] = {}
    with sqlite3.connect(data_dir / "jaring.db") as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for column, value in zip(columns, row, strict=True):
                    if column.endswith(("_hash", "_cipher")):
                        continue
                    if isinstance(value, str) and find_niks(value):
                        found[f"{table}.{column}"] = found.get(f"{table}.{column}", 0) + 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=HERE, help="the checkout to run (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        project = args.project.resolve()
        day = play(["uv", "run", "--quiet", "--project", str(project), "jaring", "chat", "--jsonl"], project, data_dir)
        in_columns = niks_in_columns(data_dir)
        in_bytes = niks_in_bytes(data_dir)
    print(f"project: {args.project.resolve()}")
    print(f"messages sent: {len(SCRIPT)}; bot messages received: {day.replies}")
    print(f"log at DEBUG: {len(day.log.splitlines())} lines, {len(day.log.encode())} bytes")
    for kind, count in in_log(day.log).items():
        print(f"  {kind:<12} in the log: {count}")
    print(f"  {'tracebacks':<12} in the log: {day.log.count('Traceback')}")
    print(f"database: the script's NIKs in clear in its bytes (any spelling): {in_bytes}")
    where = ", ".join(f"{place} {count}" for place, count in sorted(in_columns.items())) or "none"
    print(f"database: values holding a NIK in clear (any NIK, any spelling): {where}")


if __name__ == "__main__":
    main()
