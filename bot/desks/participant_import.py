"""`jaring import participants FILE`: the participants a Pemda already has, from the list the Dinas or
BPJS TK keeps (xlsx or csv; the file is read by bot/desks/spreadsheets.py). Each row becomes an active
participant with BPJS TK's KPJ and start date, its NIK encrypted with the keyed hash beside it, counted
in its budget year's quota, and held under the Pemda's public task (the programme file's
`[privacy] legal_basis`, UU 27/2022 Pasal 20(2)e: no consent is asked).

Every row is checked first, on its own, against the other rows and against the store; any problem and
nothing is written: each problem is said with its line, in the command's language. Checked: the NIK
(valid, not from a number cell, its birth date and sex agreeing with the birth date and sex columns),
the name (the registration form's rule), the KPJ (11 digits), no NIK or KPJ twice in the file nor
already stored (the NIK by its keyed hash, nothing decrypted), the kelurahan (by name, with typos and
pre-merger names as the registration flow takes them, or by Kemendagri code; else found in the
address), the dates (a birth date giving a plausible age, BPJS TK's start date as `jaring import kpj`
takes it and not before the worker's 15th birthday, a budget year of this year or next year), the job
(matched to the programme's job types, else kept in the list's words as "lainnya", as registration
keeps work outside the list), the phone (as registration normalises it). The quota lock is taken before
the checks against the store, so a second import at once waits and then finds the first's rows.

A year whose places are fewer than those used after the import is not refused (they are participants
already): the outcome says so, for the Dinas to raise the quota. No NIK is printed, not even in a
problem; the audit entry holds counts only."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.enrolment_cells import (
    Bad,
    SeenInFile,
    read_kpj,
    read_nik,
    read_start,
    with_number_cell_hint,
    written,
)
from bot.desks.spreadsheets import (
    HEADER_SEARCH_ROWS,
    Cell,
    Problem,
    Row,
    UnreadableFile,
    cell_date,
    cell_digits,
    cell_text,
    find_header,
    is_number_cell,
    parse_day,
)
from conversations.dates import age_on, parse_date
from conversations.flows.fields import normalise_phone
from conversations.flows.figures import STATUS_LABELS
from conversations.flows.jobs import OTHER_JOB
from conversations.matching import best_matches
from conversations.messages import Msg, msg
from conversations.names import NAME_MOST, ktp_name, looks_like_a_name
from conversations.nik import Nik, problems_with_birth_date
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.export import YearEffect
from conversations.text import clean_text, fold_lines, normalise
from db.personal_data import PersonalDataCipher
from db.repositories import audit, enrolment, quotas
from db.repositories.participants import ImportedParticipant, add_imported

__all__ = [
    "ParticipantImportOutcome",
    "ParticipantRow",
    "YearEffect",
    "budget_year_problem",
    "import_participants",
    "parse_participant_table",
]

# A birth date giving an age outside this, today, is a typing mistake (a start date in the birth date
# column, a year mistyped), not a participant.
_YOUNGEST, _OLDEST = 15, 100
_JOB_CHARS = 100  # registrations.job_text
_STREET_CHARS = 200  # registrations.street
_FUNDER_CHARS = 100  # registrations.funder
# The registration form's rule for a name (conversations/flows/fields.py): letters, with spaces, dots,
# commas, apostrophes and hyphens between them; "H. MOCH. SOLEH", "SITI AMINAH, S.Pd".
_HEADER_WORDS = re.compile(r"[^\W_]+")
_KELURAHAN_CODE = re.compile(r"^[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}$")
_PLACE_WORD = re.compile(r"^(?:kelurahan|kel|desa|ds)\b\.?\s*", re.IGNORECASE)
# "Jl. Sampangan 3, Kel. Medono, Kec. Pekalongan Barat": the words after the marker, up to a comma or
# the next part of the address.
_PLACE_IN_ADDRESS = re.compile(
    r"\b(?:kelurahan|kel|desa|ds)\b\.?\s*(?P<name>[^,;()]+?)\s*(?=[,;()]|\bkec\b|\bkecamatan\b|\bkota\b|\bkab\b|$)",
    re.IGNORECASE,
)
_RT_RW_IN_ADDRESS = re.compile(
    r"\brt\s*\.?\s*0*(?P<rt>\d{1,3})\s*(?:/\s*(?:rw\s*\.?\s*)?|,?\s*rw\s*\.?\s*)0*(?P<rw>\d{1,3})\b", re.IGNORECASE
)
_RT_RW_CELL = re.compile(r"^(?:rt\s*\.?\s*)?0*(\d{1,3})\s*(?:/\s*(?:rw\s*\.?\s*)?|\s+rw\s*\.?\s*)0*(\d{1,3})$")
_ONE_NUMBER = re.compile(r"^(?:rt|rw)?\s*\.?\s*0*(\d{1,3})$")
_NUMERIC_DATE = re.compile(r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}")
_YEAR_CELL = re.compile(r"^(?:ta|t\.a|tahun|tahun anggaran|thn)?\s*\.?\s*(\d{4})$")
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")  # the "(1) (2) (3)" row some templates put under the header
_WOMEN = {"p", "pr", "perempuan", "wanita", "female", "f", "w"}
_MEN = {"l", "lk", "laki", "laki-laki", "laki laki", "lelaki", "pria", "male", "m"}
_NOT_NAMES = {"ibu", "kandung", "ayah", "waris", "ahli", "pemberi", "perusahaan", "usaha", "jalan", "kecamatan"}
_PHONE_WORDS = {"hp", "telepon", "telp", "tlp", "telpon", "wa", "whatsapp", "handphone", "ponsel", "hape"}
_FUNDER_WORDS = {"dana", "pendana", "donatur", "penanggung", "sponsor", "penyandang"}
_NIK_WORDS = {"no", "nomor", "ktp", "e", "peserta"}  # "No KTP", "Nomor e-KTP", "No. KTP Peserta"
_NIK_IN_FULL = {"induk", "kependudukan"}  # "Nomor Induk Kependudukan"
_STARTED = {"kepesertaan", "aktif", "peserta", "awal", "terdaftar"}

# The columns a file must have, each with the header it is told to add when it is missing.
_REQUIRED = ("nik", "name", "birth", "kpj", "start")
_COLUMN_NAMES = {
    "nik": "imports.column.nik",
    "name": "imports.column.name",
    "birth": "imports.column.birth",
    "kpj": "imports.column.kpj",
    "start": "imports.column.start",
    "place": "imports.column.place",
}


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One row of the list, checked."""

    line: int
    nik: Nik
    full_name: str
    birth_date: date
    kelurahan_code: str
    kpj: str
    start: date
    budget_year: int
    job_type: str
    job_text: str | None = None
    street: str | None = None
    rt: str | None = None
    rw: str | None = None
    phone: str | None = None
    funder: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantImportOutcome:
    imported: int = 0
    years: tuple[YearEffect, ...] = ()
    kelurahan: int = 0  # how many kelurahan the participants live in
    jobs_outside_list: int = 0  # kept as "lainnya" with the list's words
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    # Every row's NIK is stored already: the file was most likely imported before.
    imported_before: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.problems)


