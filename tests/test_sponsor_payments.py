"""Each month a sponsor pays, on a real store (Kendal: due on the 10th, reminded 3 days before, missed 7 days
after): the hourly round (one letter a sponsor, whatever the number of workers; each step once; the Dinas
told of a missed month; the worker told once when the grace period runs out; months run out; codes
expire; a worker gone without a status change), and the sponsor's answer "sudah bayar" or "belum"
through the real pipeline, recorded per month for their own sponsorships only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring, open_jaring
from bot.desks.sponsor_payments import record_payment
from bot.outbound.reminders import remind_sponsors
from bot.settings import Settings
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import NotSponsor, PaymentRecorded, RecordPayment
from db.connection import Store
from db.models import Contact, OutboxMessage, Registration, Sponsor, SponsorPeriod, Sponsorship
from db.repositories import roles
from tests.conftest import FixedClock
from tests.sponsor_worker_support import (
    Sent,
    audit_actions,
    contact_of,
    desk_call,
    kendal,
    letters_to,
    offer,
    say,
    sent_since,
    sponsor,
    worker,
)

DECEMBER = date(2026, 12, 1)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> AsyncIterator[Jaring]:
    found = await kendal(settings, clock, store)
    yield found
    await found.close()


def _on(clock: FixedClock, day: date, hour: int = 3) -> None:
    """The clock at `day`, 10.00 WIB."""
    clock.now = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


async def _paying(app: Jaring, by: Sponsor, serial: int, chat: str | None, *, months: int = 12) -> Sponsorship:
    """A worker approved and funded by `by` from December 2026, as activation leaves them."""
    row = await worker(app, serial, chat, status="approved")
    paying = await offer(app, by, status="active", registration_id=row.id, start=DECEMBER, months=months)
    async with app.store.transaction() as session:
        found = await session.get(Registration, row.id)
        assert found is not None
        found.funder = "Donatur ASN: Sri Wahyuni (Sekretariat Daerah)"
    return paying


async def _round(app: Jaring, clock: FixedClock) -> list[Sent]:
    before = await _last(app)
    await remind_sponsors(app, clock())
    return await sent_since(app, before)


async def _last(app: Jaring) -> int:
    async with app.store.transaction() as session:
        found = (await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))).scalars().first()
    return found or 0


async def _contact(session: AsyncSession, name: str) -> Contact:
    return (await session.execute(select(Contact).where(Contact.channel_id == name))).scalar_one()


async def _months(app: Jaring, sponsorship_id: int) -> dict[date, SponsorPeriod]:
    async with app.store.transaction() as session:
        statement = select(SponsorPeriod).where(SponsorPeriod.sponsorship_id == sponsorship_id)
        return {row.period: row for row in (await session.execute(statement)).scalars()}


async def _admin(app: Jaring, name: str = "dinas") -> None:
    admin = await contact_of(app, name)
    async with app.store.transaction() as session:
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=app.pipeline.clock())


# ---- the round ---------------------------------------------------------------------------------------------


async def test_one_letter_a_sponsor_lists_every_month_coming_due_once(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    await _paying(app, asn, 2, "sumi")
    assert await _round(app, clock) == []  # 21 November: December's reminder comes from 7 December

    _on(clock, date(2026, 12, 7))
    sent = await _round(app, clock)
    assert [letter.to for letter in sent] == ["bu-sri"]
    body = sent[0].body
    assert "- Siti 1: bulan Desember 2026, Rp16.800, paling lambat 10 Desember 2026" in body
    assert "- Siti 2: bulan Desember 2026" in body
    assert "Cara membayar: Bayar iuran pekerja Anda lewat kanal resmi BPJS Ketenagakerjaan" in body
    assert sent[0].choices == ["Sudah bayar", "Belum"]
    assert (await _months(app, first.id))[DECEMBER].reminded_at is not None
    async with app.store.transaction() as session:
        assert (await _contact(session, "bu-sri")).awaiting == "sponsor_payment"

    clock.advance(hours=1)
    assert await _round(app, clock) == []  # each month reminded once


async def test_the_answer_sudah_bayar_records_the_months_picked(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    second = await _paying(app, asn, 2, "sumi")
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)

    asked = await say(app, clock, "bu-sri", "sdh")
    assert "Iuran mana yang sudah Anda bayar?" in asked[0]
    picked = await say(app, clock, "bu-sri", "semua")
    assert "Sudah dicatat sebagai dibayar:\n- Siti 1, bulan Desember 2026\n- Siti 2, bulan Desember 2026" in picked[0]
    assert (await _months(app, first.id))[DECEMBER].paid_at is not None
    assert (await _months(app, second.id))[DECEMBER].paid_at is not None
    async with app.store.transaction() as session:
        assert (await _contact(session, "bu-sri")).awaiting is None
    assert [entry.action for entry in await audit_actions(app, "sponsor.paid")] == ["sponsor.paid"] * 2

    _on(clock, date(2026, 12, 17))
    assert await _round(app, clock) == []  # paid: nobody is told it was missed
    again = await say(app, clock, "bu-sri", "sudah bayar")
    assert "Tidak ada iuran yang menunggu dicatat." in again[0]
    assert "Iuran berikutnya: Siti 1, bulan Januari 2027, dibayar paling lambat 10 Januari 2027." in again[0]


async def test_belum_says_when_and_how_and_records_nothing(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)
    told = await say(app, clock, "bu-sri", "belum")
    assert "terima kasih sudah memberi tahu" in told[0]
    assert "- Siti 1: bulan Desember 2026, Rp16.800, paling lambat 10 Desember 2026" in told[0]
    assert "Cara membayar:" in told[0]
    assert (await _months(app, first.id))[DECEMBER].paid_at is None


async def test_one_month_open_is_confirmed_before_it_is_recorded(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)
    asked = await say(app, clock, "bu-sri", "Sudah bayar")
    assert "Catat iuran Siti 1 bulan Desember 2026 sudah Anda bayar?" in asked[0]
    done = await say(app, clock, "bu-sri", "ya")
    assert "- Siti 1, bulan Desember 2026" in done[0]
    assert (await _months(app, first.id))[DECEMBER].paid_at is not None


async def test_a_missed_month_is_told_to_the_dinas_and_the_sponsor_once(app: Jaring, clock: FixedClock) -> None:
    await _admin(app)
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)
    _on(clock, date(2026, 12, 17))
    sent = await _round(app, clock)
    to_sponsor = [letter for letter in sent if letter.to == "bu-sri"]
    to_dinas = [letter for letter in sent if letter.to == "dinas"]
    assert len(to_sponsor) == len(to_dinas) == 1
    assert "belum tercatat dibayar, padahal batas waktunya sudah lewat" in to_sponsor[0].body
    assert to_sponsor[0].choices == ["Sudah bayar", "Belum"]
    assert (
        "- Desember 2026 (batas 10 Desember 2026): pendaftaran nomor 1 (Siti 1), donatur Donatur ASN: Sri Wahyuni "
        "(Sekretariat Daerah)"
    ) in to_dinas[0].body
    assert (await _months(app, first.id))[DECEMBER].missed_told_at is not None
    clock.advance(days=1)
    assert await _round(app, clock) == []
    assert await letters_to(app, "siti") == []  # one month missed: the worker is not alarmed yet


async def test_the_worker_is_told_once_when_the_grace_period_runs_out(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    first = await _paying(app, asn, 1, "siti")
    for day in (date(2026, 12, 17), date(2027, 1, 17), date(2027, 2, 16)):
        _on(clock, day)
        await _round(app, clock)
    assert await letters_to(app, "siti") == []  # February's month is not missed until the 17th
    _on(clock, date(2027, 2, 17))
    sent = await _round(app, clock)
    to_worker = [letter for letter in sent if letter.to == "siti"]
    assert len(to_worker) == 1
    assert "belum tercatat dibayar selama 3 bulan berturut-turut" in to_worker[0].body
    assert "perlindungan Anda mungkin berhenti" in to_worker[0].body
    assert "call centre 175" in to_worker[0].body
    assert "Dinas ketenagakerjaan Kabupaten Kendal" in to_worker[0].body
    _on(clock, date(2027, 3, 17))
    assert [letter for letter in await _round(app, clock) if letter.to == "siti"] == []
    async with app.store.transaction() as session:
        found = await session.get(Sponsorship, first.id)
        assert found is not None
        assert found.lapse_told_at is not None


async def test_when_the_months_run_out_the_sponsor_is_thanked_and_the_worker_asked(
    app: Jaring, clock: FixedClock
) -> None:
    asn = await sponsor(app, "bu-sri", share_name=False)
    short = await _paying(app, asn, 1, "siti", months=1)
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)
    await say(app, clock, "bu-sri", "sudah bayar")
    await say(app, clock, "bu-sri", "ya")
    _on(clock, date(2026, 12, 31))
    assert [letter for letter in await _round(app, clock) if letter.to == "siti"] == []
    _on(clock, date(2027, 1, 1))
    sent = await _round(app, clock)
    thanked = next(letter for letter in sent if letter.to == "bu-sri")
    assert "Bantuan Anda untuk Siti 1 sudah selesai: 1 bulan" in thanked.body
    asked = next(letter for letter in sent if letter.to == "siti")
    assert "bantuan iuran BPJS Ketenagakerjaan dari seorang donatur ASN sudah selesai" in asked.body
    assert asked.choices == ["Ya, masuk daftar tunggu", "Tidak"]
    async with app.store.transaction() as session:
        ended = await session.get(Sponsorship, short.id)
        registration = await session.get(Registration, 1)
        assert ended is not None
        assert registration is not None
        assert (ended.status, ended.end_reason) == ("ended", "months_done")
        assert registration.funder is None
    answered = await say(app, clock, "siti", "ya")
    assert "masuk DAFTAR TUNGGU lagi" in answered[-1]


async def test_unused_codes_expire_and_the_sponsor_may_make_a_new_one(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    offered = await offer(app, asn, "ABCD2345", days=14)
    clock.advance(days=13)
    assert await _round(app, clock) == []
    clock.advance(days=1)
    sent = await _round(app, clock)
    assert [letter.to for letter in sent] == ["bu-sri"]
    assert "kode yang Anda buat pada 21 November 2026 tidak dipakai" in sent[0].body
    async with app.store.transaction() as session:
        found = await session.get(Sponsorship, offered.id)
        assert found is not None
        assert (found.status, found.code_hash) == ("expired", None)


async def test_a_worker_gone_without_a_status_change_ends_the_sponsorship(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    died = await _paying(app, asn, 1, "siti")
    erased = await _paying(app, asn, 2, "sumi")
    async with app.store.transaction() as session:
        first = await session.get(Registration, 1)
        second = await session.get(Registration, 2)
        assert first is not None
        assert second is not None
        first.deceased_on = date(2026, 11, 20)  # a paid heirs' claim recorded it
        second.status, second.erased_at, second.full_name = "deleted", clock(), None
    sent = await _round(app, clock)
    bodies = sorted(letter.body for letter in sent if letter.to == "bu-sri")
    assert any("Siti 1 tidak lagi menjadi peserta program" in body for body in bodies)
    assert any("salah satu pekerja yang Anda bantu tidak lagi menjadi peserta" in body for body in bodies)
    assert not any("meninggal" in body for body in bodies)  # the reason is not the sponsor's
    async with app.store.transaction() as session:
        for number, why in ((died.id, "worker_deceased"), (erased.id, "worker_deleted")):
            found = await session.get(Sponsorship, number)
            assert found is not None
            assert (found.status, found.end_reason) == ("ended", why)


async def test_no_sponsors_no_round(settings: Settings, clock: FixedClock) -> None:
    pekalongan = await open_jaring(settings, clock)  # CSR sponsors on, none yet
    try:
        assert await remind_sponsors(pekalongan, clock()) == 0
    finally:
        await pekalongan.close()


# ---- "sudah bayar" for the sponsor's own months only ----------------------------------------------------------


async def test_a_payment_is_recorded_for_the_sponsors_own_months_only(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await sponsor(app, "pak-lain", name="Lain")
    paying = await _paying(app, asn, 1, "siti", months=2)
    async with app.store.transaction() as session:
        mine = desk_call(app, session, await _contact(session, "bu-sri"), clock())
        other = desk_call(app, session, await _contact(session, "pak-lain"), clock())
        nobody = desk_call(app, session, await _contact(session, "siti"), clock())
        assert await record_payment(mine, RecordPayment(paying.id, DECEMBER)) == PaymentRecorded(
            paying.id, DECEMBER, already=False
        )
        assert await record_payment(mine, RecordPayment(paying.id, DECEMBER)) == PaymentRecorded(
            paying.id, DECEMBER, already=True
        )
        assert isinstance(await record_payment(mine, RecordPayment(paying.id, date(2027, 2, 1))), RoleRefused)
        assert isinstance(await record_payment(other, RecordPayment(paying.id, DECEMBER)), RoleRefused)
        assert isinstance(await record_payment(nobody, RecordPayment(paying.id, DECEMBER)), NotSponsor)
    refused = [entry.detail["request"] for entry in await audit_actions(app, "access.refused")]
    assert refused == ["RecordPayment", "RecordPayment"]


async def test_not_a_sponsor_is_told_how_to_become_one(app: Jaring, clock: FixedClock) -> None:
    told = await say(app, clock, "orang", "sudah bayar")
    assert 'ketik "jadi donatur"' in told[0]


async def test_all_of_many_months_are_recorded_a_few_at_a_time(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    for serial in range(1, 6):
        await _paying(app, asn, serial, f"pekerja-{serial}")
    _on(clock, date(2026, 12, 8))
    await _round(app, clock)
    asked = await say(app, clock, "bu-sri", "sudah bayar")
    assert "Iuran mana yang sudah Anda bayar?" in asked[0]
    more = await say(app, clock, "bu-sri", "semua")
    assert "Sudah dicatat 3 bulan. Catat juga 2 bulan lainnya?" in more[0]
    done = await say(app, clock, "bu-sri", "ya")
    assert "- Siti 5, bulan Desember 2026" in done[0]
    assert len(await audit_actions(app, "sponsor.paid")) == 5


async def test_after_belum_an_ordinary_message_is_not_taken_for_an_answer(app: Jaring, clock: FixedClock) -> None:
    asn = await sponsor(app, "bu-sri")
    await _paying(app, asn, 1, "siti")
    _on(clock, date(2026, 12, 7))
    await _round(app, clock)
    unclear = await say(app, clock, "bu-sri", "hmm")  # the letter is the last thing she read: asked again
    assert "Maaf, jawaban Anda belum jelas." in unclear[0]
    await say(app, clock, "bu-sri", "belum")
    later = await say(app, clock, "bu-sri", "hmm")
    assert later[0].startswith("Menu utama.")
