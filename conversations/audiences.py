"""Who an announcement goes to, and how that reads to the admin who picks it.

An audience is a kind and, for some kinds, a value: everyone who has talked to the bot; the workers
whose registration has a status; those registered in a kecamatan or a kelurahan (by the KTP address
of their registration); those registered with a job type; the RT/RW leaders; and where the programme file
switches sponsors on, the sponsors ("sponsors": every sponsor not stopped, whether or not a worker is
funded yet — one who signed up and has still to pick a worker is exactly whom a campaign wants to reach)
and the sponsors with a month to pay ("sponsors_due": an active sponsorship with a month due or missed
and not said paid, by conversations.sponsorship's rules, as of the day the announcement goes out). Which
contacts that is exactly is the store's business (db/repositories/broadcasts.py); this module only names
and checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from conversations.messages import Msg, msg
from conversations.numbers import count_text
from conversations.programme import Programme
from conversations.regions import Region
from conversations.sponsorship import add_months, first_of_month, period_state

__all__ = [
    "AUDIENCE_KINDS",
    "AUDIENCE_STATUSES",
    "REGISTRATION_KINDS",
    "SPONSOR_KINDS",
    "Audience",
    "audience_kinds",
    "audience_label",
    "audience_problem",
    "count_text",
    "sponsor_months_due_by",
    "status_label",
]

AUDIENCE_KINDS = ("everyone", "status", "kecamatan", "kelurahan", "job", "leaders", "sponsors", "sponsors_due")
# Audiences of sponsors: offered only where the programme file has a [sponsors] section.
SPONSOR_KINDS = frozenset({"sponsors", "sponsors_due"})
# Audiences read from registrations: the preview says how many of them have nobody in the chat
# (a neighbour an RT/RW leader registered, who never wrote to the bot).
REGISTRATION_KINDS = frozenset({"status", "kecamatan", "kelurahan", "job"})
# The statuses an announcement can be addressed by, in the order a registration moves through them.
AUDIENCE_STATUSES = ("submitted", "returned", "verified", "approved", "waiting_list", "active", "rejected")

_STATUS_LABELS: Mapping[str, Msg] = {
    "submitted": msg("broadcast.status_submitted"),
    "returned": msg("broadcast.status_returned"),
    "verified": msg("broadcast.status_verified"),
    "approved": msg("broadcast.status_approved"),
    "waiting_list": msg("broadcast.status_waiting_list"),
    "active": msg("broadcast.status_active"),
    "rejected": msg("broadcast.status_rejected"),
}


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str
    value: str = ""  # a status id, a kecamatan or kelurahan code, a job type id; "" for the others

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}

    @staticmethod
    def from_json(data: Mapping[str, object]) -> Audience:
        return Audience(str(data.get("kind", "")), str(data.get("value", "") or ""))

    @property
    def from_registrations(self) -> bool:
        return self.kind in REGISTRATION_KINDS


def audience_kinds(programme: Programme) -> tuple[str, ...]:
    """The kinds this programme offers: the sponsors' only where its file switches sponsors on."""
    if programme.sponsors is not None:
        return AUDIENCE_KINDS
    return tuple(kind for kind in AUDIENCE_KINDS if kind not in SPONSOR_KINDS)


def sponsor_months_due_by(programme: Programme, now: datetime) -> date | None:
    """The newest month whose premium is due by today (its due day has come), in the programme's time zone:
    a sponsor with an unpaid month up to this one is in "sponsors_due". None without sponsors."""
    rules = programme.sponsors
    if rules is None:
        return None
    today = programme.local_date(now)
    this_month = first_of_month(today)
    if period_state(rules, this_month, False, today) != "upcoming":
        return this_month
    return add_months(this_month, -1)


def audience_problem(audience: Audience, programme: Programme, region: Region | None) -> str | None:
    """Why this audience cannot be used (for logs and the command line), or None when it can."""
    kind, value = audience.kind, audience.value
    if kind not in AUDIENCE_KINDS:
        return f"unknown audience {kind!r}; one of {', '.join(AUDIENCE_KINDS)}"
    if kind in SPONSOR_KINDS and programme.sponsors is None:
        return f"the programme {programme.id!r} has no sponsors (no [sponsors] in its file)"
    if kind in ("everyone", "leaders", *SPONSOR_KINDS):
        return None if not value else f"the audience {kind!r} takes no value"
    if kind == "status" and value not in AUDIENCE_STATUSES:
        return f"unknown status {value!r}; one of {', '.join(AUDIENCE_STATUSES)}"
    if kind == "job" and value not in {j.id for j in programme.job_types}:
        return f"unknown job type {value!r}; one of {', '.join(j.id for j in programme.job_types)}"
    if kind in ("kecamatan", "kelurahan") and not _in_region(kind, value, programme, region):
        return f"no {kind} {value!r} in the programme's region"
    return None


def _in_region(kind: str, code: str, programme: Programme, region: Region | None) -> bool:
    """Without the region's list at hand, a code of the right shape under the programme's region."""
    if region is not None:
        places = region.kecamatan if kind == "kecamatan" else region.all_kelurahan
        return code in {place.code for place in places}
    depth = 1 if kind == "kecamatan" else 2
    rest = code.removeprefix(programme.region_code + ".").split(".")
    return code.startswith(programme.region_code + ".") and len(rest) == depth and all(p.isdigit() for p in rest)


def status_label(status: str) -> Msg:
    return _STATUS_LABELS.get(status, msg("broadcast.status_submitted"))


def audience_label(audience: Audience, programme: Programme, region: Region | None) -> Msg:
    """ "semua yang pernah chat dengan bot", "warga terdaftar di Kelurahan Medono", …"""
    match audience.kind:
        case "status":
            return msg("broadcast.audience_status_named", status=status_label(audience.value))
        case "kecamatan":
            found = next((k for k in (region.kecamatan if region else ()) if k.code == audience.value), None)
            return msg("broadcast.audience_kecamatan_named", name=found.name if found else audience.value)
        case "kelurahan":
            place = next((k for k in (region.all_kelurahan if region else ()) if k.code == audience.value), None)
            return msg("broadcast.audience_kelurahan_named", name=place.name if place else audience.value)
        case "job":
            job = next((j for j in programme.job_types if j.id == audience.value), None)
            return msg("broadcast.audience_job_named", name=job.name if job else audience.value)
        case "leaders":
            return msg("broadcast.audience_leaders")
        case "sponsors":
            return msg("broadcast.audience_sponsors")
        case "sponsors_due":
            return msg("broadcast.audience_sponsors_due")
        case _:
            return msg("broadcast.audience_everyone")