# ---- the columns -------------------------------------------------------------------------------


# What a header names, tried in this order on its words: the first that fits decides.
_HEADERS: tuple[tuple[str | None, Callable[[set[str]], bool]], ...] = (
    ("address", lambda said: "alamat" in said),
    ("kelurahan", lambda said: bool(said & {"kelurahan", "kel", "desa"})),
    (None, lambda said: bool(said & {"kecamatan", "kec", "kabupaten", "kab", "provinsi"})),
    ("kpj", lambda said: "kpj" in said or said - {"kartu"} in ({"no", "peserta"}, {"nomor", "peserta"})),
    ("kpj", lambda said: said in ({"no", "kartu"}, {"nomor", "kartu"})),
    # "Tempat Lahir" alone holds a place; "Tempat, Tgl Lahir" a place and the date: the date is read.
    (None, lambda said: said == {"tempat", "lahir"}),
    ("birth", lambda said: "ttl" in said or "lahir" in said),
    ("start", lambda said: bool(said & {"tmt", "start", "mulai", "sejak", "efektif"}) or said == {"kepesertaan"}),
    ("start", lambda said: bool(said & {"tgl", "tanggal", "date"} and said & _STARTED)),
    ("name", lambda said: "nama" in said and not said & _NOT_NAMES),
    # After the name and birth date: "Nama Sesuai KTP" and "Tanggal Lahir sesuai KTP" are not the NIK.
    ("nik", lambda said: "nik" in said or ("ktp" in said and said <= _NIK_WORDS) or said >= _NIK_IN_FULL),
    ("job", lambda said: bool(said & {"pekerjaan", "profesi"}) or said == {"kerja"}),
    ("phone", lambda said: bool(said & _PHONE_WORDS)),
    ("funder", lambda said: bool(said & _FUNDER_WORDS)),
    ("year", lambda said: "anggaran" in said or said in ({"tahun"}, {"ta"}, {"thn"}, {"th"})),
    ("sex", lambda said: bool(said & {"kelamin", "jk", "sex", "gender"}) or said == {"l", "p"}),
    ("rt_rw", lambda said: said == {"rt", "rw"}),
    ("rt", lambda said: said == {"rt"}),
    ("rw", lambda said: said == {"rw"}),
)


