"""Benchmark of `jaring import participants`: a realistic list of 30 000 participants (Kota Malang's size),
written as xlsx and as csv, imported by the real command in a child process, on SQLite and (when it is
reachable) PostgreSQL. Prints the seconds the command took and its peak memory (maximum resident set
size, from wait4), per file format and database.

The list is Kota Pekalongan's, as a Dinas keeps it: valid NIKs whose birth dates and sex agree with the
birth date and sex columns, a "Tempat, Tgl Lahir" cell, KPJ numbers, start dates from 2016 (never before
the worker turned 15) to this year, kelurahan by today's name (some by a pre-merger name or a Kemendagri
code), jobs in the list's words (some outside the programme's list), phones for most, RT/RW in the
address, budget years this year and (a tenth) next year (the import refuses a past one).

    uv run python -m bench.participant_import
    uv run python -m bench.participant_import --rows 5000 --formats csv --databases sqlite
    uv run python -m bench.participant_import --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from openpyxl import Workbook

from bench.inbound_path import scratch_postgres
from bot.app import read_programme_file
from conversations.regions import parse_region

__all__ = ["main"]

PROJECT_DIR = Path(__file__).resolve().parent.parent
JARING = PROJECT_DIR / ".venv" / "bin" / "jaring"
PROGRAMME = PROJECT_DIR / "programmes" / "kota-pekalongan.toml"
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
HEADER = [
    "No",
    "NIK",
    "Nama Lengkap",
    "Tempat, Tgl Lahir",
    "L/P",
    "No. KPJ",
    "TMT",
    "Alamat",
    "Kelurahan",
    "Pekerjaan",
    "No HP",
    "Sumber Dana",
    "Tahun Anggaran",
]
FIRST_NAMES = (
    *("Slamet", "Siti", "Sri", "Budi", "Agus", "Dwi", "Eko", "Tri", "Wahyu", "Nur", "Muhammad", "Ahmad"),
    *("Suparmi", "Sumarni", "Wartini", "Kasmudi", "Darto", "Rohmat", "Khoirul", "Fitri", "Dewi", "Yuni"),
)
LAST_NAMES = (
    *("Riyadi", "Aminah", "Rahayu", "Santoso", "Setiawan", "Hidayat", "Wibowo", "Lestari", "Purnomo"),
    *("Susanti", "Maulana", "Kurniawan", "Handayani", "Saputra", "Wulandari", "Prasetyo", "Nurhayati"),
)
STREETS = ("Jl. Sampangan", "Jl. Hayam Wuruk", "Gg. Kenanga", "Jl. Kurinci", "Jl. Jlamprang", "Gg. Mawar")
OUTSIDE_JOBS = ("jualan es dawet", "tukang parkir", "buruh tambak", "penjahit rumahan", "nelayan kecil")


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    cpu_seconds: float  # user + system: what the command itself used, whatever else the machine was doing
    peak_mb: float
    first_line: str


# ---- the list ----------------------------------------------------------------------------------


def participants(rows: int, seed: int) -> Iterator[list[object]]:
    """The rows of the list, as a Dinas fills them in (text where a person types, dates where Excel keeps
    dates: the xlsx writer turns `date` into a date cell, the csv writer into dd-mm-yyyy)."""
    rng = random.Random(seed)
    programme = read_programme_file(PROGRAMME)
    region = parse_region((PROJECT_DIR / "programmes" / "wilayah.csv").read_text(encoding="utf-8"), "33.75")
    villages = region.all_kelurahan
    former = programme.former_names
    jobs = [name for job in programme.job_types for name in (job.name, *job.synonyms[:2])]
    serials: Counter[str] = Counter()
    this_year_start = date(datetime.now(ZoneInfo(programme.timezone)).year, 1, 1)
    for number in range(1, rows + 1):
        female = rng.random() < 0.45
        born = date(1961, 1, 1) + timedelta(days=rng.randrange(47 * 365))
        kecamatan = rng.randrange(1, 5)
        prefix = f"3375{kecamatan:02d}{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}"
        serials[prefix] += 1
        nik = f"{prefix}{serials[prefix]:04d}"
        # From 2016, or the worker's 15th birthday when later (the import refuses an earlier TMT), up to
        # two months ago; the budget year is this year (the import refuses a past one), a tenth next year.
        fifteen = date(born.year + 15, born.month, min(born.day, 28))
        earliest, latest = max(date(2016, 1, 1), fifteen), this_year_start + timedelta(days=270)
        start = earliest + timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
        year = this_year_start.year + (1 if rng.random() < 0.1 else 0)
        where = rng.random()
        village = rng.choice(villages)
        kelurahan = (
            rng.choice(former).name if where < 0.05 else village.code.replace(".", "") if where < 0.1 else village.name
        )
        job = rng.choice(OUTSIDE_JOBS) if rng.random() < 0.05 else rng.choice(jobs)
        phone = f"08{rng.randrange(11, 99)}-{rng.randrange(10**7, 10**8)}" if rng.random() < 0.7 else ""
        rt_rw = f"RT {rng.randrange(1, 12):03d}/RW {rng.randrange(1, 9):03d}"
        street = f"{rng.choice(STREETS)} No. {rng.randrange(1, 200)} {rt_rw}"
        yield [
            number,
            nik,
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"PEKALONGAN, {born:%d-%m-%Y}",
            "P" if female else "L",
            f"{26_000_000_000 + number:011d}",
            start,
            street,
            kelurahan,
            job,
            phone,
            "APBD Kota Pekalongan",
            year,
        ]


def write_csv(path: Path, rows: int, seed: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(HEADER)
        for row in participants(rows, seed):
            writer.writerow([f"{cell:%d-%m-%Y}" if isinstance(cell, date) else cell for cell in row])


def write_xlsx(path: Path, rows: int, seed: int) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Peserta")
    sheet.append(["DAFTAR PESERTA BATIK BERLIAN"])
    sheet.append(HEADER)
    for row in participants(rows, seed):
        sheet.append(row)
    book.save(path)


# ---- the command -------------------------------------------------------------------------------


def child_environment(data_dir: Path, database_url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
    return environment | {
        "JARING_DATA_DIR": str(data_dir),
        "JARING_SECRET_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
    }


def run_import(path: Path, environment: dict[str, str]) -> Sample:
    subprocess.run([str(JARING), "db", "upgrade"], env=environment, check=True, capture_output=True)  # not timed
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(JARING), "import", "participants", str(path)], env=environment, stdout=out, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        printed = out.read()
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise RuntimeError(
                f"import exited with {os.waitstatus_to_exitcode(status)}: {printed[-2000:]}{errors.read()[-2000:]}"
            )
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, cpu, usage.ru_maxrss / 1024, printed.splitlines()[0])  # ru_maxrss: kilobytes on Linux


async def postgres_reachable(url: str) -> bool:
    try:
        async with scratch_postgres(url):
            return True
    except (OSError, RuntimeError) as exc:
        print(f"PostgreSQL at {url} not reachable ({type(exc).__name__}): skipped")
        return False
    except Exception as exc:  # any driver error means: not reachable, skip it
        print(f"PostgreSQL at {url} not usable ({type(exc).__name__}: {exc}): skipped")
        return False


def measure(path: Path, database: str, postgres_url: str) -> Sample:
    with tempfile.TemporaryDirectory(prefix="jaring-import-") as folder:
        if database == "sqlite":
            return run_import(path, child_environment(Path(folder), f"sqlite+aiosqlite:///{folder}/jaring.db"))

        async def on_postgres() -> Sample:
            async with scratch_postgres(postgres_url) as url:
                return await asyncio.to_thread(run_import, path, child_environment(Path(folder), url))

        return asyncio.run(on_postgres())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.participant_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000, help="participants in the list (default 30 000)")
    parser.add_argument("--formats", nargs="+", choices=["xlsx", "csv"], default=["xlsx", "csv"])
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"default {POSTGRES_URL}")
    parser.add_argument("--repeat", type=int, default=1, help="runs per format and database (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    databases = list(args.databases)
    if "postgresql" in databases and not asyncio.run(postgres_reachable(args.postgres_url)):
        databases.remove("postgresql")
    with tempfile.TemporaryDirectory(prefix="jaring-list-") as folder:
        files = {}
        for kind in args.formats:
            path = Path(folder) / f"peserta.{kind}"
            started = time.perf_counter()
            (write_xlsx if kind == "xlsx" else write_csv)(path, args.rows, args.seed)
            files[kind] = path
            size = path.stat().st_size / 1024 / 1024
            print(f"{path.name}: {args.rows} rows, {size:.1f} MB, written in {time.perf_counter() - started:.1f} s")
        print(f"{'format':6} {'database':10} {'seconds':>8} {'CPU s':>6} {'peak RSS':>9}  first line printed")
        for database in databases:
            for kind, path in files.items():
                for _ in range(args.repeat):
                    sample = measure(path, database, args.postgres_url)
                    print(
                        f"{kind:6} {database:10} {sample.seconds:8.1f} {sample.cpu_seconds:6.1f} "
                        f"{sample.peak_mb:6.0f} MB  {sample.first_line}"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
