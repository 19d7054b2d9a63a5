"""Linking a record the Dinas holds to its worker's chat ("hubungkan data"): an imported participant, or one
an RT/RW leader entered, proves with NIK and birth date that it is theirs. Through the real pipeline on
SQLite and PostgreSQL with a fixed clock: a match links and tells the status, KPJ masked and the notice;
a wrong birth date and a wrong NIK get the same answer; wrong tries are limited per person and per NIK
(a NIK held whether or not it is registered); a record linked already, or erased, is not linked; the
WhatsApp number is recorded only on WhatsApp and only after a yes; the audit never holds a NIK."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.desks import linking as linking_desk
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.coverage import Membership, Verdict, coverage_on
from conversations.inbound import Inbound
from conversations.requests.accidents import (
    AccidentReported,
    FindParticipant,
    ParticipantFound,
    SubmitAccidentReport,
)
from conversations.requests.claims import ClaimCaseSaved, ListClaimCases, SaveClaimCase
from conversations.requests.registrations import EraseRegistration, SubmitRegistration, Submitted
from conversations.state import Json
from db.connection import Store
from db.models import AccidentReport, AuditEntry, OutboxMessage, Registration
from db.repositories import contacts, registrations, roles
from db.repositories.participants import ImportedParticipant, add_imported
from tests.conftest import FixedClock
from tests.test_registrations import draft

NIK = "3375011203800001"  # SUPARNO, born 12 March 1980, imported
BORN = "12-03-1980"
KPJ = "24017731658"
OTHER_NIK = "3375010507790003"  # registered nowhere
NEIGHBOUR_NIK = "3375014506850001"  # Siti Aminah, born 5 June 1985, entered by her RT/RW leader
WA_NUMBER = "6281298765432"
NO_MATCH = "NIK dan tanggal lahir itu tidak cocok dengan data peserta yang bisa dihubungkan."
_ids = count(1)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    jaring = await open_jaring(settings, clock, store=store)
    async with jaring.store.transaction() as session:
        participant = ImportedParticipant(
            nik_cipher=jaring.cipher.encrypt(NIK),
            nik_hash=jaring.cipher.blind_index(NIK),
            full_name="SUPARNO",
            birth_date=date(1980, 3, 12),
            female=False,
            kelurahan_code="33.75.01.1002",
            kpj=KPJ,
            coverage_start=date(2024, 3, 1),
            budget_year=2026,
            job_type="tukang_becak",
        )
        legal_basis = jaring.programme.privacy.legal_basis
        await add_imported(session, jaring.programme.id, [participant], legal_basis=legal_basis, now=clock())
    return jaring


async def say(app: Jaring, clock: FixedClock, who: str, *texts: str, channel: str = "terminal") -> list[str]:
    """Send each text through the real pipeline; the replies the last one got."""
    replies: list[str] = []
    for text in texts:
        async with app.store.transaction() as session:
            before = (await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))).first()
        await app.pipeline.handle(Inbound(channel, who, f"m{next(_ids)}", clock(), text))
        clock.advance(minutes=1)
        async with app.store.transaction() as session:
            statement = select(OutboxMessage).where(OutboxMessage.id > (before[0] if before else 0))
            rows = (await session.execute(statement.order_by(OutboxMessage.id))).scalars()
            replies = [row.body for row in rows if row.recipient == who]
    return replies


async def link(app: Jaring, clock: FixedClock, who: str, nik: str, born: str, channel: str = "terminal") -> str:
    replies = await say(app, clock, who, "hubungkan data", nik, born, channel=channel)
    return "\n\n".join(replies)


async def imported_row(app: Jaring) -> Registration:
    async with app.store.transaction() as session:
        row = await registrations.find_by_nik_hash(session, app.cipher.blind_index(NIK))
        assert row is not None
        return row


async def contact_id(app: Jaring, who: str, channel: str = "terminal") -> int:
    async with app.store.transaction() as session:
        contact = await contacts.find_contact(session, channel, who)
        assert contact is not None
        return contact.id


async def audit_log(app: Jaring) -> list[AuditEntry]:
    async with app.store.transaction() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


def no_nik_in(entries: list[AuditEntry], *niks: str) -> bool:
    return not any(nik in f"{e.action} {e.subject} {e.detail}" for e in entries for nik in niks)


async def test_an_imported_participant_links_with_nik_and_birth_date_and_is_told_status_kpj_and_notice(
    app: Jaring, clock: FixedClock
) -> None:
    asked = await say(app, clock, "suparno", "hubungkan data")
    assert asked[0].startswith("Untuk memastikan data peserta ini milik Anda")
    assert "Tidak ada data baru yang disimpan" in asked[0]
    assert asked[1] == "Tulis NIK Anda (16 angka di KTP)."
    told = "\n\n".join(await say(app, clock, "suparno", "3375 0112 0380 0001", "tgl 12 maret 1980"))

    assert "Data peserta atas nama SUPARNO sekarang terhubung dengan chat ini." in told
    assert "Status: aktif sejak 1 Maret 2024. Hari ini Anda terlindungi" in told
    assert "Nomor KPJ (nomor peserta): •••••••1658." in told
    assert KPJ not in told
    assert NIK not in told
    assert "ahli waris menerima Rp42.000.000" in told  # JKM, from the programme file
    programme = app.programme
    assert f"Dasar hukumnya: {programme.privacy.legal_basis}." in told
    assert "Pasal 20 ayat (2) huruf e" in told
    assert programme.privacy.controller in told
    assert f"disimpan {programme.privacy.retention_years} tahun" in told
    assert 'Ketik "data saya"' in told
    assert "Boleh nomor WhatsApp" not in told  # not on WhatsApp: the phone is not asked

    row = await imported_row(app)
    assert row.registrant_contact_id == await contact_id(app, "suparno")
    assert row.phone is None
    entries = await audit_log(app)
    linked = [e for e in entries if e.action == "registration.linked"]
    assert [(e.subject, e.detail) for e in linked] == [
        (f"registration:{row.id}", {"source": "import", "channel": "terminal"})
    ]
    notice = [e.detail for e in entries if e.action == "privacy.notice_shown"]
    assert notice == [{"registration": str(row.id), "basis": "public_task", "notice": "2026-12-06"}]
    assert no_nik_in(entries, NIK)

    # The record is theirs now: "cek status" and "data saya" show it as for anyone else.
    status = "\n".join(await say(app, clock, "suparno", "cek status"))
    assert f"Nomor {row.id}: SUPARNO (NIK 3375••••••••0001)" in status
    assert f"aktif sebagai peserta BPJS Ketenagakerjaan, nomor KPJ {KPJ}" in status
    mine = "\n".join(await say(app, clock, "suparno", "data saya"))
    assert "SUPARNO" in mine
    # Linking again from the same chat: already theirs.
    again = await link(app, clock, "suparno", NIK, BORN)
    assert "sudah terhubung dengan chat Anda" in again


async def test_a_wrong_birth_date_and_a_wrong_nik_get_the_same_answer_and_nothing_is_linked(
    app: Jaring, clock: FixedClock
) -> None:
    wrong_date = await say(app, clock, "suparno", "hubungkan data", NIK, "12-03-1981")
    wrong_nik = await say(app, clock, "tono", "hubungkan data", OTHER_NIK, "05-07-1979")
    assert (
        wrong_date
        == wrong_nik
        == [
            f"{NO_MATCH} Periksa lagi KTP Anda, lalu tulis ulang. Sisa percobaan: 2.",
            "Tulis NIK Anda (16 angka di KTP).",
        ]
    )
    assert (await imported_row(app)).registrant_contact_id is None
    failed = [e for e in await audit_log(app) if e.action == linking_desk.LINK_FAILED]
    assert len(failed) == 2
    assert failed[0].subject != failed[1].subject  # two NIKs, told apart by a keyed hash only
    assert all(e.subject and e.subject.startswith("nik:") for e in failed)
    assert failed[0].subject == linking_desk.nik_try_subject(app.cipher, NIK)
    assert failed[0].subject != "nik:" + app.cipher.blind_index(NIK)[:24]  # not the registrations' hash
    assert no_nik_in(await audit_log(app), NIK, OTHER_NIK)
    # The right pair after a wrong one links (the flow asked the NIK again).
    told = "\n".join(await say(app, clock, "suparno", NIK, BORN))
    assert "sekarang terhubung dengan chat ini" in told


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every NIK hash the store was asked to find."""
    asked: list[str] = []
    real: Callable[..., Awaitable[Registration | None]] = registrations.find_by_nik_hash

    async def counted(session: object, nik_hash: str) -> Registration | None:
        asked.append(nik_hash)
        return await real(session, nik_hash)

    monkeypatch.setattr(registrations, "find_by_nik_hash", counted)
    return asked