def column_kind(header: Cell) -> str | None:
    """What a header names, matched loosely in Indonesian ("No. KPJ", "Tempat, Tgl Lahir", "Kel/Desa")."""
    said = set(_HEADER_WORDS.findall(unicodedata.normalize("NFKC", cell_text(header)).casefold()))
    if not said:
        return None
    return next((kind for kind, fits in _HEADERS if fits(said)), None)


def _enough(columns: dict[str, int]) -> bool:
    return "nik" in columns and len(columns) >= 3


def _missing_columns(columns: dict[str, int], year: int | None) -> list[Msg]:
    missing = [msg("imports.no_column", column=msg(_COLUMN_NAMES[kind])) for kind in _REQUIRED if kind not in columns]
    if not {"kelurahan", "address"} & columns.keys():
        missing.append(msg("imports.no_column", column=msg(_COLUMN_NAMES["place"])))
    if "year" not in columns and year is None:
        missing.append(msg("imports.no_year_column"))
    return missing


# ---- the rows ----------------------------------------------------------------------------------


class _RowReader:
    """Reads one row after another; the kelurahan and job of a text are looked up once (a list of 30 000
    names a few dozen kelurahan and jobs)."""

    def __init__(self, programme: Programme, region: Region, today: date, year: int | None) -> None:
        self.programme = programme
        self.region = region
        self.today = today
        self.year = year
        self.codes = {k.code for k in region.all_kelurahan}
        self.names = [(k.code, k.name) for k in region.all_kelurahan] + [
            (f.kelurahan_code, f.name) for f in programme.former_names
        ]
        self.whole_names = [(code, f" {normalise(name)} ") for code, name in self.names]
        self.jobs = [(j.id, name) for j in programme.job_types for name in (j.name, *j.synonyms)]
        self._places: dict[str, str | Bad] = {}
        self._addresses: dict[str, str | Bad] = {}
        self._jobs: dict[str, str] = {}

    def row(
        self, line: int, cell: Callable[[str], Cell], nik: Nik | Bad, kpj: str | Bad, *, has_kelurahan: bool
    ) -> tuple[ParticipantRow | None, list[Msg]]:
        """The row checked (its NIK and KPJ read already), or None and what is wrong with it."""
        name = self.name(cell("name"))
        born = self.birth_date(cell("birth"), nik)
        start = read_start(cell("start"), self.today)
        budget_year = self.budget_year(cell("year"), start)
        address = _clean(cell("address"))
        place = self.kelurahan(cell("kelurahan")) if has_kelurahan else self.kelurahan_in_address(address)
        rt_rw = _rt_rw(cell, address)
        job = self.job(cell("job"))
        phone = self.phone(cell("phone"))
        funder = self.funder(cell("funder"))
        street = (
            Bad(msg("imports.too_long", what=msg("imports.column.address"), most=_STREET_CHARS))
            if len(address) > _STREET_CHARS
            else address or None
        )
        if isinstance(born, date) and isinstance(start, date) and age_on(born, start) < _YOUNGEST:
            start = Bad(msg("imports.start_before_working_age", date=f"{start:%d-%m-%Y}", least=_YOUNGEST))
        checked = (nik, name, born, self.sex(cell("sex"), nik), kpj, start, budget_year, place, street)
        said = [value.text for value in (*checked, rt_rw, job, phone, funder) if isinstance(value, Bad)]
        if (  # `said` decides; the type checks after it only narrow each value for the row below
            said
            or not isinstance(nik, Nik)
            or isinstance(name, Bad)
            or isinstance(born, Bad)
            or isinstance(kpj, Bad)
            or isinstance(start, Bad)
            or isinstance(budget_year, Bad)
            or isinstance(place, Bad)
            or isinstance(street, Bad)
            or isinstance(rt_rw, Bad)
            or isinstance(job, Bad)
            or isinstance(phone, Bad)
            or isinstance(funder, Bad)
        ):
            return None, said
        participant = ParticipantRow(
            line=line,
            nik=nik,
            full_name=name,
            birth_date=born,
            kelurahan_code=place,
            kpj=kpj,
            start=start,
            budget_year=budget_year,
            job_type=job[0],
            job_text=job[1],
            street=street,
            rt=rt_rw[0],
            rw=rt_rw[1],
            phone=phone,
            funder=funder,
        )
        return participant, said

    # -- identity --

    def name(self, value: Cell) -> str | Bad:
        said = _clean(value)
        if not said:
            return Bad(msg("imports.name_empty"))
        if not looks_like_a_name(said):
            return Bad(msg("imports.name_odd", written=written(said), most=NAME_MOST))
        return ktp_name(said)

    def birth_date(self, value: Cell, nik: Nik | Bad) -> date | Bad:
        found = cell_date(value)
        if found is None:
            text = cell_text(value)
            if not text:
                return Bad(msg("imports.birth_empty"))
            found = self._date_in(text)
            if found is None:
                return Bad(msg("imports.birth_unreadable", written=written(value)))
        if found > self.today:
            return Bad(msg("imports.birth_in_future", date=f"{found:%d-%m-%Y}"))
        age = age_on(found, self.today)
        if not _YOUNGEST <= age <= _OLDEST:
            return Bad(
                msg("imports.birth_implausible", date=f"{found:%d-%m-%Y}", age=age, least=_YOUNGEST, most=_OLDEST)
            )
        if isinstance(nik, Nik) and problems_with_birth_date(nik, found) is not None:
            return Bad(msg("imports.birth_differs", date=f"{found:%d-%m-%Y}", nik_date=f"{nik.birth_date:%d-%m-%Y}"))
        return found

    def _date_in(self, text: str) -> date | None:
        """The date in a birth date cell, alone or after the place ("PEKALONGAN, 15-05-1980")."""
        part = text.rsplit(",", 1)[-1].strip()
        found = parse_day(part) or parse_date(part, self.today)
        if found is None and (numeric := _NUMERIC_DATE.search(text)):
            found = parse_day(numeric.group()) or parse_date(numeric.group(), self.today)
        return found

    def sex(self, value: Cell, nik: Nik | Bad) -> Bad | None:
        said = normalise(cell_text(value))
        if not said or not isinstance(nik, Nik):
            return None
        if said not in _WOMEN | _MEN:
            return Bad(msg("imports.sex_unreadable", written=written(value)))
        if (said in _WOMEN) != nik.female:
            in_nik = msg("imports.sex_female") if nik.female else msg("imports.sex_male")
            return Bad(msg("imports.sex_differs", written=written(value), in_nik=in_nik))
        return None

    # -- where --

    def kelurahan(self, value: Cell) -> str | Bad:
        text = _clean(value)
        if not text:
            return Bad(msg("imports.kelurahan_empty"))
        if text not in self._places:
            self._places[text] = self._kelurahan_named(text)
        return self._places[text]

    def _kelurahan_named(self, text: str) -> str | Bad:
        if _KELURAHAN_CODE.match(text):
            digits = text.replace(".", "")
            code = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
            if code in self.codes:
                return code
            return Bad(msg("imports.kelurahan_code_unknown", code=code, region=self.region.name))
        name = _PLACE_WORD.sub("", text)
        sure, closest = best_matches(name, self.names)
        if sure is not None:
            return sure.id
        if closest:
            choices = " / ".join(f"{self._name_of(c.id)} ({c.id})" for c in closest)
            return Bad(msg("imports.kelurahan_unsure", written=written(text), choices=choices))
        return Bad(msg("imports.kelurahan_not_found", written=written(text), region=self.region.name))

    def _name_of(self, code: str) -> str:
        return next(name for known, name in self.names if known == code)

    def kelurahan_in_address(self, address: str) -> str | Bad:
        if not address:
            return Bad(msg("imports.address_empty"))
        if address not in self._addresses:
            self._addresses[address] = self._find_in_address(address)
        return self._addresses[address]

    def _find_in_address(self, address: str) -> str | Bad:
        marked = _PLACE_IN_ADDRESS.search(address)
        if marked is not None:
            return self._kelurahan_named(marked.group("name"))
        said = f" {normalise(address.replace(',', ' ').replace('.', ' '))} "
        found = sorted({code for code, name in self.whole_names if name in said})
        if len(found) == 1:
            return found[0]
        if found:
            choices = " / ".join(f"{self._name_of(code)} ({code})" for code in found)
            return Bad(msg("imports.address_several", choices=choices))
        return Bad(msg("imports.address_no_kelurahan"))

    # -- the rest --

    def job(self, value: Cell) -> tuple[str, str | None] | Bad:
        text = _clean(value)
        if not text:
            return OTHER_JOB, None
        if len(text) > _JOB_CHARS:
            return Bad(msg("imports.too_long", what=msg("imports.column.job"), most=_JOB_CHARS))
        if text not in self._jobs:
            sure, _ = best_matches(text, self.jobs)
            self._jobs[text] = sure.id if sure is not None else OTHER_JOB
        return self._jobs[text], text

    @staticmethod
    def phone(value: Cell) -> str | Bad | None:
        text = cell_text(value)
        if not text:
            return None
        if is_number_cell(value) and cell_digits(value).startswith("8"):
            text = "0" + cell_digits(value)  # a number cell drops the leading 0
        phone = normalise_phone(text)
        return phone if phone is not None else Bad(msg("imports.phone_unreadable", written=written(value)))

    @staticmethod
    def funder(value: Cell) -> str | Bad | None:
        text = _clean(value)
        if len(text) > _FUNDER_CHARS:
            return Bad(msg("imports.too_long", what=msg("imports.column.funder"), most=_FUNDER_CHARS))
        return text or None

    def budget_year(self, value: Cell | None, start: date | Bad) -> int | Bad:
        text = normalise(cell_text(value))
        if not text:
            if self.year is None:
                return Bad(msg("imports.year_empty"))
            year = self.year
        else:
            found = _YEAR_CELL.match(text)
            if found is None:
                return Bad(msg("imports.year_unreadable", written=written(value)))
            year = int(found.group(1))
        problem = budget_year_problem(year, self.today)
        if problem is not None:
            return Bad(problem)
        if isinstance(start, date) and start.year > year:
            return Bad(msg("imports.start_after_year", date=f"{start:%d-%m-%Y}", year=year))
        return year


def _clean(value: Cell) -> str:
    """A text cell as the chat's one door cleans typed text (no control or invisible characters, NFC), on
    one line with single spaces: what is stored is what the registration flow would have stored."""
    return fold_lines(clean_text(cell_text(value)))


def budget_year_problem(year: int, today: date) -> Msg | None:
    """This budget year or next year's, or what is wrong: a participant of a past year imported today
    would be active and counted as covered now, though nobody pays for them this year."""
    if year < today.year:
        return msg("imports.year_past", year=year, current=today.year)
    latest = today.year + 1
    if year <= latest:
        return None
    return msg("imports.year_out_of_range", year=year, earliest=today.year, latest=latest)


def _nik(value: Cell, today: date) -> Nik | Bad:
    """A NIK read from a number cell is refused even when it parses: Excel kept 15 digits and made the
    16th a 0, so it may be a valid NIK of someone else."""
    nik = read_nik(value, today)
    if isinstance(nik, Nik) and is_number_cell(value):
        return Bad(with_number_cell_hint(msg("imports.nik_number_cell"), number_cell=True))
    return nik


def _rt_rw(cells: Callable[[str], Cell], address: str) -> tuple[str | None, str | None] | Bad:
    """RT and RW from their columns ("3", "RT 003", "003/005"), else from the address ("RT 3/RW 5")."""
    together = cell_text(cells("rt_rw"))
    if together:
        both = _RT_RW_CELL.match(normalise(together))
        if both is None:
            return Bad(msg("imports.rt_rw_unreadable", written=written(together)))
        return _three(both.group(1)), _three(both.group(2))
    found: list[str | None] = []
    for kind in ("rt", "rw"):
        text = cell_text(cells(kind))
        one = _ONE_NUMBER.match(normalise(text)) if text else None
        if text and one is None:
            return Bad(msg("imports.rt_rw_unreadable", written=written(text)))
        found.append(_three(one.group(1)) if one else None)
    if found == [None, None] and (in_address := _RT_RW_IN_ADDRESS.search(address)):
        return _three(in_address.group("rt")), _three(in_address.group("rw"))
    return found[0], found[1]


