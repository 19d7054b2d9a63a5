"""The sponsors' figures for the Dinas on SQLite and PostgreSQL: known sponsors, sponsorships and paid months
(tests/sponsor_support.py) give exact numbers — sponsors by kind, the ASN share against the target (974 of
10.345 is 9,42%), per OPD and the OPDs furthest from the target (by share where the OPD's ASN are known,
else by fewest sponsors, and the text says which), workers by who pays, the months due and missed by the
sponsorship rules, the codes waiting; worded the same in chat and by `jaring sponsors figures`; admins only,
every view audited; a programme without sponsors offers none of it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.cli import _parser
from bot.commands.sponsors import run_sponsors_command
from bot.desks.sponsor_figures import gather_sponsor_figures
from bot.settings import PROJECT_DIR, Settings
from conversations.flow import ContactInfo, Context
from conversations.programme import Programme, SponsorOrganisation
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import (
    FundedCount,
    OrganisationFigures,
    SponsorFigures,
    SponsorFiguresView,
    SponsorsOff,
)
from conversations.sponsor_figures import (
    asn_needed,
    furthest_from_target,
    period_counts,
    share_percent,
    share_text,
    sponsor_figures_replies,
)
from conversations.sponsorship import Commitment, add_months, period_state
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage
from db.repositories import contacts, roles
from tests.cli_support import jaring as run_jaring
from tests.conftest import FixedClock
from tests.core_support import catalogs
from tests.core_support import programme as pekalongan
from tests.dinas_sponsor_support import seed_kendal_sponsors
from tests.test_registrations import talk

KENDAL_ORDER = (
    "setda",
    "setwan",
    "inspektorat",
    "bappeda",
    "bkpsdm",
    "bpkad",
    "disdikbud",
    "dinkes",
    "rsud",
    "disnaker",
    "dinsos",
    "dpupr",
    "dishub",
    "dukcapil",
    "kecamatan",
    "lainnya",
)
DEC_12 = datetime(2026, 12, 12, 3, 0, tzinfo=UTC)  # 10.00 WIB: December's month is due, not yet late


def _programme_file(settings: Settings, name: str) -> Settings:
    return settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / name})


@pytest.fixture
async def kendal(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot under Kendal's programme (ASN, CSR and BUMD sponsors), on each database."""
    return await open_jaring(_programme_file(settings, "kabupaten-kendal.toml"), clock, store=store)


@pytest.fixture
async def kendal_sqlite(settings: Settings, clock: FixedClock) -> AsyncIterator[Jaring]:
    """The same on SQLite only, for what does not depend on the database."""
    app = await open_jaring(_programme_file(settings, "kabupaten-kendal.toml"), clock)
    try:
        yield app
    finally:
        await app.close()


async def _figures(app: Jaring, programme: Programme | None = None) -> SponsorFiguresView:
    async with app.store.transaction() as session:
        found = await gather_sponsor_figures(session, programme or app.programme, now=app.pipeline.clock())
    assert isinstance(found, SponsorFiguresView)
    return found


def _said(app: Jaring, view: SponsorFiguresView, language: str = "id", programme: Programme | None = None) -> str:
    ctx = Context(
        now=app.pipeline.clock(),
        language=language,
        programme=programme or app.programme,
        contact=ContactInfo(channel="cli", roles=frozenset({"admin"})),
        renderer=catalogs(),
        region=app.region,
    )
    replies = sponsor_figures_replies(ctx, view)
    return "\n\n".join(catalogs().render(part, language) for reply in replies for part in reply.parts)


async def _admin(app: Jaring, name: str = "admin", role: str = "admin") -> Contact:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "terminal", name, now)
        kelurahan = None if role == "admin" else "33.24.01.2001"
        await roles.grant_role(session, contact.id, role, granted_by="test", now=now, kelurahan_code=kelurahan)
    return contact


# ---- the numbers --------------------------------------------------------------------------------------------


