"""`jaring import kpj FILE`: BPJS TK's answer to the collective registration — NIK, KPJ number, start
date — read from xlsx or csv. Every row is checked first; any problem and the whole file is refused
with each problem by line ("baris 7: KPJ harus 11 angka (tertulis: 1234)", in the command's language:
each problem is a catalog message) and nothing changes.
Otherwise, in ONE transaction, each approved registration becomes active with its KPJ and start date
(the worker and their RT/RW leader are told), and a re-run is harmless: a registration already active
with the same KPJ is counted as such, not changed. A registration approved, exported and then corrected
(sent back to the kelurahan, still holding its quota place: corrections_policy.holds_place) was enrolled
by BPJS TK all the same: it becomes active too, and the summary names it, so the Dinas passes the
corrected data on to BPJS TK.

NIKs are matched through the keyed hash (`cipher.blind_index`), never by decrypting the registrations;
no NIK is printed, not even in a problem. The file is read by bot/desks/spreadsheets.py, its NIK, KPJ and
start date cells by bot/desks/enrolment_cells.py (shared with `jaring import participants`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.enrolment_cells import Bad, SeenInFile, read_kpj, read_nik, read_start, with_number_cell_hint
from bot.desks.spreadsheets import (
    HEADER_SEARCH_ROWS,
    Cell,
    Problem,
    Row,
    UnreadableFile,
    cell_text,
    find_header,
    is_number_cell,
)
from bot.desks.status_news import change_status
from conversations.corrections_policy import holds_place
from conversations.flows.figures import STATUS_LABELS
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.nik import Nik
from conversations.programme import Programme
from conversations.text import words
from db.models import Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, enrolment

__all__ = ["ImportOutcome", "KpjRow", "import_kpj", "parse_kpj_table"]


@dataclass(frozen=True, slots=True)
class KpjRow:
    line: int
    nik: str
    kpj: str
    start: date
    number_cell: bool = False  # the NIK came from a number cell: said after "not registered"


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    activated: int = 0
    already_active: int = 0
    # Of those activated, the ones that were being checked again after a correction (their numbers).
    corrected: tuple[int, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


# ---- the columns (the file is read by bot/desks/spreadsheets.py) --------------------------------


def _column_kind(header: Cell) -> str | None:
    said = set(words(cell_text(header).replace(".", " ").replace("_", " ")))
    if not said:
        return None
    if "kpj" in said or said in ({"no", "peserta"}, {"nomor", "peserta"}, {"no", "kartu"}, {"nomor", "kartu"}):
        return "kpj"
    if "nik" in said or "ktp" in said:
        return "nik"
    if said & {"tmt", "start", "mulai", "sejak", "efektif"}:
        return "start"
    if said & {"tgl", "tanggal", "date"} and said & {"kepesertaan", "aktif", "peserta", "awal", "terdaftar"}:
        return "start"
    if said == {"kepesertaan"}:
        return "start"
    return None


def _find_header(rows: Sequence[Row]) -> tuple[int, dict[str, int]]:
    """The header's position in `rows` and the column of NIK, KPJ and start date."""
    found = find_header(rows, _column_kind, lambda columns: {"nik", "kpj"} <= columns.keys())
    if found is None:
        raise UnreadableFile(msg("cli.kpj.no_header", rows=HEADER_SEARCH_ROWS))
    position, columns = found
    if "start" not in columns:
        line = rows[position][0]
        raise UnreadableFile(msg("cli.kpj.line", line=line, problem=msg("cli.kpj.no_start_column")))
    return position, columns


def parse_kpj_table(rows: Sequence[Row], today: date) -> tuple[list[KpjRow], list[Problem]]:
    """Every row read and checked on its own and against the others (no NIK or KPJ twice)."""
    position, columns = _find_header(rows)
    parsed: list[KpjRow] = []
    problems: list[Problem] = []
    seen = SeenInFile()
    for line, cells in rows[position + 1 :]:

        def cell(kind: str, cells: list[Cell] = cells) -> Cell:
            index = columns[kind]
            return cells[index] if index < len(cells) else None

        nik = read_nik(cell("nik"), today)
        kpj = read_kpj(cell("kpj"))
        start = read_start(cell("start"), today)
        found = [value.text for value in (nik, kpj, start) if isinstance(value, Bad)]
        found += seen.twice(line, nik, kpj)
        if found:
            problems.extend(Problem(line, text) for text in found)
        elif isinstance(nik, Nik) and isinstance(kpj, str) and isinstance(start, date):
            parsed.append(KpjRow(line, nik.digits, kpj, start, is_number_cell(cell("nik"))))
    if not parsed and not problems:
        problems.append(Problem(0, msg("cli.kpj.no_rows")))
    return parsed, problems


# ---- against the registrations, then all at once ------------------------------------------------


async def import_kpj(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    post: list[Letter],
    rows: Sequence[Row],
    *,
    now: datetime,
    actor: str = "cli",
) -> ImportOutcome:
    """Check everything, then activate everything or nothing. The caller's transaction is left
    untouched when the outcome is refused."""
    parsed, problems = parse_kpj_table(rows, programme.local_date(now))
    by_hash = {cipher.blind_index(row.nik): row for row in parsed}
    registrations = await enrolment.by_nik_hash(session, by_hash.keys())
    holders = await enrolment.by_kpj(session, [row.kpj for row in parsed])
    to_activate: list[tuple[Registration, KpjRow]] = []
    already = 0
    for nik_hash, row in by_hash.items():
        registration = registrations.get(nik_hash)
        problem = _problem_with(registration, row, holders.get(row.kpj), programme)
        if problem:
            problems.append(Problem(row.line, problem))
        elif registration is not None and registration.status == "active":
            already += 1
        elif registration is not None:
            to_activate.append((registration, row))
    if problems:
        return ImportOutcome(problems=tuple(sorted(problems, key=lambda p: p.line)))
    corrected = tuple(sorted(registration.id for registration, _ in to_activate if registration.status != "approved"))
    for registration, row in to_activate:
        await change_status(
            session,
            post,
            registration.id,
            "active",
            now=now,
            actor=f"kpj-import:{actor}",
            kpj=row.kpj,
            coverage_start=row.start,
            programme=programme,  # the news then says what they are protected against, with its figures
        )
    await audit.record_audit(
        session,
        "enrolment.kpj_imported",
        now=now,
        subject=f"programme:{programme.id}"[:120],
        detail={
            "activated": str(len(to_activate)),
            "already_active": str(already),
            "by": actor,
            **({"corrected": ",".join(map(str, corrected))} if corrected else {}),
        },
    )
    return ImportOutcome(activated=len(to_activate), already_active=already, corrected=corrected)


def _problem_with(
    registration: Registration | None,
    row: KpjRow,
    holder: Registration | None,
    programme: Programme,
) -> Msg | None:
    if registration is None or registration.programme_id != programme.id or registration.erased_at is not None:
        return with_number_cell_hint(msg("cli.kpj.not_registered", programme=programme.name), row.number_cell)
    if holder is not None and holder.id != registration.id:
        return msg("cli.kpj.kpj_taken", kpj=row.kpj, id=holder.id)
    if registration.status == "active":
        same = registration.kpj == row.kpj
        return None if same else msg("cli.kpj.active_other_kpj", id=registration.id)
    if registration.status != "approved" and not holds_place(registration.status, registration.quota_year):
        key = STATUS_LABELS.get(registration.status)
        return msg("cli.kpj.not_approved", id=registration.id, status=msg(key) if key else registration.status)
    return None
