"""The programme file: everything that varies by Pemda or by regulation, validated once at start-up.

Figures live here, never in code or in translation strings. `load_programme` takes the TOML text, so
the core stays free of file I/O; `bot` reads the file.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "Benefits",
    "ClaimDocument",
    "Claims",
    "Eligibility",
    "EligibilityRule",
    "JkkBenefits",
    "JkmBenefits",
    "JobType",
    "KelurahanDecides",
    "Office",
    "Premium",
    "PremiumDiscount",
    "Privacy",
    "Programme",
    "ProgrammeError",
    "Quota",
    "Renewal",
    "ScholarshipLevel",
    "SponsorKind",
    "SponsorOrganisation",
    "Sponsors",
    "base_of",
    "load_programme",
]

Rupiah = Annotated[int, Field(ge=0)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JobType(_Strict):
    id: Slug
    name: Annotated[str, Field(min_length=2)]
    synonyms: tuple[str, ...] = ()


# The programme's rules a person can break (conversations/programme_rules.py checks each).
EligibilityRule = Literal["age", "resident", "already_participant", "poverty_register"]
# Those a programme file may leave to the kelurahan. Residence is not among them: a registration
# belongs to a kelurahan of the region, and its verifier is that kelurahan's.
KelurahanDecides = Literal["age", "already_participant", "poverty_register"]


class Eligibility(_Strict):
    """What the eligibility check asks. A rule a programme does not have (no age band published, say)
    is left out, and the check does not ask about it.

    A registration that breaks a rule is refused, at the step where the fact arrives and again by the
    store, unless the rule is in `kelurahan_decides`: then it is submitted carrying a flag
    (conversations/registration_flags.py), the person is told that the kelurahan decides, and the
    verifier and the admin see the flag. Leave a rule to the kelurahan only where the programme's own
    published rules do."""

    min_age: Annotated[int, Field(ge=0, le=120)] | None = None
    max_age: Annotated[int, Field(ge=0, le=120)] | None = None
    resident_only: bool = True  # KTP of the city or regency (the KTP address decides, not the NIK)
    priority: tuple[Literal["breadwinner", "extremely_poor"], ...] = ()
    poverty_register_required: bool = False  # only households in the poverty register (DTSEN) qualify
    listed_jobs_only: bool = True  # work outside the list: the kelurahan decides, the bot does not refuse
    kelurahan_decides: tuple[KelurahanDecides, ...] = ()  # rules submitted with a flag instead of refused

    @model_validator(mode="after")
    def _band(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) is above max_age ({self.max_age})")
        return self

    @model_validator(mode="after")
    def _decided_rules_exist(self) -> Self:
        has_rule = {
            "age": self.min_age is not None or self.max_age is not None,
            "already_participant": True,
            "poverty_register": self.poverty_register_required,
        }
        missing = [rule for rule in self.kelurahan_decides if not has_rule[rule]]
        if missing:
            raise ValueError(f"kelurahan_decides names {', '.join(missing)}, which this programme does not have")
        return self

    @property
    def asks_breadwinner(self) -> bool:
        return "breadwinner" in self.priority

    @property
    def asks_poverty_register(self) -> bool:
        return self.poverty_register_required or "extremely_poor" in self.priority


class PremiumDiscount(_Strict):
    """A national cut in the BPU premium (PP 50/2025: 50%). It does not apply to participants whose
    premium is paid from the state or regional budget (APBN/APBD)."""

    percent: Annotated[int, Field(ge=0, le=100)]
    regulation: str  # e.g. "PP 50/2025"


class Premium(_Strict):
    jkk: Rupiah
    jkm: Rupiah
    declared_income: Rupiah
    paid_by: str
    # No late fee for BPU; after this many consecutive unpaid months the membership becomes inactive
    # (BPJS TK Perdir 22/PERDIR.02/072022).
    inactive_after_unpaid_months: Annotated[int, Field(ge=1)]
    discount: PremiumDiscount

    @property
    def monthly(self) -> int:
        return self.jkk + self.jkm


class Quota(_Strict):
    year: Annotated[int, Field(ge=2000, le=2100)]
    places: Annotated[int, Field(ge=0)]
    note: str = ""


class JkmBenefits(_Strict):
    lump_sum: Rupiah
    periodic_monthly: Rupiah
    periodic_months: Annotated[int, Field(ge=0)]
    funeral: Rupiah
    # None: no time limit. BPJS TK says so (a statement, not regulation text), and answers say that.
    claim_deadline_years: Annotated[int, Field(ge=1)] | None = None

    @property
    def periodic_total(self) -> int:
        return self.periodic_monthly * self.periodic_months

    @property
    def total(self) -> int:
        return self.lump_sum + self.periodic_total + self.funeral


class JkkBenefits(_Strict):
    death_income_multiple: Annotated[int, Field(ge=0)]
    disability_income_multiple: Annotated[int, Field(ge=0)]
    home_care_max: Rupiah
    home_care_months: Annotated[int, Field(ge=0)]
    transport_land_max: Rupiah
    income_full_months: Annotated[int, Field(ge=0)]
    income_after_percent: Annotated[int, Field(ge=0, le=100)]
    claim_deadline_years: Annotated[int, Field(ge=0)]
    accident_report_hours: Annotated[int, Field(ge=0)]
    # A suspected work accident is covered first; BPJS TK decides within this many days of the first
    # report (PP 49/2023 Pasal 25A/25B).
    suspected_accident_decision_days: Annotated[int, Field(ge=0)]


class ScholarshipLevel(_Strict):
    id: Slug
    name: str
    amount_per_year: Rupiah
    years: Annotated[int, Field(ge=0)]


class Scholarship(_Strict):
    max_children: Annotated[int, Field(ge=0)]
    min_membership_years_if_not_work_accident: Annotated[int, Field(ge=0)]
    child_max_age: Annotated[int, Field(ge=0)]
    levels: tuple[ScholarshipLevel, ...]

    @property
    def per_child_total(self) -> int:
        return sum(level.amount_per_year * level.years for level in self.levels)


class Benefits(_Strict):
    jkm: JkmBenefits
    jkk: JkkBenefits
    scholarship: Scholarship

    def jkk_death_total(self, declared_income: int) -> int:
        return self.jkk.death_income_multiple * declared_income + self.jkm.periodic_total + self.jkm.funeral


class ClaimDocument(_Strict):
    id: Slug
    name: str
    how: str = ""


class Claims(_Strict):
    jkm_documents: tuple[ClaimDocument, ...]
    jkk_documents: tuple[ClaimDocument, ...]
    scholarship_documents: tuple[ClaimDocument, ...]
    jkm_payment_working_days: Annotated[int, Field(ge=0)]
    jkk_payment_working_days: Annotated[int, Field(ge=0)]
    late_payment_penalty_percent_per_day: Annotated[int, Field(ge=0, le=100)]  # PP 44/2015 Pasal 37


class Office(_Strict):
    id: Slug
    kind: Literal["bpjs_branch", "dinas", "other"]
    name: str
    address: str = ""
    hours: str = ""
    phone: str = ""


class FormerName(_Strict):
    """A kelurahan or desa name people still use after a merger, and where it belongs now."""

    name: str
    kelurahan_code: Annotated[str, Field(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")]


class Privacy(_Strict):
    controller: str
    retention_years: Annotated[int, Field(ge=1, le=30)]
    contact: str
    # The regulation under which the Pemda keeps its participants' data without their consent (its public
    # task, UU 27/2022 Pasal 20(2)e), e.g. its Perwal or Perbup. Needed to import the participants it
    # already has; told to each of them when they first write. "": not known, no import. At most 200
    # characters: registrations.legal_basis holds 200 (PostgreSQL refuses more).
    legal_basis: Annotated[str, Field(max_length=200)] = ""


class Renewal(_Strict):
    """The programme is funded one budget year (APBD, January to December) at a time: in `month`, the
    Dinas opens the renewal of its active participants into the next year. Each reachable worker is asked
    once to confirm, and reminded once after `reminder_days`; silence is never a removal."""

    month: Annotated[int, Field(ge=1, le=12)]
    reminder_days: Annotated[int, Field(ge=1, le=60)] = 7


SponsorKind = Literal["asn", "csr", "bumd"]


class SponsorOrganisation(_Strict):
    """An OPD (organisasi perangkat daerah) an ASN sponsor works in, as the Pemda lists them."""

    id: Slug
    name: str
    synonyms: tuple[str, ...] = ()
    asn: Annotated[int, Field(ge=1)] | None = None  # its ASN, where the Pemda published the figure (its share)


class Sponsors(_Strict):
    """Sponsors (donatur) who pay one worker's premium each, beside the budget: Kendal's "Gerakan ASN Peduli
    Pekerja Rentan" (every ASN pays for at least one worker), a company's CSR, a BUMD. Jaring takes no
    money: a sponsor pays through BPJS TK's own channels (`how_to_pay`) and tells the bot "sudah bayar".

    Each covered month is one period of `Premium.monthly`, due on `due_day` of that month; the sponsor is
    reminded `reminder_days` before, the Dinas is told when a period is still not paid `missed_after_days`
    after it was due, and the worker is told, kindly, once `Premium.inactive_after_unpaid_months` periods
    in a row are unpaid (BPJS TK's grace period: protection may stop)."""

    kinds: Annotated[tuple[SponsorKind, ...], Field(min_length=1)]
    organisations: tuple[SponsorOrganisation, ...] = ()  # the OPDs an ASN picks from (required with "asn")
    asn_total: Annotated[int, Field(ge=1)] | None = None  # the Pemda's ASN, for the share taking part
    asn_total_as_of: date | None = None
    target_percent: Annotated[float, Field(gt=0, le=100)] | None = None  # the share of ASN aimed at (RPJMD)
    target_source: str = ""
    default_months: Annotated[int, Field(ge=1, le=36)] = 12
    max_months: Annotated[int, Field(ge=1, le=60)] = 24
    due_day: Annotated[int, Field(ge=1, le=28)] = 10
    reminder_days: Annotated[int, Field(ge=1, le=14)] = 3
    missed_after_days: Annotated[int, Field(ge=1, le=31)] = 7
    how_to_pay: Annotated[str, Field(min_length=10)]
    # "Jadi donatur" in everyone's main menu (Kendal: every ASN is asked to take part); false: only its
    # words open it (a few companies' CSR, told by the Dinas), and workers' menus stay as they are.
    in_menu: bool = True

    @model_validator(mode="after")
    def _asn_have_organisations(self) -> Self:
        if "asn" in self.kinds and not self.organisations:
            raise ValueError("ASN sponsors need the list of organisations (OPD) they pick from")
        if self.default_months > self.max_months:
            raise ValueError(f"default_months ({self.default_months}) is above max_months ({self.max_months})")
        ids = [o.id for o in self.organisations]
        if len(ids) != len(set(ids)):
            raise ValueError("organisations: an id appears twice")
        return self

    def organisation(self, organisation_id: str) -> SponsorOrganisation | None:
        return next((o for o in self.organisations if o.id == organisation_id), None)


class Programme(_Strict):
    id: Slug
    name: str
    pemda: str
    region_code: Annotated[str, Field(pattern=r"^\d{2}(\.\d{2})?$")]
    description: str
    call_centre: str
    timezone: str = "Asia/Jakarta"  # dates shown to people are in local time (WIB, WITA or WIT)
    eligibility: Eligibility
    premium: Premium
    quotas: tuple[Quota, ...]
    estimated_vulnerable_workers: Annotated[int, Field(ge=0)] | None = None
    job_types: Annotated[tuple[JobType, ...], Field(min_length=1)]
    benefits: Benefits
    claims: Claims
    offices: tuple[Office, ...]
    privacy: Privacy
    former_names: tuple[FormerName, ...] = ()
    funding_note: str = ""  # how the premium is funded, when it is not simply the regional budget
    renewal: Renewal | None = None  # None: the programme file names no renewal month; no round opens
    sponsors: Sponsors | None = None  # None: no sponsors; "jadi donatur" is not offered

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        for label, ids in (
            ("job_types", [j.id for j in self.job_types]),
            ("offices", [o.id for o in self.offices]),
            ("quotas", [str(q.year) for q in self.quotas]),
        ):
            seen: set[str] = set()
            for item in ids:
                if item in seen:
                    raise ValueError(f"{label}: '{item}' appears twice")
                seen.add(item)
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone '{value}' (use e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from exc
        return value

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def office(self, kind: str) -> Office | None:
        return next((o for o in self.offices if o.kind == kind), None)

    @property
    def dinas_name(self) -> str:
        """Who people are told to contact at the Pemda: the Dinas, or the Pemda itself when none is listed."""
        dinas = self.office("dinas")
        return dinas.name if dinas is not None else self.pemda

    def quota_for(self, year: int) -> Quota | None:
        return next((q for q in self.quotas if q.year == year), None)


class ProgrammeError(ValueError):
    """The programme file is invalid; the message names the field and the problem."""


def base_of(toml_text: str) -> str | None:
    """The file a programme file `extends` (national rules), if it names one."""
    try:
        named = tomllib.loads(toml_text).get("extends")
    except tomllib.TOMLDecodeError:
        return None
    return named if isinstance(named, str) else None


def load_programme(toml_text: str, source: str = "programme file", base_text: str | None = None) -> Programme:
    """Validate a programme file; `base_text` is the file it extends, whose values it may override."""
    raw = _parse(toml_text, source)
    raw.pop("extends", None)
    if base_text is not None:
        raw = _merged(_parse(base_text, f"{source} (extends)"), raw)
    try:
        return Programme.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise ProgrammeError(f"{source}: {problems}") from exc


def _parse(toml_text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(f"{source}: not valid TOML: {exc}") from exc


def _merged(base: dict[str, Any], local: dict[str, Any]) -> dict[str, Any]:
    """Tables are merged key by key; any other value in `local` replaces the base's."""
    merged = dict(base)
    for key, value in local.items():
        below = merged.get(key)
        merged[key] = _merged(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged
