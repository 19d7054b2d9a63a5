"""The programme's region from Kemendagri codes (`PP.KK.CC.XXXX`): its kecamatan and kelurahan/desa.

Parsed from the text of `wilayah.csv` (`kode,nama`); reading the file is the caller's business."""

from __future__ import annotations

import csv
from dataclasses import dataclass

__all__ = ["Kecamatan", "Kelurahan", "Region", "RegionError", "parse_region"]


class RegionError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Kelurahan:
    code: str  # e.g. 33.75.01.1001
    name: str

    @property
    def is_kelurahan(self) -> bool:
        """Kelurahan codes start with 1 in the last part, desa codes with 2."""
        return self.code.rsplit(".", 1)[-1].startswith("1")


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str
    name: str
    kelurahan: tuple[Kelurahan, ...]


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    kecamatan: tuple[Kecamatan, ...]

    @property
    def all_kelurahan(self) -> tuple[Kelurahan, ...]:
        return tuple(k for kecamatan in self.kecamatan for k in kecamatan.kelurahan)

    def kecamatan_of(self, kelurahan_code: str) -> Kecamatan | None:
        prefix = kelurahan_code.rsplit(".", 1)[0]
        return next((k for k in self.kecamatan if k.code == prefix), None)


def parse_region(csv_text: str, code: str) -> Region:
    """The region with this kabupaten/kota code (e.g. "33.75"), with everything under it."""
    prefix = code + "."
    name: str | None = None
    kecamatan: dict[str, str] = {}
    villages: dict[str, list[Kelurahan]] = {}
    # Only the region's own lines are parsed: the file lists all of Indonesia (about 90 000 lines).
    lines = [line for line in csv_text.splitlines() if line.startswith(code)]
    for row in csv.reader(lines):
        if len(row) != 2:
            continue
        row_code, row_name = row[0].strip(), row[1].strip()
        if row_code == code:
            name = row_name
        elif row_code.startswith(prefix):
            depth = row_code.count(".")
            if depth == 2:
                kecamatan[row_code] = row_name
            elif depth == 3:
                villages.setdefault(row_code.rsplit(".", 1)[0], []).append(Kelurahan(row_code, row_name))
    if name is None:
        raise RegionError(f"region code {code} is not in the Kemendagri list")
    if not kecamatan:
        raise RegionError(f"region {code} ({name}) has no kecamatan in the Kemendagri list")
    return Region(
        code=code,
        name=name,
        kecamatan=tuple(
            Kecamatan(k_code, k_name, tuple(sorted(villages.get(k_code, []), key=lambda v: v.code)))
            for k_code, k_name in sorted(kecamatan.items())
        ),
    )