async def test_known_sponsors_give_exact_figures(kendal: Jaring, clock: FixedClock) -> None:
    await seed_kendal_sponsors(kendal)
    view = await _figures(kendal)

    # S1, S2 (Dinkes), S3 (Setda, accepted) and S6 (Disdikbud); not S4 (only a code) nor S5 (stopped).
    assert view.sponsors_by_kind == (FundedCount("asn", 4), FundedCount("csr", 1), FundedCount("bumd", 0))
    assert (view.asn_sponsors, view.asn_total, view.target_percent) == (4, 10_345, 51.64)
    assert view.asn_share_percent == pytest.approx(4 / 10_345 * 100)
    names = {o.id: o.name for o in kendal.programme.sponsors.organisations}  # type: ignore[union-attr]
    counted = {"dinkes": 2, "setda": 1, "disdikbud": 1}
    ranked = sorted(KENDAL_ORDER, key=lambda o: -counted.get(o, 0))  # most first, the file's order among equals
    assert view.by_organisation == tuple(
        OrganisationFigures(o, names[o], counted.get(o, 0), None, None) for o in ranked
    )
    # No OPD's ASN in Kendal's file: the fewest sponsors, in the file's order.
    assert [o.organisation_id for o in view.furthest_from_target] == [
        "setwan",
        "inspektorat",
        "bappeda",
        "bkpsdm",
        "bpkad",
    ]
    # R1, R2, R9 by ASN; R4 by CSR; R5, R6 in the APBD quota; R7 nobody recorded. R3 and R8 not approved.
    assert view.workers_by_funder == (
        FundedCount("asn", 3),
        FundedCount("csr", 1),
        FundedCount("bumd", 0),
        FundedCount("apbd", 2),
        FundedCount("", 1),
    )
    # 21 November: November was due on the 10th and is late from the 17th. Unpaid: S1's November (only
    # reminded), C1's November, S6's October and November.
    assert (view.periods_due, view.periods_missed) == (0, 4)
    assert view.offers_waiting == 1  # S4's; S6's expired

    clock.now = DEC_12
    later = await _figures(kendal)
    # December is due for S1, S2 and C1 (S6's commitment ended in November); November stays late.
    assert (later.periods_due, later.periods_missed) == (3, 4)


async def test_the_figures_read_as_the_dinas_reports_them(kendal_sqlite: Jaring) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    view = await _figures(app)
    text = _said(app, view)
    assert text.startswith("Angka donatur Gerakan ASN Peduli Pekerja Rentan, per 21-11-2026.")
    assert "- Donatur ASN: 4\n- CSR perusahaan: 1\n- BUMD: 0\nJumlah: 5" in text
    assert "ASN yang ikut menjadi donatur: 4 dari 10.345 ASN (0,04%)." in text
    assert "Target (RPJMD Kabupaten Kendal 2025–2029): 51,64%. Untuk mencapainya perlu 5.339 ASN lagi." in text
    assert "Donatur ASN per OPD:\n- Dinas Kesehatan: 2\n- Sekretariat Daerah: 1\n- Dinas Pendidikan" in text
    assert "OPD yang belum punya donatur: 13." in text
    assert "diurutkan menurut jumlah donatur):\n- Sekretariat DPRD: 0\n- Inspektorat: 0" in text
    assert "- Kuota APBD: 2\n- Belum tercatat siapa yang membayar: 1\nJumlah: 7" in text
    assert "- Jatuh tempo: 0 bulan\n- Terlambat (lewat 7 hari dari jatuh tempo): 4 bulan" in text
    assert "Kode donatur yang belum dipakai pekerja: 1." in text
    english = _said(app, view, "en")
    assert "Civil servants taking part as sponsors: 4 of 10,345 (0.04%)." in english
    assert "0%" not in text.replace("0,04%", "").replace("51,64%", "")  # no share made up
    for reply in sponsor_figures_replies(
        Context(app.pipeline.clock(), "id", app.programme, ContactInfo("cli"), catalogs(), app.region), view
    ):
        assert len("\n\n".join(catalogs().render(p, "id") for p in reply.parts)) < 4096  # one Telegram message


def test_the_share_of_asn_is_written_with_two_decimals() -> None:
    share = share_percent(974, 10_345)
    assert share is not None
    assert (share_text(share, "id"), share_text(share, "en")) == ("9,42%", "9.42%")
    assert share_text(51.64, "id") == "51,64%"
    assert share_percent(3, None) is None
    view = SponsorFiguresView((), 974, 10_345, share, 51.64, (), (), (), 0, 0, 0)
    assert asn_needed(view) == 4_369  # 51,64% of 10.345 is 5.342,2: 5.343 ASN
    assert asn_needed(replace(view, asn_sponsors=6_000)) == 0
    assert asn_needed(replace(view, asn_total=None)) is None