async def test_three_wrong_tries_a_day_per_person_then_even_the_right_pair_waits(
    app: Jaring, settings: Settings, clock: FixedClock, store: Store, lookups: list[str]
) -> None:
    assert (linking_desk.LINK_TRIES_PER_PERSON, linking_desk.LINK_WINDOW.total_seconds()) == (3, 24 * 3600)
    first = clock()
    replies = [await link(app, clock, "tono", OTHER_NIK, "05-07-1979")]
    clock.advance(hours=2)
    replies.append(await link(app, clock, "tono", NIK, "01-01-1980"))
    replies.append(await link(app, clock, "tono", NIK, "12-03-1979"))
    assert "Sisa percobaan: 2." in replies[0]
    assert "Sisa percobaan: 1." in replies[1]
    # The third: no tries left, told when to come back (a day after the first) and where to go instead.
    assert replies[2].split("\n\n")[-4:] == [
        NO_MATCH,
        "Demi keamanan data, percobaan dihentikan dulu. Coba lagi setelah 22 jam.",
        f"Atau datang ke kantor kelurahan atau ke {app.programme.dinas_name} dengan membawa KTP. Bisa juga "
        "bertanya ke call centre BPJS Ketenagakerjaan 175.",
        'Ketik "menu" untuk kembali ke menu utama.',
    ]
    assert len(lookups) == 3

    # The right pair now: refused without looking anything up, also after a restart.
    other = await open_jaring(settings, clock, store=store)
    refused = await link(other, clock, "tono", NIK, BORN)
    assert "Coba lagi setelah 22 jam." in refused
    assert NO_MATCH not in refused
    assert len(lookups) == 3
    assert (await imported_row(app)).registrant_contact_id is None
    throttled = [e for e in await audit_log(app) if e.action == linking_desk.LINK_THROTTLED]
    assert [e.detail for e in throttled] == [{"wait_hours": "22"}]

    # A day after the first wrong try, the right pair links (the NIK itself was tried wrongly 2 times of 5).
    clock.now = first + linking_desk.LINK_WINDOW + timedelta(minutes=5)
    assert "sekarang terhubung" in await link(app, clock, "tono", NIK, BORN)


async def test_a_nik_tried_wrongly_from_several_chats_is_held_registered_or_not(
    app: Jaring, clock: FixedClock, lookups: list[str]
) -> None:
    assert linking_desk.LINK_TRIES_PER_NIK == 5
    for chat in "abcde":  # two wrong tries from each chat: within each person's limit
        assert NO_MATCH in await link(app, clock, chat, NIK, "01-01-1980")
        assert NO_MATCH in await link(app, clock, chat, OTHER_NIK, "01-01-1980")
    looked_up = len(lookups)

    # Five wrong tries for each NIK: held for everyone, even with the right birth date, and a NIK
    # registered nowhere is held the same way, so the hold tells nobody whether a NIK is registered.
    held = await link(app, clock, "suparno", NIK, BORN)
    held_other = await link(app, clock, "d", OTHER_NIK, "05-07-1979")
    assert held.split("Coba lagi setelah")[0] == held_other.split("Coba lagi setelah")[0]
    assert "percobaan dihentikan dulu. Coba lagi setelah 24 jam." in held
    assert len(lookups) == looked_up
    assert (await imported_row(app)).registrant_contact_id is None

    # A day after the first of those tries: the right pair links.
    clock.advance(hours=24)
    assert "sekarang terhubung" in await link(app, clock, "suparno", NIK, BORN)
    assert no_nik_in(await audit_log(app), NIK, OTHER_NIK)


async def test_a_record_linked_to_another_chat_is_not_linked_again(app: Jaring, clock: FixedClock) -> None:
    assert "sekarang terhubung" in await link(app, clock, "suparno", NIK, BORN)
    refused = await link(app, clock, "stranger", NIK, BORN)
    assert "sudah terhubung dengan chat lain" in refused
    assert f"datang ke {app.programme.dinas_name} atau kantor kelurahan dengan membawa KTP" in refused
    row = await imported_row(app)
    assert row.registrant_contact_id == await contact_id(app, "suparno")
    entries = await audit_log(app)
    assert [(e.subject, e.detail) for e in entries if e.action == "registration.link_refused"] == [
        (f"registration:{row.id}", {"reason": "linked_elsewhere"})
    ]
    assert [e for e in entries if e.action == linking_desk.LINK_FAILED] == []  # a right pair is no wrong try


