"""The worker's side of a sponsorship, through the real pipeline on a real store (Kendal's programme): a
code accepted in the worker's own chat or by the RT/RW leader who registered her, before or after the
kelurahan verified her; one funder at a time; wrong codes limited; a declined offer; the status changes a
sponsor hears of (name and status only); a sponsor stopping, and the worker's answer. Then the flow's
reading of "terima …" without a store: "terima kasih" is a thank-you, never a code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring, read_programme_file
from bot.desks import sponsored_workers
from bot.desks.quota import current_year
from bot.desks.sponsor_funding import worker_left
from bot.desks.sponsored_workers import funder_label
from bot.desks.status_news import change_status
from bot.settings import Settings
from conversations.consent import PERSONAL_DATA, SPONSOR_DATA
from conversations.flows import build_engine
from conversations.flows.privacy import NOTICE_VERSION, SPONSOR_NOTICE_VERSION
from conversations.flows.sponsor_offer import offer_code
from conversations.letters import Letter
from conversations.requests.base import Request, RoleRefused
from conversations.requests.sponsors import (
    AcceptSponsor,
    AlreadyFunded,
    FindSponsorOffer,
    OfferUnknown,
    SponsorOffer,
    StopSponsoring,
    TooManyCodeTries,
)
from conversations.state import SessionState
from db.connection import Store
from db.models import Contact, Registration, Sponsor, Sponsorship
from db.repositories import consent, quotas, roles
from tests.conftest import FixedClock
from tests.core_support import context, default_answer, inbound, keys, run
from tests.sponsor_worker_support import (
    KENDAL_FILE,
    audit_actions,
    contact_of,
    desk_call,
    kendal,
    letters_to,
    offer,
    say,
    sponsor,
    worker,
)

PRIVATE = ("3375", "6281234567890", "Sampangan", "1985", "asisten", "NIK")  # a seeded worker's other data


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> AsyncIterator[Jaring]:
    found = await kendal(settings, clock, store)
    yield found
    await found.close()


async def _registration(app: Jaring, number: int) -> Registration:
    async with app.store.transaction() as session:
        found = await session.get(Registration, number)
    assert found is not None
    return found


async def _sponsorship(app: Jaring, number: int) -> Sponsorship:
    async with app.store.transaction() as session:
        found = await session.get(Sponsorship, number)
    assert found is not None
    return found


async def contacts_row(session: AsyncSession, name: str) -> Contact:
    return (await session.execute(select(Contact).where(Contact.channel_id == name))).scalar_one()


def _private_free(text: str) -> bool:
    return not any(word in text for word in PRIVATE)


# ---- accepting in her own chat ------------------------------------------------------------------------------


async def test_a_verified_worker_accepts_and_is_approved_funded_by_the_sponsor(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345", start=date(2026, 11, 1))
    row = await worker(app, 1, "siti")

    shown = await say(app, clock, "siti", "terima abcd-2345")
    assert len(shown) == 1
    assert "Sri Wahyuni (Sekretariat Daerah)" in shown[0]
    assert "Siti 1 (nomor 1)" in shown[0]
    assert "Jaring tidak menerima uang" in shown[0]
    assert "Donatur hanya melihat nama dan status" in shown[0]

    told = await say(app, clock, "siti", "ya")
    assert "sudah diterima, dan pendaftarannya disetujui" in told[-1]  # after the letters it caused
    assert any("sudah DISETUJUI" in body for body in told)  # the approval's news
    assert any("dibayar oleh Sri Wahyuni (Sekretariat Daerah) selama 12 bulan" in body for body in told)
    assert not any("sudah diperiksa dan dinyatakan benar" in body for body in told)  # no "verified" news

    funded = await _registration(app, row.id)
    assert funded.status == "approved"
    assert funded.funder == "Donatur ASN: Sri Wahyuni (Sekretariat Daerah)"
    assert funded.quota_year is None
    paying = await _sponsorship(app, offered.id)
    assert (paying.status, paying.registration_id, paying.code_hash) == ("active", row.id, None)
    assert paying.start_month == date(2026, 12, 1)  # 21 November: November's payment day (10th) had passed
    async with app.store.transaction() as session:
        assert await quotas.places_used(session, current_year(app.programme, clock())) == 0

    to_sponsor = await letters_to(app, "bu-sri")
    assert len(to_sponsor) == 1
    assert "Siti 1 sudah disetujui" in to_sponsor[0].body
    assert "Desember 2026" in to_sponsor[0].body
    assert _private_free(to_sponsor[0].body)
    assert [entry.action for entry in await audit_actions(app)] == ["sponsor.accepted", "sponsor.activated"]


async def test_accepted_before_verification_the_kelurahan_verifying_funds_her(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri", share_name=False)
    offered = await offer(app, asn, "WXYZ2345")
    row = await worker(app, 2, "sumi", status="submitted")

    shown = await say(app, clock, "sumi", "terima WXYZ2345")
    assert "seorang donatur ASN" in shown[0]
    assert "Sri Wahyuni" not in shown[0]  # she did not agree to share her name
    told = await say(app, clock, "sumi", "1")
    assert "Donatur mulai membayar setelah pendaftarannya diperiksa kelurahan" in told[-1]
    assert (await _sponsorship(app, offered.id)).status == "accepted"
    to_sponsor = await letters_to(app, "bu-sri")
    assert "Siti 2 menerima bantuan Anda" in to_sponsor[-1].body

    now = clock()
    async with app.store.transaction() as session:
        post: list[Letter] = []
        await change_status(session, post, row.id, "verified", now=now, actor="test", programme=app.programme)
        await app.outbox_writer.letters(session, post, now)
    funded = await _registration(app, row.id)
    assert (funded.status, funded.quota_year) == ("approved", None)
    assert funded.funder == "Donatur ASN: Sri Wahyuni (Sekretariat Daerah)"  # the Dinas's export names her
    assert (await _sponsorship(app, offered.id)).status == "active"
    news = [sent.body for sent in await letters_to(app, "sumi")]
    assert any("dibayar oleh seorang donatur ASN" in body for body in news)
    assert not any("Sri Wahyuni" in body for body in news)


async def test_an_rt_rw_leader_accepts_for_the_neighbour_she_registered(app: Jaring, clock: FixedClock) -> None:
    csr = await sponsor(app, "pt-maju", name="Budi", kind="csr", organisation_name="PT Maju Jaya")
    offered = await offer(app, csr, "PQRS2345")
    await worker(app, 3, None, leader="bu-rt")
    await worker(app, 4, None, leader="bu-rt", status="submitted")

    shown = await say(app, clock, "bu-rt", "terima PQRS2345")
    assert "PT Maju Jaya" in shown[0]
    assert "Budi" not in shown[0]  # a company is named, not its contact person
    assert (await letters_to(app, "bu-rt"))[-1].choices == ["Siti 3 (nomor 1)", "Siti 4 (nomor 2)"]
    asked = await say(app, clock, "bu-rt", "1")
    assert "Untuk warga yang Anda daftarkan: Siti 3" in asked[0]
    await say(app, clock, "bu-rt", "ya")
    paying = await _sponsorship(app, offered.id)
    assert (paying.status, paying.registration_id) == ("active", 1)
    assert (await _registration(app, 1)).funder == "CSR: PT Maju Jaya"


async def test_someone_else_cannot_accept_for_a_registration_not_theirs(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    row = await worker(app, 5, "siti")
    stranger = await contact_of(app, "orang-lain")
    async with app.store.transaction() as session:
        call = desk_call(app, session, stranger, clock())
        found = await sponsored_workers.find_sponsor_offer(call, FindSponsorOffer("ABCD2345"))
        assert isinstance(found, SponsorOffer)
        assert found.registrations == ()  # none of theirs to accept for
        refused = await sponsored_workers.accept_sponsor(call, AcceptSponsor("ABCD2345", row.id))
    assert isinstance(refused, RoleRefused)
    assert (await _registration(app, row.id)).status == "verified"


async def test_without_a_registration_she_is_told_to_register_first(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    await worker(app, 6, "tetangga")  # someone else's registration
    newcomer = await contact_of(app, "baru")
    async with app.store.transaction() as session:
        await consent.record_consent(
            session, newcomer.id, purpose=PERSONAL_DATA, notice_version=NOTICE_VERSION, granted=True, now=clock()
        )
    told = await say(app, clock, "baru", "terima ABCD2345")
    assert 'ketik "daftar"' in told[0]
    assert "terima ABCD2345" in told[0]


async def test_the_privacy_notice_comes_first_then_the_code_again(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    await worker(app, 7, "siti", consented=False)
    told = await say(app, clock, "siti", "terima ABCD2345")
    assert "baca dulu pemberitahuan" in told[0]
    agreed = await say(app, clock, "siti", "setuju")
    assert "Ketik kode dari donatur" in agreed[-1]
    shown = await say(app, clock, "siti", "ABCD 2345")
    assert "Siti 7 (nomor 1)" in shown[0]


# ---- one funder at a time ------------------------------------------------------------------------------------


async def test_a_worker_funded_by_the_budget_or_another_sponsor_cannot_accept(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    other = await sponsor(app, "pak-bumd", name="Joko", kind="bumd", organisation_name="PDAM Tirta Kendal")
    apbd = await worker(app, 8, "siti", status="approved", quota_year=2026)
    taken = await worker(app, 9, "sumi")
    await offer(app, other, status="active", registration_id=taken.id)

    told = await say(app, clock, "siti", "terima ABCD2345")
    told = await say(app, clock, "siti", "ya")
    assert "sudah dibayar oleh Pemda (APBD)" in told[0]
    assert "Kodenya belum terpakai" in told[0]
    async with app.store.transaction() as session:
        call = desk_call(app, session, await contacts_row(session, "sumi"), clock())
        found = await sponsored_workers.accept_sponsor(call, AcceptSponsor("ABCD2345", taken.id))
    assert found == AlreadyFunded("bumd")
    assert (await _registration(app, apbd.id)).funder is None
    assert [entry.action for entry in await audit_actions(app)] == []


# ---- wrong codes -----------------------------------------------------------------------------------------------


async def test_wrong_codes_are_limited_with_the_invite_codes(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    await offer(app, asn, "EXPD2345", days=-1)  # ran out yesterday
    await worker(app, 10, "siti")
    told = await say(app, clock, "siti", "terima EXPD2345")
    assert "sudah tidak berlaku" in told[0]
    for attempt in range(4):
        told = await say(app, clock, "siti", f"terima WRONG{attempt}23")
        assert "tidak kami kenal" in told[0]
    told = await say(app, clock, "siti", "terima ABCD2345")  # the right one, but too many wrong ones lately
    assert "Terlalu banyak kode yang salah. Coba lagi 8 menit lagi." in told[0]  # the first wrong one, 2 minutes ago
    async with app.store.transaction() as session:
        call = desk_call(app, session, await contacts_row(session, "siti"), clock())
        assert isinstance(
            await sponsored_workers.find_sponsor_offer(call, FindSponsorOffer("ABCD2345")), TooManyCodeTries
        )
    clock.advance(minutes=11)
    shown = await say(app, clock, "siti", "terima ABCD2345")
    assert "Siti 10" in shown[0]
    stored = " ".join(str(entry.detail) for entry in await audit_actions(app, "invite."))
    assert "WRONG" not in stored
    assert "EXPD" not in stored


# ---- declining ---------------------------------------------------------------------------------------------------


async def test_a_declined_offer_tells_the_sponsor_nothing_about_the_worker(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345")
    await worker(app, 11, "siti")
    await say(app, clock, "siti", "terima ABCD2345")
    told = await say(app, clock, "siti", "tidak")
    assert "bantuan ini ditolak" in told[-1]
    declined = await _sponsorship(app, offered.id)
    assert (declined.status, declined.registration_id, declined.code_hash) == ("declined", None, None)
    to_sponsor = await letters_to(app, "bu-sri")
    assert len(to_sponsor) == 1
    assert "ditolak oleh penerimanya" in to_sponsor[0].body
    assert "Siti" not in to_sponsor[0].body
    again = await say(app, clock, "siti", "terima ABCD2345")
    assert "tidak kami kenal" in again[0]  # its hash is gone with the offer


# ---- what the sponsor hears as the registration moves -------------------------------------------------------------


async def _change(app: Jaring, registration_id: int, status: str, **extra: Any) -> None:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        post: list[Letter] = []
        await change_status(
            session, post, registration_id, status, now=now, actor="test", programme=app.programme, **extra
        )
        await app.outbox_writer.letters(session, post, now)


async def test_the_sponsor_hears_of_enrolment_and_of_a_worker_leaving_by_name_only(
    app: Jaring, clock: FixedClock
) -> None:
    asn = await sponsor(app, "bu-sri")
    await offer(app, asn, "ABCD2345")
    await offer(app, asn, "EFGH2345")
    first = await worker(app, 12, "siti")
    second = await worker(app, 13, "sumi", status="submitted")
    await say(app, clock, "siti", "terima ABCD2345")
    await say(app, clock, "siti", "ya")
    await say(app, clock, "sumi", "terima EFGH2345")
    await say(app, clock, "sumi", "ya")

    await _change(app, first.id, "active", kpj="12345678901", coverage_start=date(2026, 12, 1))
    await _change(app, second.id, "rejected", reason="NIK 3324011234560001 tidak cocok dengan KK")
    to_sponsor = [sent.body for sent in await letters_to(app, "bu-sri")]
    assert any("Siti 12 sudah aktif sebagai peserta" in body for body in to_sponsor)
    assert any("Siti 13 tidak lagi menjadi peserta program" in body for body in to_sponsor)
    for body in to_sponsor:
        assert "12345678901" not in body  # the KPJ is the worker's
        assert "tidak cocok" not in body  # a rejection's reason is the worker's and the Dinas's
        assert _private_free(body)
    left = await _sponsorship(app, 2)
    assert (left.status, left.end_reason) == ("ended", "worker_rejected")


# ---- a sponsor stops ----------------------------------------------------------------------------------------------


async def _stop(app: Jaring, clock: FixedClock, chat: str, sponsorship_id: int) -> object:
    async with app.store.transaction() as session:
        asker = await contacts_row(session, chat)
        call = desk_call(app, session, asker, clock())
        stopped = await sponsored_workers.stop_sponsoring(call, StopSponsoring(sponsorship_id))
        await app.outbox_writer.letters(session, call.post, clock())
    return stopped


async def test_a_sponsor_stops_the_worker_is_asked_and_goes_back_on_the_waiting_list(
    app: Jaring, clock: FixedClock
) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345")
    row = await worker(app, 14, "siti")
    admin = await contact_of(app, "dinas")
    async with app.store.transaction() as session:
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
    await say(app, clock, "siti", "terima ABCD2345")
    await say(app, clock, "siti", "ya")

    stopped = await _stop(app, clock, "bu-sri", offered.id)
    assert getattr(stopped, "worker_name", None) == "Siti 14"
    asked = await letters_to(app, "siti")
    assert "Sri Wahyuni (Sekretariat Daerah) tidak lagi membayar" in asked[-1].body
    assert "mau masuk daftar tunggu lagi" in asked[-1].body
    assert asked[-1].choices == ["Ya, masuk daftar tunggu", "Tidak"]
    to_dinas = await letters_to(app, "dinas")
    assert "Donatur ASN: Sri Wahyuni (Sekretariat Daerah) tidak lagi membayar" in to_dinas[-1].body
    funded = await _registration(app, row.id)
    assert (funded.status, funded.funder) == ("approved", None)

    answered = await say(app, clock, "siti", "iya mau")
    assert "masuk DAFTAR TUNGGU lagi" in answered[-1]
    assert (await _registration(app, row.id)).status == "waiting_list"
    async with app.store.transaction() as session:
        assert (await contacts_row(session, "siti")).awaiting is None
    after = await say(app, clock, "siti", "halo")
    assert not any("daftar tunggu" in body for body in after)  # answered once: an ordinary message again


async def test_a_worker_who_does_not_want_the_waiting_list_keeps_her_status(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345")
    row = await worker(app, 15, "siti")
    await say(app, clock, "siti", "terima ABCD2345")
    await say(app, clock, "siti", "ya")
    await _stop(app, clock, "bu-sri", offered.id)
    answered = await say(app, clock, "siti", "tidak")
    assert "tidak ada yang diubah" in answered[-1]
    assert "call centre 175" in answered[-1]
    assert (await _registration(app, row.id)).status == "approved"
    assert [entry.action for entry in await audit_actions(app)][-1] == "sponsor.worker_answered"


async def test_a_sponsor_may_stop_only_their_own(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await sponsor(app, "pak-lain", name="Lain")
    offered = await offer(app, asn, "ABCD2345")
    assert isinstance(await _stop(app, clock, "pak-lain", offered.id), RoleRefused)
    assert (await _sponsorship(app, offered.id)).status == "offered"


async def test_a_sponsor_who_withdraws_consent_stops_everything_and_is_erased(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345")
    await offer(app, asn, "EFGH2345")  # a code nobody accepted yet: it stops too
    row = await worker(app, 17, "siti")
    admin = await contact_of(app, "dinas")
    async with app.store.transaction() as session:
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        await consent.record_consent(
            session,
            asn.contact_id or 0,
            purpose=SPONSOR_DATA,
            notice_version=SPONSOR_NOTICE_VERSION,
            granted=True,
            now=clock(),
        )
    await say(app, clock, "siti", "terima ABCD2345")
    await say(app, clock, "siti", "ya")
    assert (await _registration(app, row.id)).funder is not None

    await say(app, clock, "bu-sri", "privasi")
    await say(app, clock, "bu-sri", "donatur")
    said = await say(app, clock, "bu-sri", "tarik")
    assert any("tidak lagi terdaftar sebagai donatur" in body for body in said)
    async with app.store.transaction() as session:
        stored = await session.get(Sponsor, asn.id)
        assert stored is not None
        assert (stored.status, stored.nip_cipher, stored.phone) == ("stopped", None, None)
        statuses = {s.status for s in (await session.execute(select(Sponsorship))).scalars()}
    assert statuses == {"stopped"}
    assert (await _registration(app, row.id)).funder is None
    asked = await letters_to(app, "siti")
    assert asked[-1].choices == ["Ya, masuk daftar tunggu", "Tidak"]
    assert "tidak lagi membayar" in (await letters_to(app, "dinas"))[-1].body
    assert "sponsor.left" in [entry.action for entry in await audit_actions(app)]
    assert (await _sponsorship(app, offered.id)).end_reason == "sponsor_stopped"


def test_funder_label_names_the_sponsor_as_the_dinas_reads_it() -> None:
    kendal_programme = read_programme_file(KENDAL_FILE)
    asn = Sponsor(kind="asn", name="Sri Wahyuni", organisation_id="setda", share_name=False)
    csr = Sponsor(kind="csr", name="Budi", organisation_name="PT Maju Jaya", share_name=False)
    long = Sponsor(kind="bumd", name="B", organisation_name="P" * 200, share_name=False)
    assert funder_label(kendal_programme, asn) == "Donatur ASN: Sri Wahyuni (Sekretariat Daerah)"
    assert funder_label(kendal_programme, csr) == "CSR: PT Maju Jaya"
    assert len(funder_label(kendal_programme, long)) == 100


# ---- "terima …" read without a store ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "code"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd 2345", "ABCD2345"),
        ("ABCD-2345", "ABCD2345"),
        ("kasih", None),
        ("kasih banyak ya bu", None),
        ("kasih banyak", None),
        ("kartunya kapan?", None),
        ("", None),
        ("ABC", None),
    ],
)
def test_the_code_after_terima(words: str, code: str | None) -> None:
    assert offer_code(words) == code


def test_terima_kasih_is_never_a_code_nor_brings_up_the_notice() -> None:
    engine = build_engine()
    newcomer = context(consented=False)  # the test programme (Pekalongan) takes CSR sponsors
    for words in ("terima kasih", "terima kasih banyak ya bu", "terima kartunya kapan?"):
        said = run(engine, SessionState(), inbound(words), newcomer, _no_offer_looked_up)
        assert said.state.flow != "sponsor_offer"
        assert all(not key.startswith(("privacy.", "sponsor_offer.code")) for reply in keys(said) for key in reply)


def _no_offer_looked_up(request: Request[object]) -> object:
    assert not isinstance(request, FindSponsorOffer), "words that are no code were looked up as one"
    return default_answer(request)


def test_terima_kasih_inside_another_question_leaves_it_alone() -> None:
    engine = build_engine()
    asked = SessionState("renewal", 1, "answer", {"registration_id": 7, "year": 2027, "full_name": "Siti"})
    said = engine.handle(asked, inbound("terima kasih"), context(consented=True))
    assert (said.state.flow, said.state.step) == ("renewal", "answer")


async def test_an_unknown_code_is_refused_and_recorded_without_it(app: Jaring, clock: FixedClock) -> None:
    await worker(app, 16, "siti")
    async with app.store.transaction() as session:
        call = desk_call(app, session, await contacts_row(session, "siti"), clock())
        assert await sponsored_workers.find_sponsor_offer(call, FindSponsorOffer("ZZZZ9999")) == OfferUnknown("unknown")
    entries = await audit_actions(app, "invite.failed")
    assert entries[-1].detail["kind"] == "sponsor_offer"
    assert "ZZZZ" not in str(entries[-1].detail)


async def test_a_death_recorded_by_a_claim_can_end_the_sponsorship_at_once(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    row = await worker(app, 17, "siti", status="approved")
    paying = await offer(app, asn, status="active", registration_id=row.id)
    async with app.store.transaction() as session:
        found = await session.get(Registration, row.id)
        assert found is not None
        post: list[Letter] = []
        await worker_left(session, post, found, why="deceased", now=clock())
        await worker_left(session, post, found, why="deceased", now=clock())  # nothing open any more: nothing
        await app.outbox_writer.letters(session, post, clock())
    told = await letters_to(app, "bu-sri")
    assert [sent.body.startswith("Kabar untuk Anda: Siti 17 tidak lagi menjadi peserta") for sent in told] == [True]
    ended = await _sponsorship(app, paying.id)
    assert (ended.status, ended.end_reason) == ("ended", "worker_deceased")