async def test_the_opds_furthest_from_the_target_by_share_where_their_asn_are_known(kendal_sqlite: Jaring) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    rules = app.programme.sponsors
    assert rules is not None
    with_asn = {"dinkes": 800, "setda": 1, "disdikbud": 1_000, "inspektorat": 50}
    organisations = tuple(
        SponsorOrganisation(id=o.id, name=o.name, synonyms=o.synonyms, asn=with_asn.get(o.id))
        for o in rules.organisations
    )
    programme = app.programme.model_copy(update={"sponsors": rules.model_copy(update={"organisations": organisations})})
    view = await _figures(app, programme)
    shares = {
        o.organisation_id: (o.asn, round(o.share_percent, 6) if o.share_percent is not None else None)
        for o in view.by_organisation
    }
    assert shares["dinkes"] == (800, 0.25)
    assert shares["setda"] == (1, 100.0)
    assert shares["rsud"] == (None, None)  # unknown, not 0%
    # Below the target, lowest share first; Setda (100%) has reached it; OPDs without ASN are not ranked.
    assert [o.organisation_id for o in view.furthest_from_target] == ["inspektorat", "disdikbud", "dinkes"]
    text = _said(app, view, programme=programme)
    assert (
        "OPD paling jauh dari target, menurut persentase ASN yang ikut:\n"
        "- Inspektorat: 0 dari 50 ASN (0,00%)\n"
        "- Dinas Pendidikan dan Kebudayaan: 1 dari 1.000 ASN (0,10%)\n"
        "- Dinas Kesehatan: 2 dari 800 ASN (0,25%)"
    ) in text
    assert "- Sekretariat Daerah: 1 dari 1 ASN (100,00%)" in text
    assert "- RSUD dr. H. Soewondo" not in text  # no sponsors there, and no share to show

    everyone_there = tuple(replace(o, sponsors=o.asn or 0, share_percent=100.0) for o in view.by_organisation if o.asn)
    assert furthest_from_target(everyone_there, 51.64) == ()


def test_months_due_and_missed_match_the_rules_for_every_sponsorship() -> None:
    """Grouped counting (`period_counts`) against each sponsorship judged alone by `period_state`, over
    random commitments, paid months (some outside the commitment) and days."""
    sponsors = pekalongan().sponsors
    assert sponsors is not None
    rng = random.Random(18)
    for _ in range(40):
        sponsorships = []
        for _ in range(rng.randint(0, 25)):
            start = date(2025 + rng.randint(0, 2), rng.randint(1, 12), 1)
            months = rng.randint(1, 24)
            candidates = [add_months(start, i) for i in range(-2, months + 2)]
            paid = frozenset(p for p in candidates if rng.random() < 0.4)
            sponsorships.append((start, months, paid))
        today = date.fromordinal(date(2025, 1, 1).toordinal() + rng.randint(0, 1100))
        expected_due = expected_missed = 0
        for start, months, paid in sponsorships:
            for period in Commitment(start, months).periods:
                state = period_state(sponsors, period, period in paid, today)
                expected_due += state == "due"
                expected_missed += state == "missed"
        commitments: dict[tuple[date, int], int] = {}
        paid_groups: dict[tuple[date, int, date], int] = {}
        for start, months, paid in sponsorships:
            commitments[start, months] = commitments.get((start, months), 0) + 1
            for period in paid:
                paid_groups[start, months, period] = paid_groups.get((start, months, period), 0) + 1
        counted = period_counts(
            sponsors,
            [(s, m, n) for (s, m), n in commitments.items()],
            [(s, m, p, n) for (s, m, p), n in paid_groups.items()],
            today,
        )
        assert (counted.due, counted.missed) == (expected_due, expected_missed), today


# ---- in chat, and who may ask -----------------------------------------------------------------------------


async def _sent_to(app: Jaring, contact: Contact) -> list[OutboxMessage]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.contact_id == contact.id).order_by(OutboxMessage.id)
        return list((await session.execute(statement)).scalars())


async def test_an_admin_reads_the_sponsor_figures_in_chat(kendal_sqlite: Jaring, clock: FixedClock) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    admin = await _admin(app)
    await talk(app.pipeline, clock, "admin", "angka")
    shown = await _sent_to(app, admin)
    assert [choice["label"] for choice in shown[-1].choices] == ["Kirim grafik", "Angka donatur", "Selesai"]

    await talk(app.pipeline, clock, "admin", "2")
    said = [m.body for m in (await _sent_to(app, admin))[len(shown) :]]
    assert said[0].startswith(f"Angka donatur {app.programme.name}, per 21-11-2026.")
    assert "ASN yang ikut menjadi donatur: 4 dari 10.345 ASN (0,04%)." in said[0]
    assert said[1].startswith("Donatur ASN per OPD:\n- Dinas Kesehatan: 2")
    assert "- Terlambat (lewat 7 hari dari jatuh tempo): 4 bulan" in said[2]
    assert said[-1].startswith("Mau grafik")  # the figures' question again: the chart, or done

    await talk(app.pipeline, clock, "admin", "selesai")
    async with app.store.transaction() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalars()
        details = [entry.detail for entry in viewed]
    assert details == [  # what was seen and by whom: no name, no number of a person
        {"year": "2026", "what": "figures", "by": "terminal:admin"},
        {"what": "sponsors", "by": "terminal:admin"},
    ]


