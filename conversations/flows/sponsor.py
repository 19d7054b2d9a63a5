"""Jadi donatur: a civil servant (ASN), a company's CSR or a BUMD pays one worker's premium (Kendal's "ASN
Peduli Pekerja Rentan"). Offered only where the programme file has a [sponsors] section; the sponsors'
privacy notice (purpose "sponsor_data") comes first.

- Not a sponsor yet: one question per message — the kind (only when the file allows several), then for an
  ASN their name, NIP (18 digits, or none) and OPD (typed with typos, confirmed, or picked from a list);
  for a company or BUMD its name and a contact person; a phone number; whether the worker may be told their
  name. A summary where any answer can be changed, then `BecomeSponsor`, and straight into the commitment.
- The commitment (also "Tambah pekerja" later): a worker they know (a code the worker types in their own
  chat: the sponsor never needs the worker's NIK) or the first verified worker waiting, in the quota's
  priority order; this month or the next; how many months (the file's default, e.g. 12 × Rp16.800); what
  they promise and how they pay (through BPJS TK's own channels: Jaring takes no money).
- A sponsor: their workers — of each only the name and the status — with the months paid and the next
  one due; "Tambah pekerja", "Sudah bayar" (the `sponsor_payment` flow), "Berhenti membantu", "Selesai"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from conversations.consent import SPONSOR_DATA
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, TextLimit, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES, YES_NO
from conversations.flows.fields import Draft, check_text_field
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.programme import SponsorKind, SponsorOrganisation, Sponsors
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import (
    AlreadySponsor,
    BecomeSponsor,
    MatchWorker,
    MySponsor,
    NobodyWaiting,
    NotSponsor,
    OfferToWorker,
    SponsoredWorker,
    SponsoringStopped,
    SponsorRecorded,
    SponsorsOff,
    SponsorView,
    StopSponsoring,
    WorkerCodeGiven,
    WorkerMatched,
)
from conversations.sponsor_words import (
    KIND_LABELS,
    NipProblem,
    mask_nip,
    match_organisation,
    month_words,
    read_months,
    read_nip,
    sponsor_status_words,
)
from conversations.sponsorship import OPEN_STATUSES, Commitment, add_months, first_of_month, start_choices

__all__ = ["PAYMENT_FLOW", "SponsorData", "sponsor_flow"]

PAYMENT_FLOW = "sponsor_payment"  # "Sudah bayar": the sponsor says a month is paid
_ALL_KINDS: tuple[SponsorKind, ...] = ("asn", "csr", "bumd")
_KIND_ALIASES: dict[SponsorKind, tuple[str, ...]] = {
    "asn": ("asn", "pns", "pppk", "pegawai negeri", "aparatur sipil negara"),
    "csr": ("csr", "perusahaan", "pt", "swasta", "usaha"),
    "bumd": ("bumd", "badan usaha milik daerah", "perusda"),
}
_NO_NIP = Choice("no_nip", msg("sponsor.no_nip"), ("tidak ada", "tidak punya", "gak ada", "ga ada", "-", "honorer"))
_LIST = Choice("list", msg("sponsor.show_list"), ("daftar", "lihat daftar", "list", "pilih dari daftar"))
_NONE_OF_THESE = Choice("none", msg("sponsor.none_of_these"), ("bukan", "tidak ada", "lihat daftar"))
_NEXT_PAGE = Choice("next_page", msg("sponsor.next_page"), ("berikutnya", "lanjut", "selanjutnya"))
_PREVIOUS_PAGE = Choice("previous_page", msg("sponsor.previous_page"), ("halaman sebelumnya",))
_PAGE = 8  # OPDs on one page: with "next" and "previous" a WhatsApp list's ten rows
_SUBMIT = Choice("submit", msg("sponsor.submit"), ("benar", "sudah benar", "ya", "daftar", "kirim"))
_CHANGE = Choice("change", msg("sponsor.change"), ("ubah", "ganti", "perbaiki", "salah"))
_CONTINUE = Choice("continue", msg("sponsor.continue"), ("lanjut", "lanjutkan", "teruskan"))
_RESTART = Choice("restart", msg("sponsor.restart"), ("ulang", "mulai baru", "dari awal"))
_NAMED = Choice("named", msg("sponsor.whom_named"), ("kenal", "yang saya kenal", "art", "tetangga", "langganan"))
_MATCHED = Choice("matched", msg("sponsor.whom_matched"), ("daftar tunggu", "pilihkan", "terserah"))
_LATER = Choice("later", msg("sponsor.later"), ("nanti", "nanti saja", "lain kali"))
_AGREE = Choice("agree", msg("sponsor.agree"), ("ya", "iya", "setuju", "ya setuju", "ok", "oke"))
_NOT_NOW = Choice("not_now", msg("sponsor.not_now"), ("tidak", "tidak jadi", "gak jadi", "belum"))
_ADD = Choice("add", msg("sponsor.add"), ("tambah", "tambah pekerja", "bantu lagi"))
_PAID = Choice("paid", msg("sponsor.paid"), ("sudah bayar", "bayar", "lunas"))
# Never "berhenti" alone: that is the word for everywhere that stops announcements.
_STOP = Choice("stop", msg("sponsor.stop"), ("berhenti membantu", "stop membantu", "tidak membantu lagi"))
_DONE = Choice("done", msg("sponsor.done"), ("selesai", "cukup", "tutup"))
_STOP_YES = Choice("stop_yes", msg("sponsor.stop_yes"), ("ya", "iya", "ya berhenti", "yakin"))
_STOP_NO = Choice("stop_no", msg("sponsor.stop_no"), ("tidak", "tidak jadi", "batal berhenti", "gak jadi"))
_COMPANY_LIMIT = TextLimit(100, msg("sponsor.limit_company"))  # sponsors.organisation_name is as wide
_NAME_LIMIT = TextLimit(100, msg("limit.name"))
_SHOWN = 10  # workers listed in one message (and offered to stop)

# The form's answers in the order they are asked, by kind; each is asked by the step of the same name
# (the OPD: "organisation", the company: "company").
_ASN_FIELDS = ("name", "nip", "organisation_id", "phone", "share_name")
_COMPANY_FIELDS = ("organisation_name", "name", "phone", "share_name")
_STEP_OF = {
    "kind": "kind",
    "name": "name",
    "nip": "nip",
    "organisation_id": "organisation",
    "organisation_name": "company",
    "phone": "phone",
    "share_name": "share_name",
}
_LABELS = {
    "kind": "sponsor.field_kind",
    "name": "sponsor.field_name",
    "nip": "sponsor.field_nip",
    "organisation_id": "sponsor.field_organisation",
    "organisation_name": "sponsor.field_company",
    "phone": "sponsor.field_phone",
    "share_name": "sponsor.field_share_name",
}


@dataclass(frozen=True, slots=True)
class WorkerLine(FlowData):
    """One sponsorship as the sponsor's menu shows it: the worker's name and status, nothing else of them."""

    sponsorship_id: int = 0
    name: str = ""
    status: str = ""  # the sponsorship's
    registration_status: str = ""
    start_month: date | None = None
    months: int = 0
    paid_months: int = 0
    next_month: date | None = None  # the oldest month not said paid
    next_due_on: date | None = None
    next_state: str = ""  # "upcoming", "due", "missed"


@dataclass(frozen=True, slots=True)
class SponsorData(FlowData):
    # signing up (None: not answered yet)
    kind: SponsorKind | None = None
    name: str | None = None  # an ASN's own, or a company's contact person
    nip: str | None = None  # "" for an ASN without one
    organisation_id: str | None = None
    organisation_name: str | None = None
    phone: str | None = None
    share_name: bool | None = None
    candidates: tuple[str, ...] = ()  # the OPDs a typed name may mean
    page: int = 0  # of the OPD list
    # the commitment
    how: Literal["named", "matched"] | None = None
    start_month: date | None = None
    months: int | None = None
    # a sponsor's own view
    sponsor_name: str = ""
    organisation: str = ""
    workers: tuple[WorkerLine, ...] = ()
    hidden: int = 0  # sponsorships not listed
    stopping: int = 0  # the sponsorship chosen to stop


def _fields(kind: SponsorKind | None) -> tuple[str, ...]:
    return _ASN_FIELDS if kind == "asn" else _COMPANY_FIELDS


def _kinds(ctx: Context) -> tuple[SponsorKind, ...]:
    rules = ctx.programme.sponsors
    return rules.kinds if rules is not None else _ALL_KINDS


def _organisations(ctx: Context) -> tuple[SponsorOrganisation, ...]:
    rules = ctx.programme.sponsors
    return rules.organisations if rules is not None else ()


def _organisation_name(ctx: Context, organisation_id: str) -> str:
    return next((o.name for o in _organisations(ctx) if o.id == organisation_id), organisation_id)


def _sponsors_off(ctx: Context) -> Finish:
    said = msg("sponsor.off", programme=ctx.programme.name, dinas=ctx.programme.dinas_name)
    return Finish(say=(Reply.of(said),))


# ---- start: who is asking -----------------------------------------------------------------------------------


def _start(_: Context, __: Data) -> Transition:
    return Fetch(MySponsor(), then=_on_view)


def _on_view(ctx: Context, data: Data, found: SponsorView | NotSponsor | SponsorsOff) -> Transition:
    if isinstance(found, SponsorsOff):
        return _sponsors_off(ctx)
    if isinstance(found, SponsorView):
        return Goto("menu", _menu_data(found).dump())
    form = SponsorData.load(data)
    if any(form.answered(key) for key in _STEP_OF if key not in ("kind", "phone")):
        return Goto("resume", data)  # a sign-up left halfway (WhatsApp's phone number alone is none)
    return _begin(ctx)


def _begin(ctx: Context) -> Transition:
    form = _with_kind(ctx, SponsorData())
    if ctx.contact.phone and (checked := _phone(ctx, ctx.contact.phone)) is not None:
        form = form.but(phone=checked)  # WhatsApp gives the number: no need to ask it
    monthly = Money(ctx.programme.premium.monthly)
    intro = msg("sponsor.intro", monthly=monthly)
    return Goto(_next(form), form.dump(), say=(Reply.of(intro),))


def _with_kind(ctx: Context, form: SponsorData) -> SponsorData:
    """With one kind allowed (Pekalongan: companies only) the question is not asked."""
    kinds = _kinds(ctx)
    return form.but(kind=kinds[0]) if form.kind is None and len(kinds) == 1 else form


def _next(form: SponsorData) -> str:
    """The step for the first answer still missing; the summary when none is."""
    if form.kind is None:
        return "kind"
    missing = next((key for key in _fields(form.kind) if not form.answered(key)), None)
    return _STEP_OF[missing] if missing is not None else "summary"


def _go_next(ctx: Context, form: SponsorData) -> Transition:
    filled = _with_kind(ctx, form)
    return Goto(_next(filled), filled.dump())


def _ask_resume(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.resume"), choices=(_CONTINUE, _RESTART))


def _on_resume(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CONTINUE.id:
        return _go_next(ctx, SponsorData.load(data))
    return _begin(ctx)


# ---- signing up ---------------------------------------------------------------------------------------------


def _ask_kind(ctx: Context, _: Data) -> Reply:
    choices = tuple(Choice(kind, msg(KIND_LABELS[kind]), _KIND_ALIASES[kind]) for kind in _kinds(ctx))
    return Reply.of(msg("sponsor.ask_kind"), choices=choices)


def _on_kind(ctx: Context, data: Data, answer: Answer) -> Transition:
    kind = next((k for k in _kinds(ctx) if k == answer.choice), None)
    if kind is None:
        return Invalid(msg("engine.pick_a_number"))
    form = SponsorData.load(data)
    if form.kind != kind:  # another kind asks other things: what was only the other kind's goes
        form = form.but(kind=kind, name=None, nip=None, organisation_id=None, organisation_name=None)
    return _go_next(ctx, form)


def _ask_name(_: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    if form.kind == "asn":
        return Reply.of(msg("sponsor.ask_name"))
    return Reply.of(msg("sponsor.ask_contact_name", organisation=form.organisation_name or ""))


def _on_name(ctx: Context, data: Data, answer: Answer) -> Transition:
    checked = check_text_field(ctx, "full_name", answer.text, Draft())
    if checked.problem is not None:
        return Invalid(checked.problem)
    return _go_next(ctx, SponsorData.load(data).but(name=str(checked.values["full_name"])))


def _ask_nip(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.ask_nip"), choices=(_NO_NIP,))


_NIP_PROBLEMS = {
    NipProblem.LOOKS_LIKE_NIK: "sponsor.nip_is_nik",
    NipProblem.NOT_DIGITS: "sponsor.nip_not_digits",
    NipProblem.LENGTH: "sponsor.nip_length",
    NipProblem.BIRTH_DATE: "sponsor.nip_bad_birth_date",
    NipProblem.APPOINTED: "sponsor.nip_bad_appointed",
    NipProblem.SEX: "sponsor.nip_bad_sex",
}


def _on_nip(ctx: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    if answer.choice == _NO_NIP.id:
        return _go_next(ctx, form.but(nip=""))
    reading = read_nip(answer.text, ctx.today)
    if reading.problem is not None:
        return Invalid(msg(_NIP_PROBLEMS[reading.problem], count=reading.count))
    return _go_next(ctx, form.but(nip=reading.digits))


def _ask_company(_: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    return Reply.of(msg("sponsor.ask_bumd" if form.kind == "bumd" else "sponsor.ask_company"))


def _on_company(ctx: Context, data: Data, answer: Answer) -> Transition:
    said = " ".join(answer.text.split())
    if len(said) < 2 or not any(ch.isalpha() for ch in said):
        return Invalid(msg("sponsor.bad_company"))
    return _go_next(ctx, SponsorData.load(data).but(organisation_name=said))


def _phone(ctx: Context, text: str) -> str | None:
    checked = check_text_field(ctx, "phone", text, Draft())
    return None if checked.problem is not None else str(checked.values["phone"])


def _ask_phone(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.ask_phone"))


def _on_phone(ctx: Context, data: Data, answer: Answer) -> Transition:
    # The registration's own reading: "0812-3456-7890", "+62 812…", or a contact shared on Telegram.
    checked = check_text_field(ctx, "phone", answer.phone or answer.text, Draft())
    if checked.problem is not None:
        return Invalid(checked.problem)
    return _go_next(ctx, SponsorData.load(data).but(phone=str(checked.values["phone"])))


def _ask_share_name(_: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    said = "sponsor.ask_share_name" if form.kind == "asn" else "sponsor.ask_share_company_name"
    return Reply.of(msg(said), choices=YES_NO)


def _on_share_name(ctx: Context, data: Data, answer: Answer) -> Transition:
    return _go_next(ctx, SponsorData.load(data).but(share_name=answer.choice == YES.id))


# ---- the OPD: typed, confirmed, or picked from the list -------------------------------------------------------


def _ask_organisation(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.ask_organisation"), choices=(_LIST,))


def _on_organisation(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _LIST.id:
        return Goto("organisation_list", SponsorData.load(data).but(page=0).dump())
    return _typed_organisation(ctx, data, answer.text)


def _typed_organisation(ctx: Context, data: Data, text: str) -> Transition:
    form = SponsorData.load(data)
    found = match_organisation(text, _organisations(ctx))
    if found.exact is not None:
        return _go_next(ctx, form.but(organisation_id=found.exact, candidates=()))
    if not found.candidates:
        return Invalid(msg("sponsor.organisation_not_found"))
    return Goto("organisation_confirm", form.but(candidates=found.candidates).dump())


def _ask_organisation_confirm(ctx: Context, data: Data) -> Reply:
    candidates = SponsorData.load(data).candidates
    if len(candidates) == 1:
        return Reply.of(
            msg("sponsor.organisation_confirm", name=_organisation_name(ctx, candidates[0])), choices=YES_NO
        )
    options = tuple(Choice(c, msg("place.label", name=_organisation_name(ctx, c))) for c in candidates)
    return Reply.of(msg("sponsor.organisation_which"), choices=(*options, _NONE_OF_THESE))


def _on_organisation_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    known = {o.id for o in _organisations(ctx)}
    candidates = [c for c in form.candidates if c in known]
    if len(candidates) == 1 and answer.choice == YES.id:
        return _go_next(ctx, form.but(organisation_id=candidates[0], candidates=()))
    if answer.choice in candidates:
        return _go_next(ctx, form.but(organisation_id=answer.choice, candidates=()))
    return Goto("organisation_list", form.but(page=0).dump())


def _pages(ctx: Context) -> int:
    return max(1, -(-len(_organisations(ctx)) // _PAGE))


def _ask_organisation_list(ctx: Context, data: Data) -> Reply:
    pages = _pages(ctx)
    page = min(max(0, SponsorData.load(data).page), pages - 1)
    shown = _organisations(ctx)[page * _PAGE : (page + 1) * _PAGE]
    choices = tuple(Choice(o.id, msg("place.label", name=o.name)) for o in shown)
    navigation = ((_PREVIOUS_PAGE,) if page > 0 else ()) + ((_NEXT_PAGE,) if page < pages - 1 else ())
    return Reply.of(msg("sponsor.organisation_list", page=page + 1, pages=pages), choices=(*choices, *navigation))


def _on_organisation_list(ctx: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    if answer.choice == _NEXT_PAGE.id:
        return Goto("organisation_list", form.but(page=min(form.page + 1, _pages(ctx) - 1)).dump())
    if answer.choice == _PREVIOUS_PAGE.id:
        return Goto("organisation_list", form.but(page=max(form.page - 1, 0)).dump())
    if answer.choice in {o.id for o in _organisations(ctx)}:
        return _go_next(ctx, form.but(organisation_id=answer.choice, candidates=()))
    return _typed_organisation(ctx, data, answer.text)  # a name typed at the list


# ---- the summary, changes, and signing up ---------------------------------------------------------------------


def _value(ctx: Context, form: SponsorData, key: str) -> Msg:
    empty = msg("field.empty")
    match key:
        case "kind":
            return msg(KIND_LABELS[form.kind]) if form.kind else empty
        case "nip":
            if form.nip is None:
                return empty
            return msg("field.value", value=mask_nip(form.nip)) if form.nip else msg("sponsor.nip_none")
        case "organisation_id":
            organisation = form.organisation_id
            return msg("field.value", value=_organisation_name(ctx, organisation)) if organisation else empty
        case "phone":
            phone = form.phone
            return msg("field.value", value="0" + phone[2:] if phone.startswith("62") else phone) if phone else empty
        case "share_name":
            return empty if form.share_name is None else YES.label if form.share_name else NO.label
    value = {"name": form.name, "organisation_name": form.organisation_name}.get(key)
    return msg("field.value", value=value) if value else empty


def _label(form: SponsorData, key: str) -> Msg:
    if key == "name" and form.kind != "asn":
        return msg("sponsor.field_contact_name")
    return msg(_LABELS[key])


def _shown_fields(ctx: Context, form: SponsorData) -> tuple[str, ...]:
    return (("kind",) if len(_kinds(ctx)) > 1 else ()) + _fields(form.kind)


def _ask_summary(ctx: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    lines = tuple(
        msg("field.line", label=_label(form, key), value=_value(ctx, form, key)) for key in _shown_fields(ctx, form)
    )
    return Reply.of(msg("sponsor.summary", lines=lines), msg("sponsor.ask_submit"), choices=(_SUBMIT, _CHANGE))


def _on_summary(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHANGE.id:
        return Goto("change_which", data)
    form = _with_kind(ctx, SponsorData.load(data))
    if form.kind is None or any(not form.answered(key) for key in _fields(form.kind)):
        return _go_next(ctx, form)  # something was lost on the way: ask it
    request = BecomeSponsor(
        kind=form.kind,
        name=form.name or "",
        phone=form.phone or "",
        share_name=bool(form.share_name),
        nip=form.nip or "",
        organisation_id=(form.organisation_id or "") if form.kind == "asn" else "",
        organisation_name=(form.organisation_name or "") if form.kind != "asn" else "",
    )
    return Fetch(request, then=_on_recorded)


def _ask_change_which(ctx: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    choices = tuple(Choice(key, _label(form, key)) for key in _shown_fields(ctx, form))
    return Reply.of(msg("sponsor.ask_change_which"), choices=choices)


def _on_change_which(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == "kind":
        return Goto("kind", data)
    if answer.choice in _STEP_OF:
        return Goto(_STEP_OF[answer.choice], data)
    return Invalid(msg("engine.pick_a_number"))


def _on_recorded(ctx: Context, _: Data, result: SponsorRecorded | AlreadySponsor | SponsorsOff) -> Transition:
    if isinstance(result, SponsorsOff):
        return _sponsors_off(ctx)
    if isinstance(result, AlreadySponsor):  # signed up meanwhile, in another window
        return Fetch(MySponsor(), then=_on_view, data={}, say=(Reply.of(msg("sponsor.already")),))
    # The form's answers are stored now: the conversation keeps none of them (the NIP least of all).
    return Goto("whom", SponsorData().dump(), say=(Reply.of(msg("sponsor.recorded")),))


# ---- the commitment -------------------------------------------------------------------------------------------


def _ask_whom(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.ask_whom"), choices=(_NAMED, _MATCHED))


def _on_whom(_: Context, data: Data, answer: Answer) -> Transition:
    how: Literal["named", "matched"] = "matched" if answer.choice == _MATCHED.id else "named"
    return Goto("start_month", SponsorData.load(data).but(how=how).dump())


def _start_choices(ctx: Context) -> tuple[Choice, Choice]:
    first, then = _starts(ctx)
    if first == first_of_month(ctx.today):
        return (
            Choice("this_month", msg("sponsor.start_this", month=month_words(first)), ("bulan ini", "sekarang")),
            Choice("next_month", msg("sponsor.start_next", month=month_words(then)), ("bulan depan",)),
        )
    # This month's due day has gone by: it could only be late from the start.
    return (
        Choice("this_month", msg("sponsor.start_next", month=month_words(first)), ("bulan depan",)),
        Choice("next_month", msg("sponsor.start_after_next", month=month_words(then)), ("bulan berikutnya",)),
    )


def _starts(ctx: Context) -> tuple[date, date]:
    rules = ctx.programme.sponsors
    if rules is None:  # not offered without sponsors; a month pair all the same
        return first_of_month(ctx.today), add_months(first_of_month(ctx.today), 1)
    return start_choices(rules, ctx.today)


def _ask_start_month(ctx: Context, _: Data) -> Reply:
    return Reply.of(msg("sponsor.ask_start"), choices=_start_choices(ctx))


def _on_start_month(ctx: Context, data: Data, answer: Answer) -> Transition:
    this_month, next_month = _starts(ctx)
    start = next_month if answer.choice == "next_month" else this_month
    return Goto("months", SponsorData.load(data).but(start_month=start).dump())


def _default_choice(ctx: Context, rules: Sponsors) -> Choice:
    months = rules.default_months
    total = Money(ctx.programme.premium.monthly * months)
    # Keyed by its number: "12" picks it, "6" is six months, not the sixth choice.
    return Choice("default", msg("sponsor.months_default", months=months, total=total), number=months)


def _ask_months(ctx: Context, _: Data) -> Reply:
    rules = ctx.programme.sponsors
    if rules is None:
        return Reply.of(msg("sponsor.off", programme=ctx.programme.name, dinas=ctx.programme.dinas_name))
    said = msg(
        "sponsor.ask_months",
        monthly=Money(ctx.programme.premium.monthly),
        default=rules.default_months,
        most=rules.max_months,
    )
    return Reply.of(said, choices=(_default_choice(ctx, rules),))


def _on_months(ctx: Context, data: Data, answer: Answer) -> Transition:
    rules = ctx.programme.sponsors
    if rules is None:
        return _sponsors_off(ctx)
    months = rules.default_months if answer.choice == "default" else read_months(answer.text)
    if months is None or not 1 <= months <= rules.max_months:
        return Invalid(msg("sponsor.bad_months", most=rules.max_months))
    return Goto("confirm", SponsorData.load(data).but(months=months).dump())


def _ask_confirm(ctx: Context, data: Data) -> Reply:
    rules = ctx.programme.sponsors
    form = SponsorData.load(data)
    if rules is None:
        return Reply.of(msg("sponsor.off", programme=ctx.programme.name, dinas=ctx.programme.dinas_name))
    start = form.start_month or _starts(ctx)[0]
    commitment = Commitment(start, max(1, form.months or rules.default_months))
    worker = "sponsor.confirm_worker_matched" if form.how == "matched" else "sponsor.confirm_worker_named"
    parts = [
        msg(
            "sponsor.confirm",
            worker=msg(worker),
            months=commitment.months,
            start=month_words(commitment.start),
            last=month_words(commitment.last_month),
            monthly=Money(ctx.programme.premium.monthly),
            total=Money(commitment.total(ctx.programme)),
            due_day=rules.due_day,
        ),
        msg("sponsor.how_to_pay", how_to_pay=rules.how_to_pay),
    ]
    parts.append(msg("sponsor.ask_confirm"))
    return Reply(tuple(parts), (_AGREE, _NOT_NOW))


def _on_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
    rules = ctx.programme.sponsors
    if rules is None:
        return _sponsors_off(ctx)
    if answer.choice != _AGREE.id:
        return Finish(say=(Reply.of(msg("sponsor.not_committed")),))
    form = SponsorData.load(data)
    if form.start_month not in _starts(ctx):  # a month turned while they thought about it
        return Goto("start_month", data, say=(Reply.of(msg("sponsor.start_again")),))
    if form.months is None or not 1 <= form.months <= rules.max_months:
        return Goto("months", data)
    if form.how == "matched":
        return Fetch(MatchWorker(form.start_month, form.months), then=_on_matched)
    return Fetch(OfferToWorker(form.start_month, form.months), then=_on_code)


def _on_code(ctx: Context, data: Data, result: WorkerCodeGiven | NotSponsor | SponsorsOff) -> Transition:
    if isinstance(result, SponsorsOff):
        return _sponsors_off(ctx)
    if isinstance(result, NotSponsor):
        return Finish(say=(Reply.of(msg("sponsor.not_a_sponsor")),))
    form = SponsorData.load(data)
    given = msg("sponsor.code_given", code=result.code, expires=result.expires_on)
    # A message the sponsor forwards as it is: what the worker types, in their own chat, with their own consent.
    forward = msg(
        "sponsor.code_message",
        code=result.code,
        expires=result.expires_on,
        programme=ctx.programme.name,
        monthly=Money(ctx.programme.premium.monthly),
        months=form.months or 1,
        start=month_words(form.start_month or _starts(ctx)[0]),
        pemda=ctx.programme.pemda,
    )
    return Finish(say=(Reply.of(given), Reply.of(forward), Reply.of(msg("sponsor.code_after"))))


def _on_matched(
    ctx: Context, data: Data, result: WorkerMatched | NobodyWaiting | NotSponsor | SponsorsOff
) -> Transition:
    if isinstance(result, SponsorsOff):
        return _sponsors_off(ctx)
    if isinstance(result, NotSponsor):
        return Finish(say=(Reply.of(msg("sponsor.not_a_sponsor")),))
    if isinstance(result, NobodyWaiting):
        return Goto("nobody_waiting", data)
    rules = ctx.programme.sponsors
    matched = msg(
        "sponsor.matched_worker",
        name=result.worker_name,
        status=sponsor_status_words(result.registration_status),
        due_day=rules.due_day if rules is not None else "-",
    )
    how_to_pay = (msg("sponsor.how_to_pay", how_to_pay=rules.how_to_pay),) if rules is not None else ()
    return Finish(say=(Reply.of(matched, *how_to_pay),))


def _ask_nobody_waiting(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor.nobody_waiting"), choices=(_NAMED, _LATER))


def _on_nobody_waiting(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _NAMED.id:
        return Goto("confirm", SponsorData.load(data).but(how="named").dump())
    return Finish(say=(Reply.of(msg("sponsor.later_said")),))


# ---- a sponsor's own menu -------------------------------------------------------------------------------------


def _menu_data(view: SponsorView) -> SponsorData:
    workers = tuple(_line(worker) for worker in view.workers[:_SHOWN])
    return SponsorData(
        kind=view.kind,
        sponsor_name=view.name,
        organisation=view.organisation,
        share_name=view.share_name,
        workers=workers,
        hidden=max(0, len(view.workers) - _SHOWN),
    )


def _line(worker: SponsoredWorker) -> WorkerLine:
    due = worker.next_due
    return WorkerLine(
        sponsorship_id=worker.sponsorship_id,
        name=worker.worker_name,
        status=worker.status,
        registration_status=worker.registration_status or "",
        start_month=worker.start_month,
        months=worker.months,
        paid_months=worker.paid_months,
        next_month=due.period if due is not None else None,
        next_due_on=due.due_on if due is not None else None,
        next_state=due.state if due is not None else "",
    )


_CLOSED_WORDS = {
    "declined": "sponsor.closed_declined",
    "stopped": "sponsor.closed_stopped",
    "ended": "sponsor.closed_ended",
    "expired": "sponsor.closed_expired",
}
_NEXT_WORDS = {"upcoming": "sponsor.next_upcoming", "due": "sponsor.next_due", "missed": "sponsor.next_missed"}


def _worker_item(number: int, line: WorkerLine) -> Msg:
    """One worker as their sponsor sees them: the name and the status, the months, the next one due."""
    start = month_words(line.start_month) if line.start_month else msg("field.empty")
    if line.status == "offered":
        return msg("sponsor.item_offered", number=number, start=start, months=line.months)
    if line.status not in ("accepted", "active"):
        closed = msg(_CLOSED_WORDS.get(line.status, "sponsor.closed_ended"))
        if not line.name:
            return msg("sponsor.item_closed_code", number=number, start=start, state=closed)
        return msg("sponsor.item_closed", number=number, name=line.name, state=closed)
    status = sponsor_status_words(line.registration_status)
    name = line.name or "-"  # the worker's data erased meanwhile
    if line.status == "accepted":
        return msg("sponsor.item_accepted", number=number, name=name, status=status)
    if line.next_month is None or line.next_due_on is None:
        following = msg("sponsor.next_all_paid")
    else:
        due = _NEXT_WORDS.get(line.next_state, "sponsor.next_upcoming")
        following = msg(due, month=month_words(line.next_month), due_on=line.next_due_on)
    return msg(
        "sponsor.item_active",
        number=number,
        name=name,
        status=status,
        paid=line.paid_months,
        months=line.months,
        next=following,
    )


def _open(form: SponsorData) -> tuple[WorkerLine, ...]:
    return tuple(line for line in form.workers if line.status in OPEN_STATUSES)


def _menu_choices(form: SponsorData) -> tuple[Choice, ...]:
    paying = any(line.status == "active" for line in form.workers)  # months are due only once it pays
    return (_ADD, *((_PAID,) if paying else ()), *((_STOP,) if _open(form) else ()), _DONE)


def _ask_menu(_: Context, data: Data) -> Reply:
    form = SponsorData.load(data)
    organisation = form.organisation or msg("field.empty")
    parts = [msg("sponsor.view", name=form.sponsor_name or "-", organisation=organisation)]
    if form.workers:
        items = tuple(_worker_item(n, line) for n, line in enumerate(form.workers, start=1))
        parts.append(msg("sponsor.workers", items=items))
        if form.hidden:
            parts.append(msg("sponsor.more_workers", count=form.hidden))
    else:
        parts.append(msg("sponsor.no_workers"))
    parts.append(msg("sponsor.ask_menu"))
    return Reply(tuple(parts), _menu_choices(form))


def _on_menu(_: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    if answer.choice == _ADD.id:
        return Goto("whom", data)
    if answer.choice == _PAID.id:
        return Finish(then=PAYMENT_FLOW)
    if answer.choice == _STOP.id:
        stoppable = _open(form)
        if len(stoppable) == 1:
            return Goto("confirm_stop", form.but(stopping=stoppable[0].sponsorship_id).dump())
        return Goto("pick_stop", data)
    return Finish(say=(Reply.of(msg("sponsor.bye")),))


def _stop_label(line: WorkerLine) -> Msg:
    if line.name:
        return msg("place.label", name=line.name)
    start = month_words(line.start_month) if line.start_month else msg("field.empty")
    return msg("sponsor.stop_offered_option", start=start)


def _ask_pick_stop(_: Context, data: Data) -> Reply:
    choices = tuple(Choice(str(line.sponsorship_id), _stop_label(line)) for line in _open(SponsorData.load(data)))
    return Reply.of(msg("sponsor.pick_stop"), choices=choices)


def _on_pick_stop(_: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    chosen = next((line for line in _open(form) if str(line.sponsorship_id) == answer.choice), None)
    if chosen is None:  # the list was lost: read it again
        return Fetch(MySponsor(), then=_on_view)
    return Goto("confirm_stop", form.but(stopping=chosen.sponsorship_id).dump())


def _stopping(form: SponsorData) -> WorkerLine | None:
    return next((line for line in _open(form) if line.sponsorship_id == form.stopping), None)


def _ask_confirm_stop(_: Context, data: Data) -> Reply:
    line = _stopping(SponsorData.load(data))
    if line is None or not line.name:
        start = month_words(line.start_month) if line is not None and line.start_month else msg("field.empty")
        return Reply.of(msg("sponsor.confirm_stop_code", start=start), choices=(_STOP_YES, _STOP_NO))
    return Reply.of(msg("sponsor.confirm_stop", name=line.name), choices=(_STOP_YES, _STOP_NO))


def _on_confirm_stop(_: Context, data: Data, answer: Answer) -> Transition:
    form = SponsorData.load(data)
    line = _stopping(form)
    if line is None:  # the choice was lost: read the list again
        return Fetch(MySponsor(), then=_on_view)
    if answer.choice != _STOP_YES.id:
        return Goto("menu", data)
    return Fetch(StopSponsoring(line.sponsorship_id), then=_on_stopped)


def _on_stopped(ctx: Context, _: Data, result: SponsoringStopped | NotSponsor | RoleRefused) -> Transition:
    if isinstance(result, NotSponsor):
        return Finish(say=(Reply.of(msg("sponsor.not_a_sponsor")),))
    if isinstance(result, RoleRefused):
        return Finish(say=(Reply.of(msg("sponsor.stop_refused", dinas=ctx.programme.dinas_name)),))
    if not result.worker_name:
        return Finish(say=(Reply.of(msg("sponsor.stopped_code")),))
    return Finish(say=(Reply.of(msg("sponsor.stopped", name=result.worker_name)),))


sponsor_flow = Flow(
    id="sponsor",
    version=1,
    title=msg("sponsor.title"),
    start=_start,
    steps={
        "resume": Step(ask=_ask_resume, on_answer=_on_resume),
        "kind": Step(ask=_ask_kind, on_answer=_on_kind),
        "name": Step(ask=_ask_name, on_answer=_on_name, limit=_NAME_LIMIT),
        # Sees NIK-like digits unmasked: a NIP typed in groups ("1990 0101 2015 0320 01") looks like one.
        "nip": Step(ask=_ask_nip, on_answer=_on_nip, free_text=True, asks_nik=True),
        "organisation": Step(ask=_ask_organisation, on_answer=_on_organisation, free_text=True),
        "organisation_confirm": Step(ask=_ask_organisation_confirm, on_answer=_on_organisation_confirm),
        "organisation_list": Step(ask=_ask_organisation_list, on_answer=_on_organisation_list, free_text=True),
        "company": Step(ask=_ask_company, on_answer=_on_company, limit=_COMPANY_LIMIT),
        "phone": Step(ask=_ask_phone, on_answer=_on_phone),
        "share_name": Step(ask=_ask_share_name, on_answer=_on_share_name),
        "summary": Step(ask=_ask_summary, on_answer=_on_summary),
        "change_which": Step(ask=_ask_change_which, on_answer=_on_change_which),
        # Reached once signed up (or from the menu): going back never signs up twice.
        "whom": Step(ask=_ask_whom, on_answer=_on_whom, no_way_back=True),
        "start_month": Step(ask=_ask_start_month, on_answer=_on_start_month),
        "months": Step(ask=_ask_months, on_answer=_on_months, free_text=True),
        "confirm": Step(ask=_ask_confirm, on_answer=_on_confirm),
        "nobody_waiting": Step(ask=_ask_nobody_waiting, on_answer=_on_nobody_waiting, no_way_back=True),
        "menu": Step(ask=_ask_menu, on_answer=_on_menu),
        "pick_stop": Step(ask=_ask_pick_stop, on_answer=_on_pick_stop),
        "confirm_stop": Step(ask=_ask_confirm_stop, on_answer=_on_confirm_stop),
    },
    needs_consent=True,
    consent_purpose=SPONSOR_DATA,
    offered=lambda programme: programme.sponsors is not None,
    listed=lambda programme: programme.sponsors is not None and programme.sponsors.in_menu,
    aliases=("jadi donatur", "donatur", "daftar donatur", "donatur saya", "sponsor", "mau jadi donatur"),
    resumable=True,
    data=SponsorData,
)