def _three(number: str) -> str | None:
    value = int(number)
    return f"{value:03d}" if value else None


def _is_numbering(cells: list[Cell]) -> bool:
    texts = [cell_text(cell) for cell in cells if cell_text(cell)]
    return bool(texts) and all(_NUMBERING.match(text) for text in texts)


def parse_participant_table(
    rows: Sequence[Row], programme: Programme, region: Region, today: date, year: int | None
) -> tuple[list[ParticipantRow], list[Problem]]:
    """Every row read and checked on its own and against the others (no NIK or KPJ twice). `year`: the
    budget year of rows without one (`--year`)."""
    found = find_header(rows, column_kind, _enough)
    if found is None:
        raise UnreadableFile(msg("imports.no_header", rows=HEADER_SEARCH_ROWS))
    position, columns = found
    missing = _missing_columns(columns, year)
    if missing:
        return [], [Problem(rows[position][0], problem) for problem in missing]
    reader = _RowReader(programme, region, today, year)
    parsed: list[ParticipantRow] = []
    problems: list[Problem] = []
    seen = SeenInFile()
    data = rows[position + 1 :]
    if data and _is_numbering(data[0][1]):
        data = data[1:]
    for line, cells in data:

        def cell(kind: str, cells: list[Cell] = cells) -> Cell:
            index = columns.get(kind)
            return cells[index] if index is not None and index < len(cells) else None

        nik, kpj = _nik(cell("nik"), today), read_kpj(cell("kpj"))
        row, said = reader.row(line, cell, nik, kpj, has_kelurahan="kelurahan" in columns)
        said += seen.twice(line, nik, kpj)
        if said:
            problems.extend(Problem(line, text) for text in said)
        elif row is not None:
            parsed.append(row)
    if not parsed and not problems:
        problems.append(Problem(0, msg("cli.kpj.no_rows")))
    return parsed, problems