async def test_only_admins_get_the_sponsor_figures(kendal_sqlite: Jaring) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    verifier = await _admin(app, "verifikator", role="verifier")
    async with app.store.transaction() as session:
        sponsor = await contacts.get_or_create_contact(session, "terminal", "donatur-s1", app.pipeline.clock())
    for asker in (verifier, sponsor):
        async with app.store.transaction() as session:
            answer = await app.pipeline.answerer.answer(session, asker, SponsorFigures(), app.pipeline.clock())
        assert isinstance(answer, RoleRefused)
    async with app.store.transaction() as session:
        refused = (await session.execute(select(AuditEntry).where(AuditEntry.action == "access.refused"))).scalars()
        assert [entry.detail for entry in refused] == [{"request": "SponsorFigures"}] * 2
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).first()
    assert viewed is None


async def test_a_programme_without_sponsors_offers_no_sponsor_figures(
    settings: Settings, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await open_jaring(_programme_file(settings, "kota-malang.toml"), clock)
    try:
        admin = await _admin(app)
        async with app.store.transaction() as session:
            answer = await app.pipeline.answerer.answer(session, admin, SponsorFigures(), app.pipeline.clock())
        assert isinstance(answer, SponsorsOff)
        await talk(app.pipeline, clock, "admin", "angka")
        shown = await _sent_to(app, admin)
        assert [choice["label"] for choice in shown[-1].choices] == ["Kirim grafik", "Selesai"]
        assert await run_sponsors_command(app, "figures") == 1
        assert "tidak memakai donatur" in capsys.readouterr().err
    finally:
        await app.close()


# ---- on the command line ---------------------------------------------------------------------------------


async def test_the_command_prints_what_the_chat_says(kendal_sqlite: Jaring, capsys: pytest.CaptureFixture[str]) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    assert await run_sponsors_command(app, "figures") == 0
    printed = capsys.readouterr().out
    assert printed.strip() == _said(app, await _figures(app)).strip()
    assert await run_sponsors_command(app, "figures", language="en") == 0
    assert "Civil servants taking part as sponsors: 4 of 10,345 (0.04%)." in capsys.readouterr().out
    async with app.store.transaction() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalars()
        assert [entry.detail for entry in viewed] == [{"what": "sponsors", "by": "cli"}] * 2


def test_the_commands_are_wired(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _parser().parse_args(["sponsors", "figures", "--english"])
    assert (args.command, args.sponsors_command, args.english) == ("sponsors", "figures", True)
    monkeypatch.setenv("JARING_PROGRAM_FILE", str(PROJECT_DIR / "programmes" / "kabupaten-kendal.toml"))
    code, out, _ = run_jaring(capsys, "sponsors", "figures")
    assert code == 0
    assert "Donatur yang sedang membayar untuk pekerja:\n- Donatur ASN: 0" in out
    assert "ASN yang ikut menjadi donatur: 0 dari 10.345 ASN (0,00%)." in out
    monkeypatch.setenv("JARING_PROGRAM_FILE", str(PROJECT_DIR / "programmes" / "kota-malang.toml"))
    code, _, err = run_jaring(capsys, "sponsors", "figures", "--english")
    assert (code, err.strip()) == (
        1,
        "jaring: The programme Perlindungan Pekerja Rentan Kota Malang has no sponsors: "
        "the programme file has no [sponsors] section.",
    )


async def test_the_reminder_round_runs_once_from_the_command_and_queues_its_letters(
    kendal_sqlite: Jaring, capsys: pytest.CaptureFixture[str]
) -> None:
    app = kendal_sqlite
    await seed_kendal_sponsors(app)
    await _admin(app)  # the Dinas is told of the late months
    assert await run_sponsors_command(app, "remind") == 0
    async with app.store.transaction() as session:
        queued = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "notification"))).scalars()
        count = len(list(queued))
    assert count > 0
    assert (
        capsys.readouterr().out
        == f"Putaran pengingat donatur selesai: {count} pesan masuk antrean. `jaring serve` yang mengirimnya.\n"
    )
    assert await run_sponsors_command(app, "remind") == 0  # nothing twice
    assert "selesai: 0 pesan" in capsys.readouterr().out