async def test_an_erased_record_is_not_found(app: Jaring, clock: FixedClock) -> None:
    assert "sekarang terhubung" in await link(app, clock, "suparno", NIK, BORN)
    row = await imported_row(app)
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        suparno = await contacts.find_contact(session, "terminal", "suparno")
        assert suparno is not None
        assert await answerer.answer(session, suparno, EraseRegistration(row.id), clock()) is not None
    assert NO_MATCH in await link(app, clock, "suparno", NIK, BORN)
    assert NO_MATCH in await link(app, clock, "someone", NIK, BORN)


async def test_a_registration_an_rt_rw_leader_entered_is_linkable_by_the_worker_not_the_leader(
    app: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        leader = await contacts.get_or_create_contact(session, "terminal", "pak-rt", clock())
        await roles.grant_role(
            session, leader.id, "rtrw", granted_by="test", now=clock(), kelurahan_code="33.75.01.1002"
        )
        done = await answerer.answer(session, leader, SubmitRegistration(draft(NEIGHBOUR_NIK), on_behalf=True), clock())
    assert isinstance(done, Submitted)

    entered = await link(app, clock, "pak-rt", NEIGHBOUR_NIK, "05-06-1985")
    assert 'minta ia mengetik "hubungkan data"' in entered
    told = await link(app, clock, "siti", NEIGHBOUR_NIK, "5 juni 1985")
    assert "Data peserta atas nama SITI AMINAH sekarang terhubung" in told
    assert "Status: menunggu verifikasi kelurahan. Anda belum terlindungi" in told
    assert "Nomor KPJ" not in told
    assert "ahli waris menerima" not in told
    assert "Data Anda didaftarkan oleh pengurus RT/RW dengan persetujuan Anda." in told
    assert "Dasar hukumnya" not in told
    siti = await contact_id(app, "siti")
    async with app.store.transaction() as session:
        row = await session.get(Registration, done.registration_id)
        assert row is not None
        assert (row.registrant_contact_id, row.operator_contact_id) == (siti, leader.id)
    entries = await audit_log(app)
    assert [e.detail["reason"] for e in entries if e.action == "registration.link_refused"] == ["entered_by_asker"]
    assert [e.detail["basis"] for e in entries if e.action == "privacy.notice_shown"] == ["operator"]
    # The leader still sees their neighbour; the worker sees her own registration.
    assert "SITI AMINAH" in "\n".join(await say(app, clock, "pak-rt", "warga saya"))
    assert "SITI AMINAH" in "\n".join(await say(app, clock, "siti", "cek status"))


async def test_the_whatsapp_number_is_recorded_only_on_whatsapp_and_only_after_a_yes(
    app: Jaring, clock: FixedClock
) -> None:
    told = await say(app, clock, WA_NUMBER, "hubungkan data", NIK, BORN, channel="whatsapp")
    assert told[-1] == (
        "Boleh nomor WhatsApp ini (081298765432) dicatat sebagai nomor HP Anda di data peserta? Dinas dan "
        "kelurahan memakainya untuk menghubungi Anda."
    )
    assert "sekarang terhubung" in told[0]
    assert (await imported_row(app)).phone is None  # not before the answer
    recorded = await say(app, clock, WA_NUMBER, "ya", channel="whatsapp")
    assert recorded[0].startswith("Terima kasih. Nomor 081298765432 sudah dicatat sebagai nomor HP Anda.")
    row = await imported_row(app)
    assert row.phone == WA_NUMBER
    phone_audit = [e for e in await audit_log(app) if e.action == "registration.phone_recorded"]
    assert [(e.subject, e.detail) for e in phone_audit] == [(f"registration:{row.id}", {"from": "whatsapp"})]
    assert no_nik_in(await audit_log(app), NIK, WA_NUMBER, WA_NUMBER[2:])
    # Asked once: linked again (already theirs), nothing more is asked.
    assert "sudah terhubung dengan chat Anda" in "\n".join(
        await say(app, clock, WA_NUMBER, "hubungkan data", NIK, BORN, channel="whatsapp")
    )


async def test_a_no_leaves_the_phone_as_it_was(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        row = await registrations.find_by_nik_hash(session, app.cipher.blind_index(NIK))
        assert row is not None
        row.phone = "6281111111111"
    await say(app, clock, WA_NUMBER, "hubungkan data", NIK, BORN, channel="whatsapp")
    kept = await say(app, clock, WA_NUMBER, "tidak", channel="whatsapp")
    assert kept[0].startswith("Baik, nomor HP di data Anda tidak diubah.")
    assert (await imported_row(app)).phone == "6281111111111"
    assert [e for e in await audit_log(app) if e.action == "registration.phone_recorded"] == []


async def test_the_number_already_recorded_is_not_asked_again(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        row = await registrations.find_by_nik_hash(session, app.cipher.blind_index(NIK))
        assert row is not None
        row.phone = WA_NUMBER
    told = await say(app, clock, WA_NUMBER, "hubungkan data", NIK, BORN, channel="whatsapp")
    assert "sekarang terhubung" in told[0]
    assert "Boleh nomor WhatsApp" not in "\n".join(told)


async def test_nothing_found_offers_linking_and_registration_offers_it_for_a_nik_the_dinas_holds(
    app: Jaring, clock: FixedClock
) -> None:
    offer = 'pengurus RT/RW)? Ketik "hubungkan data" untuk menghubungkan data Anda dengan chat ini.'
    offered = await say(app, clock, "suparno", "cek status")
    assert offered[0].startswith("Belum ada pendaftaran atas nama Anda")
    assert offer in offered[0]
    mine = await say(app, clock, "suparno", "data saya")
    assert mine[0].startswith("Belum ada data pendaftaran")
    assert offer in mine[0]
    linking = await say(app, clock, "suparno", "hubungkan data")
    assert linking[0].startswith("Untuk memastikan data peserta ini milik Anda")

    # "daftar" with the NIK of an imported participant: offered linking instead of "already registered".
    await say(app, clock, "suparno2", "daftar", "setuju")
    offered = await say(app, clock, "suparno2", NIK)
    assert offered[0].startswith("NIK ini sudah tercatat sebagai peserta di Dinas")
    told = await say(app, clock, "suparno2", "1")
    assert told[0].startswith("Untuk memastikan")
    assert told[1] == "Tanggal lahir sesuai KTP? Contoh: 17-08-1975."
    assert "sekarang terhubung" in "\n".join(await say(app, clock, "suparno2", BORN))
    # Linked now: the same NIK typed in "daftar" by someone else is simply registered already.
    await say(app, clock, "other", "daftar", "setuju")
    assert (await say(app, clock, "other", NIK))[0].startswith("NIK ini sudah terdaftar di program.")


# ---- heirs and accident reports for a day-one participant ---------------------------------------------


async def test_an_heir_and_an_accident_report_find_an_imported_participant_with_the_dates_from_the_file(
    app: Jaring, clock: FixedClock
) -> None:
    """Found by NIK or KPJ, judged by the start date from the Pemda's file, exactly as a participant who
    registered in Jaring: covered on a day after 1 March 2024, not yet before it."""
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    row = await imported_row(app)
    async with app.store.transaction() as session:
        heir = await contacts.get_or_create_contact(session, "terminal", "bu-ani", clock())
        reporter = await contacts.get_or_create_contact(session, "terminal", "kawan", clock())
        admin = await contacts.get_or_create_contact(session, "terminal", "admin", clock())
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        by_nik = await answerer.answer(session, heir, FindParticipant(nik=NIK), clock())
        by_kpj = await answerer.answer(session, heir, FindParticipant(kpj=KPJ), clock())
    expected = ParticipantFound(
        registration_id=row.id,
        registered_on=date(2026, 11, 21),
        membership=Membership(status="active", coverage_start=date(2024, 3, 1), ended_on=None),
    )
    assert by_nik == by_kpj == expected
    assert coverage_on(expected.membership, date(2026, 11, 18)).verdict is Verdict.COVERED
    assert coverage_on(expected.membership, date(2024, 2, 29)).verdict is Verdict.NOT_YET

    # The heir's case is linked to the imported registration (by KPJ), and judged from it when listed.
    case: dict[str, Json] = {"status": "collecting", "cause": "illness", "died_on": "2026-11-18", "kpj": KPJ}
    async with app.store.transaction() as session:
        opened = await answerer.answer(session, heir, SaveClaimCase(None, case), clock())
        listed = await answerer.answer(session, heir, ListClaimCases(), clock())
    assert isinstance(opened, ClaimCaseSaved)
    assert [(v.registration_id, v.membership) for v in listed] == [(row.id, expected.membership)]

    # An accident report by NIK: stored against the registration, the Dinas told it was covered since then.
    report: dict[str, Json] = {
        "nik": NIK,
        "kpj": "",
        "what": "Terserempet motor saat narik becak",
        "place": "Jl. Hayam Wuruk",
        "occurred_on": "2026-11-20",
        "occurred_time": "16:00",
        "treated_at": "RSUD Bendan",
        "reporter_phone": "6281234567890",
        "relation": "coworker",
    }
    async with app.store.transaction() as session:
        reported = await answerer.answer(session, reporter, SubmitAccidentReport(report), clock())
    assert isinstance(reported, AccidentReported)
    async with app.store.transaction() as session:
        stored = (await session.execute(select(AccidentReport))).scalar_one()
        letters = [m.body for m in (await session.execute(select(OutboxMessage))).scalars() if m.contact_id == admin.id]
    assert stored.registration_id == row.id
    assert len(letters) == 1
    assert "Perlindungan pada tanggal kejadian: terlindungi (peserta sejak 1 Maret 2024)" in letters[0]
    assert NIK not in letters[0]


# ---- one chat, one participant; the Dinas told of a new phone ---------------------------------------


async def test_a_chat_with_its_own_registration_does_not_link_someone_elses(app: Jaring, clock: FixedClock) -> None:
    """Else the worker the record belongs to could never link it. Not a wrong try: they matched."""
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        siti = await contacts.get_or_create_contact(session, "terminal", "siti", clock())
        done = await answerer.answer(session, siti, SubmitRegistration(draft(NEIGHBOUR_NIK), on_behalf=False), clock())
    assert isinstance(done, Submitted)
    told = await link(app, clock, "siti", NIK, BORN)
    assert told.startswith(f"Chat ini sudah terhubung dengan data No. {done.registration_id}. Satu chat untuk satu")
    assert (await imported_row(app)).registrant_contact_id is None
    entries = await audit_log(app)
    refused = [e for e in entries if e.action == "registration.link_refused"]
    assert [e.detail["reason"] for e in refused] == ["chat_has_a_record"]
    assert [e for e in entries if e.action == linking_desk.LINK_FAILED] == []
    assert "sekarang terhubung" in await link(app, clock, "suparno", NIK, BORN)  # its worker still can


async def test_a_chat_whose_own_registration_was_rejected_may_link_its_record(app: Jaring, clock: FixedClock) -> None:
    """A self-registration refused (a mistyped NIK, say) holds nothing: the chat links the worker's record."""
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        suparno = await contacts.get_or_create_contact(session, "terminal", "suparno", clock())
        done = await answerer.answer(
            session, suparno, SubmitRegistration(draft(NEIGHBOUR_NIK), on_behalf=False), clock()
        )
        assert isinstance(done, Submitted)
        own = await registrations.get_registration(session, done.registration_id)
        assert own is not None
        own.status = "rejected"
    assert "sekarang terhubung" in await link(app, clock, "suparno", NIK, BORN)


async def test_a_new_phone_on_an_active_participant_is_told_to_the_dinas(app: Jaring, clock: FixedClock) -> None:
    """The letter a phone correction of an active participant sends: BPJS TK's list holds the phone."""
    async with app.store.transaction() as session:
        admin = await contacts.get_or_create_contact(session, "terminal", "admin", clock())
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        row = await registrations.find_by_nik_hash(session, app.cipher.blind_index(NIK))
        assert row is not None
        row.phone = "6281111111111"
    await say(app, clock, WA_NUMBER, "hubungkan data", NIK, BORN, channel="whatsapp")
    await say(app, clock, WA_NUMBER, "ya", channel="whatsapp")
    assert (await imported_row(app)).status == "active"
    async with app.store.transaction() as session:
        letters = [m.body for m in (await session.execute(select(OutboxMessage))).scalars() if m.contact_id == admin.id]
    assert len(letters) == 1
    assert "081111111111" in letters[0]
    assert "081298765432" in letters[0]
    assert NIK not in letters[0]


async def test_data_saya_of_an_imported_record_leaves_out_the_empty_address_and_the_consent_withdrawal(
    app: Jaring, clock: FixedClock
) -> None:
    """Held under the public task, no consent was asked: none to withdraw. No street nor RT/RW in the file."""
    await link(app, clock, "suparno", NIK, BORN)
    shown = "\n".join(await say(app, clock, "suparno", "data saya"))
    assert "Alamat: Kelurahan Medono\n" in shown
    async with app.store.transaction() as session:
        asked = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()))).scalars().first()
    assert asked is not None
    assert [choice["id"] for choice in asked.choices] == ["change", "erase", "done"]