# ---- against the store, then all at once --------------------------------------------------------


async def import_participants(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    region: Region,
    rows: Sequence[Row],
    *,
    now: datetime,
    year: int | None = None,
    actor: str = "cli",
) -> ParticipantImportOutcome:
    """Check everything, then write everything or nothing. When the outcome is refused nothing was
    written; a dry run is the caller rolling the transaction back after a successful outcome."""
    legal_basis = programme.privacy.legal_basis
    if not legal_basis:
        raise ValueError("the programme file names no legal basis ([privacy] legal_basis): nothing may be imported")
    parsed, problems = parse_participant_table(rows, programme, region, programme.local_date(now), year)
    read_well = not problems
    # Before the checks against the store: a second import at once waits here, then finds the first's rows.
    await quotas.lock_quota(session)
    by_hash = {cipher.blind_index(row.nik.digits): row for row in parsed}
    stored = await enrolment.by_nik_hash(session, by_hash.keys())
    holders = await enrolment.by_kpj(session, [row.kpj for row in parsed])
    for nik_hash, row in by_hash.items():
        registration = stored.get(nik_hash)
        if registration is not None:
            status = STATUS_LABELS.get(registration.status)
            said = msg(status) if status else registration.status
            problems.append(Problem(row.line, msg("imports.nik_stored", id=registration.id, status=said)))
        holder = holders.get(row.kpj)
        if holder is not None and (registration is None or holder.id != registration.id):  # else said by its NIK
            problems.append(Problem(row.line, msg("cli.kpj.kpj_taken", kpj=row.kpj, id=holder.id)))
    if problems:
        return ParticipantImportOutcome(
            problems=tuple(sorted(problems, key=lambda p: p.line)),
            imported_before=read_well and len(stored) == len(by_hash),
        )
    return await _write(session, cipher, programme, by_hash, legal_basis=legal_basis, now=now, actor=actor)


