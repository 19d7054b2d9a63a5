"""The cells every list about BPJS TK enrolment holds — NIK, KPJ number, start date (TMT) — read and
checked the same way by both imports. A wrong cell gives a `Bad`: what is printed after "baris N: ",
in the command's language; a NIK is never part of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.desks.spreadsheets import Cell, cell_date, cell_digits, cell_text, is_number_cell
from conversations.messages import Msg, msg
from conversations.nik import Nik, NikProblem, mask_niks, parse_nik

__all__ = [
    "EARLIEST_START",
    "KPJ_DIGITS",
    "LATEST_START_AHEAD",
    "Bad",
    "SeenInFile",
    "read_kpj",
    "read_nik",
    "read_start",
    "with_number_cell_hint",
    "written",
]

KPJ_DIGITS = 11
NIK_DIGITS = 16
# BPJS Ketenagakerjaan has run JKK and JKM since 1 July 2015: an earlier start is a typing mistake.
EARLIEST_START = date(2015, 7, 1)
LATEST_START_AHEAD = timedelta(days=366)
_WRITTEN_CHARS = 20
_NIK_PROBLEMS = {
    NikProblem.UNKNOWN_PROVINCE: "cli.kpj.nik_unknown_province",
    NikProblem.BAD_DAY: "cli.kpj.nik_bad_day",
    NikProblem.BAD_MONTH: "cli.kpj.nik_bad_month",
    NikProblem.IMPOSSIBLE_DATE: "cli.kpj.nik_impossible_date",
    NikProblem.SERIAL_ZERO: "cli.kpj.nik_serial_zero",
    NikProblem.IN_THE_FUTURE: "cli.kpj.nik_in_the_future",
}


@dataclass(frozen=True, slots=True)
class Bad:
    """What is wrong with one value, as it is printed after "baris N: "."""

    text: Msg


@dataclass(slots=True)
class SeenInFile:
    """The line each NIK and KPJ number first stood on: the same one again further down is a problem."""

    _niks: dict[str, int] = field(default_factory=dict)
    _kpjs: dict[str, int] = field(default_factory=dict)

    def twice(self, line: int, nik: Nik | Bad, kpj: str | Bad) -> list[Msg]:
        said: list[Msg] = []
        if isinstance(nik, Nik):
            first = self._niks.setdefault(nik.digits, line)
            if first != line:
                said.append(msg("cli.kpj.nik_twice", line=first))
        if isinstance(kpj, str):
            first = self._kpjs.setdefault(kpj, line)
            if first != line:
                said.append(msg("cli.kpj.kpj_twice", line=first))
        return said


def written(value: Cell) -> str:
    """A cell as it may be quoted back in a problem: short, and a NIK in it masked (a NIK typed into the
    wrong column is still never printed)."""
    return mask_niks(cell_text(value))[:_WRITTEN_CHARS]


def with_number_cell_hint(problem: Msg, number_cell: bool) -> Msg:
    return msg("cli.kpj.number_cell", problem=problem) if number_cell else problem


def read_nik(value: Cell, today: date) -> Nik | Bad:
    digits = cell_digits(value)
    if not digits:
        return Bad(msg("cli.kpj.nik_empty"))
    if not (digits.isascii() and digits.isdigit()) or len(digits) != NIK_DIGITS:
        return Bad(msg("cli.kpj.nik_length", digits=NIK_DIGITS, written=len(digits)))
    parsed = parse_nik(digits, today)
    if isinstance(parsed, Nik):
        return parsed
    return Bad(with_number_cell_hint(msg(_NIK_PROBLEMS.get(parsed, "cli.kpj.nik_invalid")), is_number_cell(value)))


def read_kpj(value: Cell) -> str | Bad:
    digits = cell_digits(value)
    if not digits:
        return Bad(msg("cli.kpj.kpj_empty"))
    if not (digits.isascii() and digits.isdigit()) or len(digits) != KPJ_DIGITS:
        return Bad(msg("cli.kpj.kpj_length", digits=KPJ_DIGITS, written=written(value)))
    return digits


def read_start(value: Cell, today: date) -> date | Bad:
    """BPJS TK's start date: from 1 July 2015 to a year from today."""
    found = cell_date(value)
    if found is None:
        text = cell_text(value)
        if not text:
            return Bad(msg("cli.kpj.start_empty"))
        return Bad(msg("cli.kpj.start_unreadable", written=written(value)))
    latest = today + LATEST_START_AHEAD
    if not EARLIEST_START <= found <= latest:
        return Bad(
            msg(
                "cli.kpj.start_out_of_range",
                date=f"{found:%d-%m-%Y}",
                earliest=f"{EARLIEST_START:%d-%m-%Y}",
                latest=f"{latest:%d-%m-%Y}",
            )
        )
    return found
