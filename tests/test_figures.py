"""The Dinas's figures on SQLite and PostgreSQL: known data gives exact numbers (quota use, coverage,
premiums committed, claims paid, accident reports, unanswered questions, participants per budget year new
and continuing, the newest renewal round), worded the way the Dinas reports them and short enough for a
phone; the chart is a real 1200 × 900 PNG; only admins get any of it, in chat or by a crafted
request; every view is audited."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.commands.figures import run_stats_command
from bot.desks.figures import (
    committed_premiums,
    draw_chart,
    gather_figures,
    months_covered,
)
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.flows import build_engine
from conversations.flows.figures import figures_replies, percent_text, rupiah_short
from conversations.messages import msg
from conversations.numbers import count_text
from conversations.requests.base import Request
from conversations.requests.export import ExportEnrolment
from conversations.requests.figures import (
    Count,
    FigureCounts,
    FileQueued,
    OnlyForAdmins,
    RenewalFigures,
    SendFiguresChart,
    ShowFigures,
    YearOfParticipants,
)
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxFile, OutboxMessage, Registration, Renewal, RenewalRound
from db.repositories import (
    accident_reports,
    claim_cases,
    contacts,
    participant_years,
    quotas,
    roles,
    unanswered_questions,
)
from tests.conftest import FixedClock
from tests.core_support import (
    MENU,
    SAMPLE_FIGURES,
    catalogs,
    choice_ids,
    context,
    default_answer,
    inbound,
    keys,
    render_reply,
    run,
)
from tests.test_enrolment import register_workers
from tests.test_registrations import talk

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


async def _known_data(app: Jaring) -> None:
    """Ten registrations in every state, a quota raised to 8, three paid claims, accident reports around
    New Year in local time, and questions the bot could not answer."""
    now = app.pipeline.clock()
    ids = await register_workers(
        app,
        10,
        statuses={
            0: "active",
            1: "active",
            2: "active",
            3: "approved",
            4: "approved",
            5: "waiting_list",
            6: "rejected",
            7: "verified",
        },
    )
    async with app.store.transaction() as session:
        for i, start in ((0, date(2025, 6, 1)), (1, date(2026, 3, 15)), (2, None)):
            row = await session.get(Registration, ids[i])
            assert row is not None
            row.coverage_start = start  # None: counted from the day it became active (November: 2 months)
        for i in range(5):
            row = await session.get(Registration, ids[i])
            assert row is not None
            row.quota_year = 2026
        await quotas.record_quota_change(
            session, app.programme.id, 2026, 8, actor="test", actor_contact_id=None, reason="APBD-P", now=now
        )
        heir = await contacts.get_or_create_contact(session, "terminal", "heir", now)
        for status, paid in (("paid", 42_000_000), ("paid", 42_000_000), ("paid", 70_000_000), ("collecting", None)):
            fields = {"programme_id": app.programme.id, "contact_id": heir.id, "data": {}, "status": status}
            await claim_cases.add_case(session, {**fields, "amount_paid": paid}, now)
        await claim_cases.add_case(
            session, {"programme_id": app.programme.id, "contact_id": heir.id, "data": {}, "status": "rejected"}, now
        )
        for created in (
            now,
            datetime(2025, 12, 31, 18, 0, tzinfo=UTC),  # 1 January 2026, 01:00 WIB: this year
            datetime(2025, 12, 31, 16, 0, tzinfo=UTC),  # 31 December 2025, 23:00 WIB: last year
        ):
            await accident_reports.add_report(
                session,
                {
                    "programme_id": app.programme.id,
                    "what": "jatuh dari becak",
                    "place": "Jl. Hayam Wuruk",
                    "occurred_on": created.date(),
                    "treated_at": "puskesmas",
                    "reporter_phone": "6281200000000",
                    "relation": "self",
                    "created_at": created,
                },
            )
        for days_ago, text in ((40, "lama sekali"), (20, "kapan kartu jadi"), (2, "iuran naik?"), (1, "nik ••••")):
            await unanswered_questions.add_question(
                session, None, text, language="id", asked_in="menu", now=now - timedelta(days=days_ago)
            )


async def _admin(app: Jaring, name: str = "admin", role: str = "admin") -> Contact:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "terminal", name, now)
        await roles.grant_role(
            session,
            contact.id,
            role,
            granted_by="test",
            now=now,
            kelurahan_code="33.75.01.1002" if role != "admin" else None,
        )
    return contact


async def _sent_to(app: Jaring, contact: Contact) -> list[OutboxMessage]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.contact_id == contact.id).order_by(OutboxMessage.id)
        return list((await session.execute(statement)).scalars())


# ---- numbers ------------------------------------------------------------------------------------


async def test_known_data_gives_exact_figures(app: Jaring) -> None:
    await _known_data(app)
    async with app.store.transaction() as session:
        figures = await gather_figures(session, app.programme, year=2026, now=app.pipeline.clock())
    assert figures.counts.by_status == (
        Count("submitted", 2),
        Count("verified", 1),
        Count("waiting_list", 1),
        Count("approved", 2),
        Count("active", 3),
        Count("rejected", 1),
    )
    kelurahan = app.region.all_kelurahan
    assert sorted(figures.counts.by_kelurahan, key=lambda c: c.key) == sorted(
        (Count(kelurahan[i].code, 1) for i in (0, 1, 2, 3, 4, 5, 7, 8, 9)), key=lambda c: c.key
    )  # the rejected one (6) is not counted by place
    assert sum(c.count for c in figures.counts.by_job_type) == 9
    assert (figures.quota_places, figures.quota_used, figures.active) == (8, 5, 3)
    # 12 months (started 2025) + 10 (March) + 2 (became active in November, no start date) = 24 months
    assert figures.premiums_year == 24 * 16_800
    assert (figures.claims_paid, figures.claims_paid_total, figures.claims_open) == (3, 154_000_000, 1)
    assert figures.accident_reports == 2
    assert (figures.unanswered_count, figures.unanswered_days) == (3, 30)
    assert figures.unanswered_newest == ("nik ••••", "iuran naik?", "kapan kartu jadi", "lama sekali")

    text = "\n\n".join(
        catalogs().render(part, "id") for reply in figures_replies(context(), figures) for part in reply.parts
    )
    assert "- Aktif (sudah punya KPJ): 3\n- Ditolak: 1\nJumlah: 10" in text
    assert "Kuota 2026: 5 / 8 terpakai (62,5%). Sisa 3 tempat. Daftar tunggu: 1 orang." in text
    assert "Klaim ahli waris yang sudah dibayar: 3 santunan, Rp154 juta. Masih diurus: 1." in text
    assert "Iuran tahun 2026: Rp403.200 untuk peserta aktif" in text
    assert "Sekarang Rp50.400 per bulan (3 × Rp16.800)." in text
    assert "Perkiraan jumlah pekerja rentan belum diisi di berkas program" in text
    assert "Laporan kecelakaan kerja tahun 2026: 2." in text
    assert "(30 hari terakhir): 3.\n\nYang terbaru:\n- nik ••••\n- iuran naik?" in text

    async with app.store.transaction() as session:
        last_year = await gather_figures(session, app.programme, year=2025, now=app.pipeline.clock())
    assert (last_year.quota_places, last_year.quota_used, last_year.accident_reports) == (None, 0, 1)
    assert last_year.premiums_year == 7 * 16_800  # only the one who started in June 2025


def test_premiums_count_whole_months_from_the_start_to_december() -> None:
    assert [months_covered(date(2026, m, 15), 2026) for m in (1, 6, 12)] == [12, 7, 1]
    assert (months_covered(date(2025, 12, 1), 2026), months_covered(date(2027, 1, 1), 2026)) == (12, 0)
    assert committed_premiums([date(2026, 1, 1)] * 423, 2026, 16_800) == 423 * 12 * 16_800


def _rupiah(amount: int, language: str = "id") -> str:
    shown = catalogs().render(msg("figures.question", text=rupiah_short(amount, language)), language)
    return shown.removeprefix("- ")


def test_money_counts_and_percentages_are_written_the_indonesian_way() -> None:
    assert [_rupiah(a) for a in (588_000_000, 407_600_000, 1_234_000_000, 16_800, 0)] == [
        "Rp588 juta",
        "Rp407,6 juta",
        "Rp1,2 miliar",
        "Rp16.800",
        "Rp0",
    ]
    assert (_rupiah(8_400_000, "en"), _rupiah(588_000_000, "en")) == ("Rp8.4 million", "Rp588 million")
    assert (percent_text(423, 1000, "id"), percent_text(423, 1000, "en"), percent_text(1, 0, "id")) == (
        "42,3%",
        "42.3%",
        "-",
    )
    assert (count_text(1_700, "id"), count_text(200_000, "en")) == ("1.700", "200,000")


def test_the_top_ten_places_are_named_and_the_rest_summed() -> None:
    places = tuple(Count(f"33.75.0{1 + i % 4}.10{i:02d}", 30 - i) for i in range(13))
    figures = replace(SAMPLE_FIGURES, counts=FigureCounts(by_kelurahan=places))
    text = catalogs().render(figures_replies(context(), figures)[1].parts[0], "id")
    lines = text.splitlines()[1:]
    assert len(lines) == 11
    assert lines[0] == "- 33.75.01.1000: 30"  # a code not in the region list is shown as the code
    assert lines[-1] == f"- Lainnya (3 kelurahan): {18 + 19 + 20}"


def test_coverage_is_against_the_estimate_in_the_programme_file() -> None:
    ctx = context()
    kendal = replace(ctx, programme=ctx.programme.model_copy(update={"estimated_vulnerable_workers": 200_000}))
    text = catalogs().render(figures_replies(kendal, SAMPLE_FIGURES)[2].parts[1], "id")
    assert text == "Cakupan: 423 peserta aktif dari perkiraan 200.000 pekerja rentan (0,2%)."


# ---- the chart ----------------------------------------------------------------------------------


async def test_the_chart_is_a_png_readable_on_a_phone(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _known_data(app)
    async with app.store.transaction() as session:
        png = await draw_chart(session, app.programme, app.catalogs, year=2026, now=app.pipeline.clock(), language="id")
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert (width, height) == (1200, 900)

    assert await run_stats_command(app, 2026, tmp_path / "grafik.png") == 0
    assert (tmp_path / "grafik.png").read_bytes().startswith(PNG_SIGNATURE)
    printed = capsys.readouterr().out
    assert "Kuota 2026: 5 / 8 terpakai (62,5%)." in printed
    assert "Grafik ditulis ke" in printed
    async with app.store.transaction() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalar_one()
    assert viewed.detail == {"year": "2026", "what": "figures+chart", "by": "cli"}


# ---- only for admins ----------------------------------------------------------------------------


async def test_an_admin_reads_the_figures_in_chat_and_gets_the_chart(app: Jaring, clock: FixedClock) -> None:
    await _known_data(app)
    admin = await _admin(app)
    await talk(app.pipeline, clock, "admin", "angka")
    shown = await _sent_to(app, admin)
    assert len(shown) == 5
    assert shown[0].body.startswith("Angka Batik Berlian, per 21-11-2026.")
    assert "Kuota 2026: 5 / 8 terpakai (62,5%)." in shown[2].body
    assert shown[3].body.startswith("Peserta per tahun anggaran: belum ada yang tercatat.")
    assert "Kirim grafik" in str(shown[4].choices)

    await talk(app.pipeline, clock, "admin", "2025")  # another year's figures, then the chart for it
    await talk(app.pipeline, clock, "admin", "1")
    sent = (await _sent_to(app, admin))[5:]
    assert "Kuota 2025 belum diatur" in sent[2].body
    chart = next(m for m in sent if m.kind == "file")
    assert chart.body == "Grafik Batik Berlian 2025: pendaftaran per bulan dan pemakaian kuota."
    assert sent[-1].body.startswith("Grafik sedang dikirim sebagai gambar.")
    async with app.store.transaction() as session:
        stored = await session.get(OutboxFile, chart.file_id)
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalars()
        details = [(entry.actor_contact_id, entry.detail["year"], entry.detail["what"]) for entry in viewed]
    assert stored is not None
    assert stored.content is not None
    assert (stored.media_type, stored.file_name) == ("image/png", "grafik-2025.png")
    assert app.cipher.decrypt_bytes(stored.content).startswith(PNG_SIGNATURE)
    assert details == [(admin.id, "2026", "figures"), (admin.id, "2025", "figures"), (admin.id, "2025", "chart")]


async def test_an_admin_gets_the_enrolment_list_in_chat(app: Jaring, clock: FixedClock) -> None:
    await _known_data(app)
    admin = await _admin(app)
    await talk(app.pipeline, clock, "admin", "ekspor", "1", "excel")
    sent = await _sent_to(app, admin)
    file = next(m for m in sent if m.kind == "file")
    assert file.body.startswith("Daftar untuk BPJS Ketenagakerjaan: 2 pendaftaran.")
    assert sent[-1].body.startswith("Berkas daftar-bpjstk-disetujui-21-11-2026.xlsx sedang dikirim: 2 pendaftaran.")
    assert "NIK lengkap" in sent[-1].body

    await talk(app.pipeline, clock, "admin", "ekspor", "2", "csv")  # three active ones, as CSV
    async with app.store.transaction() as session:
        files = (await session.execute(select(OutboxFile).order_by(OutboxFile.id))).scalars().all()
        exported = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.exported"))
        ).scalars()
        details = [(entry.actor_contact_id, entry.detail["rows"], entry.detail["format"]) for entry in exported]
    assert [f.file_name for f in files] == [
        "daftar-bpjstk-disetujui-21-11-2026.xlsx",
        "daftar-bpjstk-aktif-21-11-2026.csv",
    ]
    content = files[1].content
    assert content is not None
    assert app.cipher.decrypt_bytes(content).decode("utf-8-sig").count("\r\n") == 4  # header + 3 rows
    assert details == [(admin.id, "2", "xlsx"), (admin.id, "3", "csv")]


@pytest.mark.parametrize("role", ["none", "verifier", "rtrw"])
async def test_nobody_else_gets_figures_or_the_list_in_chat(app: Jaring, clock: FixedClock, role: str) -> None:
    await _known_data(app)
    person = await _admin(app, "someone", role) if role != "none" else await _admin(app, "someone", "rtrw")
    if role == "none":
        async with app.store.transaction() as session:
            await roles.revoke_role(session, person.id, "rtrw", clock())
    for words in ("angka", "statistik", "ekspor"):
        await talk(app.pipeline, clock, "someone", words)
    sent = await _sent_to(app, person)
    assert [m.body.splitlines()[0] for m in sent] == ["Maaf, menu ini hanya untuk admin Dinas."] * 3
    assert all(m.kind != "file" for m in sent)


@pytest.mark.parametrize("request_", [ShowFigures(), SendFiguresChart(2026), ExportEnrolment("approved", "xlsx")])
async def test_a_crafted_request_from_a_non_admin_is_refused_by_the_store(
    app: Jaring, clock: FixedClock, request_: ShowFigures | SendFiguresChart | ExportEnrolment
) -> None:
    await _known_data(app)
    verifier = await _admin(app, "verifier", "verifier")
    admin = await _admin(app)
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
    async with app.store.transaction() as session:
        refused = await desk.answer(session, verifier, request_, clock())
        allowed = await desk.answer(session, admin, request_, clock())
    assert refused == OnlyForAdmins()
    assert not isinstance(allowed, OnlyForAdmins)
    if not isinstance(request_, ShowFigures):
        assert isinstance(allowed, FileQueued)
        assert allowed.rows > 0
    assert [m.kind for m in await _sent_to(app, verifier)] == []
    async with app.store.transaction() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.refused"))).scalar_one()
    assert audit.actor_contact_id == verifier.id


# ---- the flows alone (the pure core) -----------------------------------------------------------


def test_the_export_flow_asks_status_then_format_and_says_what_to_type_when_unsure() -> None:
    engine = build_engine()
    admin = context(roles=frozenset({"admin"}))
    asked: list[Request[object]] = []

    def answer(request: Request[object]) -> object:
        asked.append(request)
        return default_answer(request)

    outcome = run(engine, MENU, inbound("ekspor"), admin, answer)
    assert keys(outcome) == [["export.which_status"]]
    assert choice_ids(outcome) == [["approved", "active", "all"]]
    outcome = run(engine, outcome.state, inbound("entah"), admin, answer)
    assert keys(outcome) == [["engine.pick_a_number", "export.which_status"]]
    outcome = run(engine, outcome.state, inbound("semua"), admin, answer)
    assert keys(outcome) == [["export.which_format"]]
    outcome = run(engine, outcome.state, inbound("csv"), admin, answer)
    assert asked == [ExportEnrolment("all", "csv")]
    assert keys(outcome)[0][0] == "export.sent"
    assert "3 pendaftaran" in render_reply(outcome.replies[0], "id")[0]


def _no_store(request: Request[object]) -> object:
    raise AssertionError(f"the store was asked {request}")


def test_the_figures_flow_refuses_anyone_but_an_admin_before_asking_the_store() -> None:
    engine = build_engine()
    for roles_held in (frozenset[str](), frozenset({"verifier"}), frozenset({"rtrw"})):
        outcome = run(engine, MENU, inbound("statistik"), context(roles=roles_held), _no_store)
        assert keys(outcome)[0][0] == "figures.only_for_admins"
    outcome = run(engine, MENU, inbound("angka"), context(roles=frozenset({"admin"})))
    assert keys(outcome) == [
        ["figures.registrations"],
        ["figures.by_kelurahan", "figures.by_job_type"],
        [
            "figures.quota",
            "figures.coverage_not_set",
            "figures.premiums",
            "figures.claims",
            "figures.accidents",
            "figures.unanswered",
            "figures.unanswered_newest",
        ],
        ["figures.years_none", "figures.renewal_none"],
        ["figures.what_next"],
    ]
    said = "\n".join(render_reply(reply, "id")[0] for reply in outcome.replies)
    assert "Klaim ahli waris yang sudah dibayar: 14 santunan, Rp588 juta." in said
    assert "Kuota 2026: 428 / 1.000 terpakai (42,8%)." in said
    outcome = run(engine, outcome.state, inbound("tahun lalu"), context(roles=frozenset({"admin"})))
    assert keys(outcome) == [["figures.pick_next", "figures.what_next"]]


# ---- budget years and the renewal round -----------------------------------------------------------------


async def test_participants_per_budget_year_new_and_continuing_against_quota_and_estimate(app: Jaring) -> None:
    now = app.pipeline.clock()
    ids = await register_workers(app, 6, statuses=dict.fromkeys(range(6), "active"))
    years: list[tuple[int, int, participant_years.Kind]] = [
        (ids[5], 2020, "new"),
        *((ids[5], year, "continuing") for year in (2021, 2022, 2023)),
        (ids[0], 2024, "new"),
        (ids[1], 2024, "new"),
        (ids[0], 2025, "continuing"),
        (ids[1], 2025, "continuing"),
        (ids[2], 2025, "new"),
        (ids[0], 2026, "continuing"),
        (ids[2], 2026, "continuing"),
        (ids[3], 2026, "new"),
        (ids[4], 2026, "new"),
    ]
    async with app.store.transaction() as session:
        await participant_years.record_years(session, app.programme.id, years, source="import", now=now)
        await quotas.record_quota_change(
            session, app.programme.id, 2026, 8, actor="test", actor_contact_id=None, reason="APBD", now=now
        )
        figures = await gather_figures(session, app.programme, year=2026, now=now)
    assert figures.participant_years == (  # the newest five years recorded; 2022 and 2023 from the file
        YearOfParticipants(2022, 0, 1, 1000),
        YearOfParticipants(2023, 0, 1, 1000),
        YearOfParticipants(2024, 2, 0, None),
        YearOfParticipants(2025, 1, 2, None),
        YearOfParticipants(2026, 2, 2, 8),
    )
    assert figures.renewal is None

    said = catalogs().render(figures_replies(context(), figures)[3].parts[0], "id")
    assert said.splitlines() == [
        "Peserta per tahun anggaran (baru, atau lanjutan dari tahun sebelumnya):",
        "- 2022: 1 peserta (0 baru, 1 lanjutan); 0,1% dari kuota 1.000",
        "- 2023: 1 peserta (0 baru, 1 lanjutan); 0,1% dari kuota 1.000",
        "- 2024: 2 peserta (2 baru, 0 lanjutan); kuota belum diatur",
        "- 2025: 3 peserta (1 baru, 2 lanjutan); kuota belum diatur",
        "- 2026: 4 peserta (2 baru, 2 lanjutan); 50% dari kuota 8",
    ]
    english = context("en")
    programme = english.programme.model_copy(update={"estimated_vulnerable_workers": 1_000})
    parts = figures_replies(replace(english, programme=programme), figures)[3].parts
    assert len(parts) == 2  # no "estimate not set", and Pekalongan has a renewal month: "never opened"
    assert catalogs().render(parts[0], "en").splitlines()[-1] == (
        "- 2026: 4 participants (2 new, 2 continuing); 50% of the quota of 8; 0.4% of an estimated 1,000 "
        "vulnerable workers"
    )
    unset = [catalogs().render(part, "id") for part in figures_replies(context(), figures)[3].parts]
    assert unset[1].startswith("Cakupan per tahun terhadap jumlah pekerja rentan belum bisa dihitung")
    assert unset[2] == "Perpanjangan peserta ke tahun berikutnya: belum pernah dibuka."


def _row(round_id: int, registration_id: int, decision: str, **fields: object) -> Renewal:
    return Renewal(round_id=round_id, registration_id=registration_id, decision=decision, **fields)


async def test_the_newest_renewal_round_is_counted_the_way_the_dinas_asks(app: Jaring) -> None:
    now = app.pipeline.clock()
    asked, answered = now - timedelta(days=9), now - timedelta(days=5)
    ids = await register_workers(app, 9, statuses=dict.fromkeys(range(9), "active"))
    async with app.store.transaction() as session:
        worker = await contacts.get_or_create_contact(session, "terminal", "worker-0", now)
        older = RenewalRound(
            programme_id=app.programme.id, year=2026, status="closed", opened_by="cli", opened_at=now, closed_at=now
        )
        newest = RenewalRound(
            programme_id=app.programme.id, year=2027, status="open", opened_by="cli", opened_at=now - timedelta(10)
        )
        session.add_all([older, newest])
        await session.flush()
        chat = {"contact_id": worker.id, "asked_at": asked}
        said_no = {**chat, "answered_at": answered, "reason": "moved", "answer": "moved"}
        decided = {"decided_by_contact_id": worker.id, "decided_at": now}
        session.add_all(
            [
                _row(older.id, ids[0], "continues"),  # an older round: not counted
                _row(newest.id, ids[0], "continues", **chat, answer="yes", answered_at=answered),
                _row(newest.id, ids[1], "check", **said_no, reminded_at=answered),
                _row(newest.id, ids[2], "ends", **said_no, **decided),
                _row(newest.id, ids[3], "continues", **chat, answer="not_working", answered_at=answered, **decided),
                _row(newest.id, ids[4], "ends", **chat, reason="asked_to_leave", answer="leave", answered_at=answered),
                _row(newest.id, ids[5], "continues", **chat, reminded_at=answered),  # silent: continues
                _row(newest.id, ids[6], "continues"),  # no chat: not asked, continues
                _row(newest.id, ids[7], "ends", reason="deceased"),  # never asked, not "not reachable"
                _row(newest.id, ids[8], "ends", reason="aged_out", contact_id=worker.id),  # told, not asked
            ]
        )
        await session.flush()
        figures = await gather_figures(session, app.programme, year=2026, now=now)
    assert figures.renewal == RenewalFigures(
        year=2027,
        open=True,
        opened_at=now - timedelta(10),
        closed_at=None,
        participants=9,
        asked=6,
        reminded=2,
        answered_yes=1,
        said_no=3,
        asked_to_leave=1,
        decided_by_kelurahan=2,
        waiting_for_kelurahan=1,
        not_reachable=1,
        silent=1,
        ending=(Count("aged_out", 1), Count("asked_to_leave", 1), Count("deceased", 1), Count("moved", 1)),
    )
    said = catalogs().render(figures_replies(context(), figures)[3].parts[-1], "id")
    assert said.splitlines() == [
        "Perpanjangan ke tahun 2027 (dibuka 11 November 2026, masih berjalan):",
        "- Peserta: 9",
        "- Ditanya lewat chat: 6; diingatkan: 2",
        "- Sudah menjawab: 5 (masih lanjut 1; pindah atau tidak bekerja lagi 3; minta berhenti 1)",
        "- Diputuskan kelurahan: 2; masih menunggu kelurahan: 1",
        "- Tidak bisa ditanya (tanpa chat, tetap lanjut): 1",
        "- Belum menjawab (tetap lanjut): 1",
        "- Berhenti mulai 1 Januari 2027: 4 (lewat batas umur 1, minta berhenti 1, meninggal 1, pindah 1)",
    ]


def test_the_figures_fit_a_phone_message_with_every_year_and_reason() -> None:
    """Every reply stays within WhatsApp's 4.096 characters, the fullest figures in either language."""
    places = tuple(Count(f"33.75.0{1 + i % 4}.10{i:02d}", 3_000 - i) for i in range(40))
    jobs = tuple(Count(f"job_{i}", 9_000 - i) for i in range(40))
    renewal = RenewalFigures(
        year=2027,
        open=False,
        opened_at=datetime(2026, 11, 2, tzinfo=UTC),
        closed_at=datetime(2027, 1, 2, tzinfo=UTC),
        participants=1_234_567,
        asked=1_000_000,
        reminded=999_999,
        answered_yes=888_888,
        said_no=77_777,
        asked_to_leave=66_666,
        decided_by_kelurahan=55_555,
        waiting_for_kelurahan=44_444,
        not_reachable=234_567,
        silent=33_333,
        ending=tuple(
            Count(reason, 10_000 + i)
            for i, reason in enumerate(("deceased", "aged_out", "asked_to_leave", "moved", "not_working", "other"))
        ),
    )
    fullest = replace(
        SAMPLE_FIGURES,
        counts=FigureCounts(by_status=SAMPLE_FIGURES.counts.by_status, by_kelurahan=places, by_job_type=jobs),
        unanswered_newest=("x" * 300,) * 5,
        participant_years=tuple(YearOfParticipants(2022 + i, 123_456, 654_321, 1_000_000) for i in range(5)),
        renewal=renewal,
    )
    ctx = context()
    estimated = replace(ctx, programme=ctx.programme.model_copy(update={"estimated_vulnerable_workers": 2_000_000}))
    for language in ("id", "en"):
        for reply in figures_replies(estimated, fullest):
            body, _ = render_reply(reply, language)
            assert len(body) <= 4_096, (language, len(body))
