"""What correcting one field of a registration does, by the field and the registration's status: the
rule the correction flow tells the person before saving and the desk applies (issue 14).

- Only what BPJS TK or the kelurahan's verifier depends on — NIK, name, birth date, kelurahan — sends a
  registration back to the kelurahan to verify. RT, RW, street, job, phone and the priority answers
  (breadwinner, poverty register) change without a new verification: RT and RW are address detail
  inside the same kelurahan, not part of the identity BPJS TK matches on, and the kelurahan already
  checked that the person lives there.
- A registration the kelurahan returned for a fix goes back to it whatever was fixed: it is waiting for
  that fix.
- An approved registration sent back keeps its quota place meanwhile (`holds_place`); verified again,
  it is approved again (`status_after_verification`); rejected, the place is freed.
- An active participant stays active: their protection does not stop for a typo.
- Once approved (it may be in BPJS TK's enrolment list already) or active, a change of anything BPJS TK
  receives is told to the Dinas admins, to pass on to BPJS TK.
- The same value again (a name differing only in case: names are kept as on the KTP) changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.flow_data import FlowData
from conversations.names import ktp_name
from conversations.state import Json

__all__ = [
    "CORRECTABLE_FIELDS",
    "PLACE_HOLDING_STATUSES",
    "RECHECKED_FIELDS",
    "SENT_TO_BPJS_FIELDS",
    "CorrectionPlan",
    "correction_plan",
    "holds_place",
    "status_after_verification",
    "stored_form",
]

RECHECKED_FIELDS = frozenset({"nik", "full_name", "birth_date", "kelurahan_code"})
# What BPJS TK's collective-registration list holds (bot/desks/export.py COLUMNS).
SENT_TO_BPJS_FIELDS = frozenset(
    {"nik", "full_name", "birth_date", "kelurahan_code", "rt", "rw", "street", "job_type", "phone"}
)
CORRECTABLE_FIELDS = SENT_TO_BPJS_FIELDS | {"breadwinner", "poverty_register"}

# A registration approved against a year's quota (`quota_year`) holds a place of it while approved or
# active, and while it is checked again after a correction (corrected, or returned for a fix). The
# correction desk clears `quota_year` when it sends back one that holds no place (a rejected one), so
# a year on a corrected or returned registration always means a place kept.
# With a quota year: a place of that year. "verified" has one only when an approved registration was
# corrected, verified again and held for the admin by a flag: it keeps its place while it waits.
PLACE_HOLDING_STATUSES = ("approved", "active", "corrected", "returned", "verified")
_ONCE_APPROVED = ("approved", "active")
_RECHECK_STATUS = "corrected"


def holds_place(status: str, quota_year: int | None) -> bool:
    return quota_year is not None and status in PLACE_HOLDING_STATUSES


def status_after_verification(status: str, quota_year: int | None) -> str:
    """The kelurahan verified it again: approved again if it kept its place, else verified (and the
    Dinas's approval gives it a place in priority order)."""
    return "approved" if holds_place(status, quota_year) else "verified"


@dataclass(frozen=True, slots=True)
class CorrectionPlan(FlowData):
    """What saving a correction will do; told to the person before they confirm, then held to by the
    desk (a status changed meanwhile gives another plan, asked again)."""

    field: str = ""
    status_before: str = ""
    status_after: str = ""
    unchanged: bool = False  # the same value as stored: nothing to save
    rechecked: bool = False  # (back) to the kelurahan to verify
    keeps_place: bool = False  # sent back, it keeps its quota place meanwhile
    dinas_told: bool = False  # the Dinas admins get the change, to pass on to BPJS TK
    # The flags (registration_flags.Flag ids) the change adds: programme rules the kelurahan decides that
    # the registration breaks once changed, judged on `judged_on`, its day of registration (the desk's).
    flags_added: tuple[str, ...] = ()
    judged_on: date | None = None


def stored_form(field: str, value: Json) -> Json:
    """A value as the store keeps it, so that a stored value and a typed one compare: a name in
    capitals, a date as ISO text, yes/no as a boolean, anything else as text (None when empty)."""
    if field == "full_name":
        return ktp_name(str(value)) if value else None
    if field == "birth_date":
        return date.fromisoformat(str(value)).isoformat() if value else None
    if field == "breadwinner":
        return value is True
    return None if value is None or value == "" else str(value)


def correction_plan(field: str, status: str, quota_year: int | None, *, current: Json, new: Json) -> CorrectionPlan:
    """The plan for changing `field` from `current` to `new` (both compared in `stored_form`) on a
    registration with `status`, approved against `quota_year` (None: it never held a place)."""
    if stored_form(field, current) == stored_form(field, new):
        return CorrectionPlan(field, status, status, unchanged=True)
    held = holds_place(status, quota_year)
    rechecked = status != "active" and (field in RECHECKED_FIELDS or status == "returned")
    return CorrectionPlan(
        field,
        status,
        _RECHECK_STATUS if rechecked else status,
        rechecked=rechecked,
        keeps_place=rechecked and held,
        dinas_told=field in SENT_TO_BPJS_FIELDS and (status in _ONCE_APPROVED or held),
    )