async def _write(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    by_hash: dict[str, ParticipantRow],
    *,
    legal_basis: str,
    now: datetime,
    actor: str,
) -> ParticipantImportOutcome:
    # places are counted here as an approval counts them, under the lock taken before the checks
    years = sorted({row.budget_year for row in by_hash.values()})
    used_before = {y: await quotas.places_used(session, y) for y in years}
    participants = [_participant(cipher, nik_hash, row) for nik_hash, row in by_hash.items()]
    await add_imported(session, programme.id, participants, legal_basis=legal_basis, now=now)
    kinds = Counter((p.budget_year, p.kind) for p in participants)
    effects: list[YearEffect] = []
    for y in years:
        in_file = programme.quota_for(y)
        places = await quotas.effective_places(session, programme.id, y, in_file.places if in_file else None)
        effects.append(
            YearEffect(
                year=y,
                new=kinds[(y, "new")],
                continuing=kinds[(y, "continuing")],
                places=places,
                used_before=used_before[y],
                used_after=await quotas.places_used(session, y),
            )
        )
    await audit.record_audit(
        session,
        "participants.imported",
        now=now,
        subject=f"programme:{programme.id}"[:120],
        detail={
            "rows": str(len(participants)),
            "years": ",".join(f"{e.year}:{e.new + e.continuing}" for e in effects),
            "by": actor,
        },
    )
    return ParticipantImportOutcome(
        imported=len(participants),
        years=tuple(effects),
        kelurahan=len({p.kelurahan_code for p in participants}),
        jobs_outside_list=sum(1 for p in participants if p.job_type == OTHER_JOB and p.job_text),
    )


def _participant(cipher: PersonalDataCipher, nik_hash: str, row: ParticipantRow) -> ImportedParticipant:
    return ImportedParticipant(
        nik_cipher=cipher.encrypt(row.nik.digits),
        nik_hash=nik_hash,
        full_name=row.full_name,
        birth_date=row.birth_date,
        female=row.nik.female,
        kelurahan_code=row.kelurahan_code,
        kpj=row.kpj,
        coverage_start=row.start,
        budget_year=row.budget_year,
        job_type=row.job_type,
        job_text=row.job_text,
        street=row.street,
        rt=row.rt,
        rw=row.rw,
        phone=row.phone,
        funder=row.funder,
    )
