"""The renewal round into the next budget year: its rules (pure), then the real store on SQLite and
PostgreSQL — opening only in the programme file's month and only once, who continues and who does not,
one question letter each (none about a dead worker), the worker's answers through the real pipeline,
the one reminder, silence never removing anyone, the close (refused without the new year's quota, too
small a quota, or before 1 January; then statuses, quota years, participant years, the waiting list by
priority), the places the continuing hold while the round is open, the export for BPJS TK and the
command line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.cli import _parser
from bot.commands.renewal import run_renewal_command
from bot.desks import quota, renewal
from bot.desks.figures import renewal_figures
from bot.desks.membership import registration_membership
from bot.desks.renewal import (
    CloseNeedsQuota,
    CloseTooEarly,
    NoRound,
    RoundAlreadyOpen,
    RoundClosed,
    RoundCounts,
    RoundOpened,
)
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.coverage import Verdict, coverage_on
from conversations.inbound import Inbound, InboundKind
from conversations.letters import Letter
from conversations.programme import Programme
from conversations.renewal_rules import (
    OpenRefused,
    decision_for,
    job_words,
    may_close,
    not_continuing,
    past_age_band,
    renewal_year,
)
from conversations.requests.quota import ApprovalDone, QuotaBelowUsed
from conversations.requests.renewal import AnswerRenewal, NothingToRenew, RenewalRecord, RenewalRecorded
from db.connection import Store
from db.models import (
    AuditEntry,
    Contact,
    OutboxMessage,
    ParticipantYear,
    Registration,
    Renewal,
    RenewalRound,
)
from db.repositories import quotas, registrations
from tests.conftest import FixedClock
from tests.core_support import programme
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, nik_for, person, seed_registration

NOVEMBER = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # the fixed clock's start: Pekalongan's renewal month
_ids = count(1)


# ---- the rules (pure) -----------------------------------------------------------------------------------------


def test_a_round_opens_only_in_the_programme_files_month_into_next_year() -> None:
    p = programme()
    assert renewal_year(p, NOVEMBER) == 2027
    # 31 October 17.30 UTC is already 1 November 00.30 in WIB; 30 November 17.30 UTC is December.
    assert renewal_year(p, datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == 2027
    assert renewal_year(p, datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == OpenRefused("wrong_month", 11)
    assert renewal_year(p.model_copy(update={"renewal": None}), NOVEMBER) == OpenRefused("no_renewal")


def test_a_round_closes_from_the_first_of_january_of_its_year() -> None:
    assert not may_close(2027, date(2026, 12, 31))
    assert may_close(2027, date(2027, 1, 1))


def test_who_does_not_continue_the_deceased_and_those_past_the_band_on_the_first_of_january() -> None:
    p = programme()  # 18–65
    assert not_continuing(p, born=date(1985, 6, 5), deceased_on=date(2026, 10, 2), year=2027) == "deceased"
    assert not_continuing(p, born=date(1961, 1, 1), deceased_on=None, year=2027) == "aged_out"  # 66 that day
    assert not_continuing(p, born=date(1961, 1, 2), deceased_on=None, year=2027) is None  # still 65
    assert not_continuing(p, born=date(2009, 6, 1), deceased_on=None, year=2027) is None  # below: grows into it
    assert not_continuing(p, born=None, deceased_on=None, year=2027) is None
    unbounded = p.model_copy(update={"eligibility": p.eligibility.model_copy(update={"max_age": None})})
    assert not_continuing(unbounded, born=date(1930, 1, 1), deceased_on=None, year=2027) is None
    breach = past_age_band(p, date(1961, 1, 1), 2027)
    assert breach is not None
    assert breach.rule == "age"


def test_answers_decide_and_jobs_read_inside_a_sentence() -> None:
    assert decision_for("yes") == ("continues", None)
    assert decision_for("moved") == ("check", "moved")
    assert decision_for("not_working") == ("check", "not_working")
    assert decision_for("leave") == ("ends", "asked_to_leave")
    p = programme()
    assert job_words(p, "tukang_becak", None) == "tukang becak"
    assert job_words(p, "lebe_non_pns", None) == "lebe non-PNS"
    assert job_words(p, "lainnya", "jualan cilok") == "jualan cilok"


# ---- the store ------------------------------------------------------------------------------------------------


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


async def _participant(
    app: Jaring,
    serial: int,
    *,
    status: str = "active",
    linked: bool = True,
    quota_year: int | None = 2026,
    born: date = date(1985, 6, 5),
    deceased_on: date | None = None,
    kelurahan: str = MEDONO_CODE,
    leader: str | None = None,
    breadwinner: bool = False,
    dtsen: str = "no",
    created_at: datetime | None = None,
) -> Registration:
    """A registration with its worker's chat (terminal:worker-N) when `linked`, entered by `leader`."""
    async with app.store.transaction() as session:
        now = app.pipeline.clock()
        worker = await person(session, f"worker-{serial}", now) if linked else None
        operator = await person(session, leader, now) if leader else None
        row = await seed_registration(
            session,
            app.cipher,
            app.programme,
            serial=serial,
            registrant=worker,
            operator=operator,
            kelurahan=kelurahan,
            status=status,
            breadwinner=breadwinner,
            dtsen=dtsen,
            **({"created_at": created_at} if created_at else {}),
        )
        row.quota_year, row.birth_date, row.deceased_on = quota_year, born, deceased_on
        row.job_type = "tukang_becak"
        await session.flush()
        return row


async def _open(app: Jaring, programme_: Programme | None = None) -> RoundOpened | RoundAlreadyOpen | OpenRefused:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        post: list[Letter] = []
        opened = await renewal.open_round(session, post, programme_ or app.programme, app.region, now=now, actor="test")
        await app.outbox_writer.letters(session, post, now)
        return opened


async def _close(app: Jaring) -> RoundClosed | NoRound | CloseTooEarly | CloseNeedsQuota:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        post: list[Letter] = []
        closed = await renewal.close_round(session, post, app.programme, app.catalogs, now=now, actor="test")
        await app.outbox_writer.letters(session, post, now)
        return closed


async def _set_quota(app: Jaring, places: int, year: int = 2027) -> None:
    async with app.store.transaction() as session:
        post: list[Letter] = []
        await quota.change_quota(
            session, post, app.programme, places, now=app.pipeline.clock(), actor="test", year=year
        )
        await app.outbox_writer.letters(session, post, app.pipeline.clock())


async def _say(app: Jaring, clock: FixedClock, who: str, text: str = "", *, button: str | None = None) -> list[str]:
    """Send one message through the pipeline; the bot's replies to `who` queued for it."""
    async with app.store.transaction() as session:
        before = (await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))).scalars().first()
    kind = InboundKind.CHOICE if button else InboundKind.TEXT
    await app.pipeline.handle(Inbound("terminal", who, f"r{next(_ids)}", clock(), text, kind=kind, choice_id=button))
    clock.advance(seconds=30)
    return [m.body for m in await _outbox(app, after=before or 0) if m.recipient == who]


async def _outbox(app: Jaring, after: int = 0) -> list[OutboxMessage]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
        return list((await session.execute(statement)).scalars())


async def _rows(app: Jaring) -> dict[int, Renewal]:
    async with app.store.transaction() as session:
        return {r.registration_id: r for r in (await session.execute(select(Renewal))).scalars()}


async def _registrations(app: Jaring) -> dict[int, Registration]:
    async with app.store.transaction() as session:
        return {r.id: r for r in (await session.execute(select(Registration))).scalars()}


async def _awaiting(app: Jaring, who: str) -> str | None:
    async with app.store.transaction() as session:
        found = (await session.execute(select(Contact).where(Contact.channel_id == who))).scalar_one()
        return found.awaiting


async def _audits(app: Jaring, action: str) -> list[AuditEntry]:
    async with app.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


async def _places_used(app: Jaring, year: int) -> int:
    async with app.store.transaction() as session:
        return await quotas.places_used(session, year)


# ---- opening -------------------------------------------------------------------------------------------------


async def test_a_round_opens_only_in_the_month_and_only_once(app: Jaring, clock: FixedClock) -> None:
    await _participant(app, 1)
    clock.now = datetime(2026, 10, 15, 3, 0, tzinfo=UTC)
    assert await _open(app) == OpenRefused("wrong_month", 11)
    assert await _open(app, app.programme.model_copy(update={"renewal": None})) == OpenRefused("no_renewal")
    assert await _rows(app) == {}
    clock.now = NOVEMBER
    opened = await _open(app)
    assert isinstance(opened, RoundOpened)
    assert opened.year == 2027
    again = await _open(app)
    assert again == RoundAlreadyOpen(2027, NOVEMBER, "open")
    async with app.store.transaction() as session:
        assert len((await session.execute(select(RenewalRound))).scalars().all()) == 1
    assert len(await _rows(app)) == 1
    assert len([m for m in await _outbox(app) if m.recipient == "worker-1"]) == 1  # asked once, not twice


async def test_who_is_in_the_round_and_who_is_told_what(app: Jaring, clock: FixedClock) -> None:
    linked = await _participant(app, 1, leader="pak-rt")
    no_chat = await _participant(app, 2, linked=False)
    approved = await _participant(app, 3, status="approved")  # holds this year's place, no KPJ yet
    dead = await _participant(app, 4, deceased_on=date(2026, 9, 1), leader="pak-rw")
    old = await _participant(app, 5, born=date(1960, 12, 1))  # 66 on 1 January 2027
    outsiders = [
        await _participant(app, 6, status="submitted", quota_year=None),
        await _participant(app, 7, status="waiting_list", quota_year=None),
        await _participant(app, 8, status="rejected", quota_year=None),
        await _participant(app, 9, status="approved", quota_year=2025),  # an old year's approval, never active
    ]
    opened = await _open(app)
    assert opened == RoundOpened(
        year=2027,
        participants=5,
        continuing=3,
        asked=2,
        not_reachable=1,
        not_yet_active=1,
        deceased=1,
        aged_out=1,
        aged_out_told=1,
        places=None,
        deceased_numbers=(dead.id,),  # for the Dinas to check: a claim reported paid marked them
    )
    rows = await _rows(app)
    assert {i: (r.decision, r.reason) for i, r in rows.items()} == {
        linked.id: ("continues", None),
        no_chat.id: ("continues", None),
        approved.id: ("continues", None),
        dead.id: ("ends", "deceased"),
        old.id: ("ends", "aged_out"),
    }
    assert not set(rows) & {row.id for row in outsiders}
    assert rows[linked.id].asked_at == NOVEMBER
    assert rows[linked.id].contact_id == linked.registrant_contact_id
    assert rows[no_chat.id].contact_id is None
    assert rows[no_chat.id].asked_at is None
    sent = await _outbox(app)
    by_recipient: dict[str, list[OutboxMessage]] = {}
    for message in sent:
        by_recipient.setdefault(message.recipient, []).append(message)
    # One question each, with its buttons; nothing to the dead worker or their leader; no news to leaders.
    assert set(by_recipient) == {"worker-1", "worker-3", "worker-5"}
    question = by_recipient["worker-1"]
    assert len(question) == 1
    assert "masih tinggal di Kota Pekalongan dan masih bekerja sebagai tukang becak?" in question[0].body
    assert "Batik Berlian" in question[0].body
    assert "2027" in question[0].body
    assert "tetap menjadi peserta" in question[0].body
    assert [c["label"] for c in question[0].choices] == [
        "Ya, masih",
        "Sudah pindah",
        "Tidak bekerja lagi",
        "Ingin keluar dari program",
    ]
    kind_words = by_recipient["worker-5"][0].body
    assert "18 sampai 65 tahun" in kind_words
    assert "umur Anda 66 tahun" in kind_words
    assert "31 Desember 2026" in kind_words
    assert "BPU" in kind_words  # where to ask instead: the age rule's own advice
    assert by_recipient["worker-5"][0].choices == []
    assert await _awaiting(app, "worker-1") == "renewal"
    async with app.store.transaction() as session:  # since when: a conversation begun earlier keeps its turn
        asked = (await session.execute(select(Contact).where(Contact.channel_id == "worker-1"))).scalar_one()
        assert asked.awaiting_since == NOVEMBER
    assert await _awaiting(app, "worker-5") is None
    assert await _awaiting(app, "worker-4") is None
    [audit] = await _audits(app, "renewal.opened")
    assert audit.detail == {
        "participants": "5",
        "continuing": "3",
        "asked": "2",
        "not_reachable": "1",
        "deceased": "1",
        "aged_out": "1",
        "by": "test",
    }


# ---- the worker's answers through the real pipeline -------------------------------------------------------------


async def test_yes_continues_and_the_question_waits_no_longer(app: Jaring, clock: FixedClock) -> None:
    row = await _participant(app, 1)
    await _open(app)
    said = await _say(app, clock, "worker-1", "1")
    assert "berlanjut tahun 2027" in said[0]
    found = (await _rows(app))[row.id]
    assert (found.decision, found.answer, found.reason) == ("continues", "yes", None)
    assert found.answered_at is not None
    assert await _awaiting(app, "worker-1") is None
    [audit] = await _audits(app, "renewal.answered")
    assert audit.detail == {"year": "2027", "answer": "yes", "decision": "continues"}
    assert audit.subject == f"registration:{row.id}"
    # A later "halo" is an ordinary message again: the menu, not the renewal.
    assert "belum mengerti" not in (await _say(app, clock, "worker-1", "halo"))[0]
    assert (await _rows(app))[row.id].answer == "yes"


async def test_moved_goes_to_the_kelurahans_verifier_and_the_worker_stays_meanwhile(
    app: Jaring, clock: FixedClock
) -> None:
    async with app.store.transaction() as session:
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
        await person(session, "lurah-lain", clock(), ("verifier", NOYONTAANSARI))
        await person(session, "kadis", clock(), ("admin", None))
    row = await _participant(app, 1)
    await _open(app)
    before = max(m.id for m in await _outbox(app))
    said = await _say(app, clock, "worker-1", button="renewal_moved")  # the letter's button, tapped
    assert "Petugas kelurahan akan memeriksa" in said[0]
    assert "Sampai ada keputusan, Anda tetap peserta" in said[0]
    found = (await _rows(app))[row.id]
    assert (found.decision, found.reason, found.answer) == ("check", "moved", "moved")
    letters = [m for m in await _outbox(app, after=before) if m.recipient != "worker-1"]
    assert [m.recipient for m in letters] == ["bu-lurah"]  # not the other kelurahan, not the Dinas
    assert 'Pekerja 1 (No. 1, Kelurahan Medono) menjawab "Sudah pindah"' in letters[0].body
    assert "Ketik verifikasi" in letters[0].body
    assert await _places_used(app, 2027) == 1  # silence or a "no": still holds the new year's place


async def test_not_working_with_no_verifier_goes_to_the_dinas_admins(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        await person(session, "kadis", clock(), ("admin", None))
        await person(session, "lurah-lain", clock(), ("verifier", NOYONTAANSARI))
    row = await _participant(app, 1)
    await _open(app)
    before = max(m.id for m in await _outbox(app))
    await _say(app, clock, "worker-1", "tidak bekerja lagi")
    assert ((await _rows(app))[row.id].decision, (await _rows(app))[row.id].reason) == ("check", "not_working")
    letters = [m for m in await _outbox(app, after=before) if m.recipient != "worker-1"]
    assert [m.recipient for m in letters] == ["kadis"]
    assert "Belum ada petugas verifikasi untuk Kelurahan Medono" in letters[0].body


async def test_leaving_is_confirmed_once_then_it_ends(app: Jaring, clock: FixedClock) -> None:
    row = await _participant(app, 1)
    await _open(app)
    asked = await _say(app, clock, "worker-1", "4")
    assert "yakin ingin keluar dari Batik Berlian" in asked[0]
    assert "31 Desember 2026" in asked[0]
    assert (await _rows(app))[row.id].answer is None  # nothing recorded before the confirmation
    again = await _say(app, clock, "worker-1", "tidak jadi")
    assert "masih tinggal di Kota Pekalongan" in again[0]  # back to the question
    await _say(app, clock, "worker-1", "ingin berhenti")
    done = await _say(app, clock, "worker-1", "ya")
    assert "Permintaan keluar dari program sudah kami catat" in done[0]
    found = (await _rows(app))[row.id]
    assert (found.decision, found.reason, found.answer) == ("ends", "asked_to_leave", "leave")
    assert await _places_used(app, 2027) == 0


async def test_an_unclear_reply_asks_again_with_what_to_type_and_records_nothing(
    app: Jaring, clock: FixedClock
) -> None:
    row = await _participant(app, 1)
    await _open(app)
    unclear = await _say(app, clock, "worker-1", "wah gimana ya pak")
    assert "belum kami mengerti" in unclear[0]
    assert "1 sampai 4" in unclear[0]
    assert "masih bekerja sebagai tukang becak?" in unclear[1]
    bare_no = await _say(app, clock, "worker-1", "tidak")
    assert "Ketik 2 kalau sudah pindah, 3 kalau tidak bekerja lagi, atau 4" in bare_no[0]
    found = (await _rows(app))[row.id]
    assert (found.decision, found.answer) == ("continues", None)
    assert await _awaiting(app, "worker-1") == "renewal"
    await _say(app, clock, "worker-1", "2")  # now at the question's step
    assert (await _rows(app))[row.id].decision == "check"


async def test_a_late_reply_says_what_was_recorded_and_how_to_change_it(app: Jaring, clock: FixedClock) -> None:
    row = await _participant(app, 1)
    await _open(app)
    await _say(app, clock, "worker-1", "sudah pindah")
    late = await _say(app, clock, "worker-1", "perpanjang")
    assert 'sudah tercatat pada 21 November 2026: "Sudah pindah"' in late[0]
    assert "Petugas kelurahan sedang memeriksanya" in late[0]
    assert "hubungi petugas kelurahan atau Dinas" in late[0]
    async with app.store.transaction() as session:  # a second answer, as a stale button would send it
        worker = (await session.execute(select(Contact).where(Contact.channel_id == "worker-1"))).scalar_one()
        second = await RequestAnswerer(app.cipher, app.programme, app.catalogs).answer(
            session, worker, AnswerRenewal(row.id, "yes"), clock()
        )
    assert isinstance(second, RenewalRecord)
    assert (second.answer, second.decision) == ("moved", "check")
    assert (await _rows(app))[row.id].answer == "moved"


async def test_nobody_writing_from_a_dead_workers_chat_is_asked_whether_they_still_work(
    app: Jaring, clock: FixedClock
) -> None:
    row = await _participant(app, 1)
    await _open(app)
    async with app.store.transaction() as session:  # died after the question went out; a claim was paid
        found = await session.get(Registration, row.id)
        assert found is not None
        found.deceased_on = date(2026, 11, 25)
    said = await _say(app, clock, "worker-1", "halo")  # the family, writing from the worker's phone
    assert not any("masih tinggal" in text for text in said)
    assert await _awaiting(app, "worker-1") is None
    clock.advance(days=8)
    assert await run_renewal_command(app, "remind", out=lambda _: None) == 0
    assert not any("Pengingat" in m.body for m in await _outbox(app))


async def test_an_answer_is_scoped_to_the_askers_own_registration(app: Jaring, clock: FixedClock) -> None:
    mine = await _participant(app, 1)
    theirs = await _participant(app, 2)
    await _open(app)
    async with app.store.transaction() as session:
        worker = (await session.execute(select(Contact).where(Contact.channel_id == "worker-1"))).scalar_one()
        answer = RequestAnswerer(app.cipher, app.programme, app.catalogs).answer
        crafted = await answer(session, worker, AnswerRenewal(theirs.id, "leave"), clock())
        own = await answer(session, worker, AnswerRenewal(mine.id, "yes"), clock())
    assert crafted == NothingToRenew()
    assert own == RenewalRecorded(mine.id, 2027, "yes", 0)
    assert (await _rows(app))[theirs.id].answer is None


async def test_nothing_it_says_suggests_the_global_stop_word(app: Jaring, clock: FixedClock) -> None:
    """ "berhenti" or "stop" typed alone stops announcements (a global word): the round never suggests it."""
    await _participant(app, 1)
    await _open(app)
    said = [m.body for m in await _outbox(app)]
    said += await _say(app, clock, "worker-1", "tidak")  # which "no"?
    said += await _say(app, clock, "worker-1", "4")  # the confirmation
    said += await _say(app, clock, "worker-1", "ya")  # the thanks
    labels = [c["label"] for m in await _outbox(app) for c in m.choices]
    assert "Ingin keluar dari program" in labels
    assert "Ya, saya keluar dari program" in labels
    words = {word.strip('".,:;?!()') for text in said + labels for word in text.casefold().split()}
    assert not words & {"berhenti", "stop"}


@pytest.mark.parametrize("reply", ["sudah meninggal", "Bapak sudah meninggal dunia pak", "almarhum"])
async def test_a_death_told_in_reply_records_nothing_and_points_to_the_heirs_claim(
    app: Jaring, clock: FixedClock, reply: str
) -> None:
    row = await _participant(app, 1)
    await _open(app)
    said = await _say(app, clock, "worker-1", reply)
    assert len(said) == 1
    assert said[0].startswith("Kami turut berduka cita.")
    assert "klaim ahli waris" in said[0]
    assert "Dinas" in said[0]
    found = (await _rows(app))[row.id]
    assert (found.decision, found.answer) == ("continues", None)
    assert await _awaiting(app, "worker-1") == "renewal"  # nothing recorded: the question still stands


# ---- the reminder, and silence ----------------------------------------------------------------------------------


async def test_the_reminder_goes_once_to_whoever_has_not_answered(app: Jaring, clock: FixedClock) -> None:
    await _participant(app, 1)
    silent = await _participant(app, 2)
    await _participant(app, 3, linked=False)
    await _open(app)
    await _say(app, clock, "worker-1", "ya")

    async def remind() -> list[OutboxMessage]:
        before = max(m.id for m in await _outbox(app))
        printed: list[str] = []
        assert await run_renewal_command(app, "remind", out=printed.append) == 0
        return await _outbox(app, after=before)

    clock.advance(days=6)
    assert await remind() == []
    clock.advance(days=1)
    [reminder] = await remind()
    assert reminder.recipient == "worker-2"
    assert reminder.body.startswith("Pengingat: kami belum menerima jawaban Anda")
    assert [c["label"] for c in reminder.choices] == [
        "Ya, masih",
        "Sudah pindah",
        "Tidak bekerja lagi",
        "Ingin keluar dari program",
    ]
    clock.advance(days=7)
    assert await remind() == []  # once
    assert (await _rows(app))[silent.id].reminded_at is not None
    [audit] = await _audits(app, "renewal.reminded")
    assert audit.detail == {"reminded": "1"}


async def test_silence_never_removes_anyone(app: Jaring, clock: FixedClock) -> None:
    silent = await _participant(app, 1)
    await _open(app)
    clock.now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    await _set_quota(app, 5)
    assert isinstance(await _close(app), RoundClosed)
    found = (await _registrations(app))[silent.id]
    assert (found.status, found.quota_year) == ("active", 2027)


# ---- closing ----------------------------------------------------------------------------------------------------


async def test_close_is_refused_before_january_without_a_quota_or_with_too_small_a_quota(
    app: Jaring, clock: FixedClock
) -> None:
    for serial in (1, 2, 3):
        await _participant(app, serial)
    assert await _close(app) == NoRound(11)
    await _open(app)
    clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 23.00 WIB on 31 December
    assert await _close(app) == CloseTooEarly(2027)
    clock.now = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00.30 WIB on 1 January
    assert await _close(app) == CloseNeedsQuota(2027, None, 3, 3)
    await _set_quota(app, 3)
    async with app.store.transaction() as session:  # a quota set below the continuing is refused by the quota desk
        below = await quota.change_quota(session, [], app.programme, 2, now=clock(), actor="test", year=2027)
    assert below == QuotaBelowUsed(2027, 3)
    async with app.store.transaction() as session:  # so make it small behind the desk's back
        await quotas.record_quota_change(
            session, app.programme.id, 2027, 2, actor="test", actor_contact_id=None, reason=None, now=clock()
        )
    assert await _close(app) == CloseNeedsQuota(2027, 2, 3, 3)
    assert {r.quota_year for r in (await _registrations(app)).values()} == {2026}  # nothing changed
    async with app.store.transaction() as session:
        assert (await session.execute(select(RenewalRound.status))).scalar_one() == "open"
        assert (await session.execute(select(ParticipantYear))).scalars().all() == []


async def test_close_applies_statuses_quota_years_participant_years_and_promotes_the_waiting_list(
    app: Jaring, clock: FixedClock
) -> None:
    yes = await _participant(app, 1, leader="pak-rt")
    moved = await _participant(app, 2)
    leaving = await _participant(app, 3, leader="pak-rt")
    silent = await _participant(app, 4)
    dead = await _participant(app, 5, leader="pak-rw")
    old = await _participant(app, 6, born=date(1960, 12, 1))
    start = clock() - timedelta(days=60)
    waiting = [
        await _participant(app, 7, status="waiting_list", quota_year=None, linked=True, created_at=start),
        await _participant(
            app, 8, status="waiting_list", quota_year=None, breadwinner=True, dtsen="yes", created_at=start
        ),
        await _participant(app, 9, status="waiting_list", quota_year=None, created_at=start + timedelta(days=1)),
    ]
    await _open(app)
    await _say(app, clock, "worker-1", "ya")
    await _say(app, clock, "worker-2", "sudah pindah")
    await _say(app, clock, "worker-3", "ingin berhenti")
    await _say(app, clock, "worker-3", "ya")
    async with app.store.transaction() as session:  # the worker died in December: a paid claim marked it
        found = await session.get(Registration, dead.id)
        assert found is not None
        found.deceased_on = date(2026, 12, 10)
    clock.now = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)  # the new APBD: 2027's quota set in December
    await _set_quota(app, 5)  # 3 continuing (yes, the undecided "no", the silent one) + 2 places left
    clock.now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    before = max(m.id for m in await _outbox(app))
    closed = await _close(app)
    assert closed == RoundClosed(
        year=2027,
        continued=3,
        unchecked=1,
        joined_late=0,
        ended=(("aged_out", 1), ("asked_to_leave", 1), ("deceased", 1)),
        promoted=2,
        places=5,
        used=5,
    )
    rows = await _registrations(app)
    assert {i: (rows[i].status, rows[i].quota_year) for i in (yes.id, moved.id, silent.id)} == {
        yes.id: ("active", 2027),
        moved.id: ("active", 2027),
        silent.id: ("active", 2027),
    }
    assert rows[leaving.id].status == "ended"
    assert rows[leaving.id].status_reason == "keluar atas permintaan sendiri"
    assert (rows[dead.id].status, rows[dead.id].status_reason) == ("ended", "meninggal dunia")
    assert (rows[old.id].status, rows[old.id].status_reason) == ("ended", "umur di atas batas program")
    # The waiting list by priority: both priorities first, then the earlier day.
    assert [(rows[w.id].status, rows[w.id].quota_year) for w in waiting] == [
        ("approved", 2027),
        ("approved", 2027),
        ("waiting_list", None),
    ]
    async with app.store.transaction() as session:
        years = {
            (y.registration_id, y.year, y.kind, y.source)
            for y in (await session.execute(select(ParticipantYear))).scalars()
        }
        round_ = (await session.execute(select(RenewalRound))).scalar_one()
    assert {(r, k, s) for r, y, k, s in years if y == 2027 and s == "renewal"} == {
        (yes.id, "continuing", "renewal"),
        (moved.id, "continuing", "renewal"),
        (silent.id, "continuing", "renewal"),
    }
    assert (round_.status, round_.closed_at) == ("closed", clock())
    told = [(m.recipient, m.body) for m in await _outbox(app, after=before)]
    recipients = [who for who, _ in told]
    assert "worker-5" not in recipients  # nobody is told about a dead worker
    assert "pak-rw" not in recipients
    assert recipients.count("pak-rt") == 1  # the leaver's leader; the continuing one's leader hears nothing
    assert any(who == "worker-3" and "tidak lagi menjadi peserta Batik Berlian" in body for who, body in told)
    assert any(who == "worker-6" and "umur di atas batas program" in body for who, body in told)
    assert any(who == "worker-7" and "DISETUJUI" in body for who, body in told)
    assert any(who == "worker-8" and "DISETUJUI" in body for who, body in told)
    assert "worker-9" not in recipients  # still waiting
    for who in ("worker-1", "worker-2", "worker-4"):
        assert await _awaiting(app, who) is None
    [audit] = await _audits(app, "renewal.closed")
    assert audit.detail["continued"] == "3"
    assert audit.detail["promoted"] == "2"
    assert await _places_used(app, 2027) == 5


async def test_participants_approved_after_the_round_opened_continue_at_the_close(
    app: Jaring, clock: FixedClock
) -> None:
    await _participant(app, 1)
    await _open(app)
    late = await _participant(app, 2, status="approved")  # approved in December against 2026's quota
    clock.now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    await _set_quota(app, 1)
    assert await _close(app) == CloseNeedsQuota(2027, 1, 2, 2)
    await _set_quota(app, 2)
    closed = await _close(app)
    assert isinstance(closed, RoundClosed)
    assert (closed.continued, closed.joined_late) == (2, 1)
    assert (await _registrations(app))[late.id].quota_year == 2027


async def test_a_worker_who_leaves_is_covered_until_31_december_whenever_the_close_runs(
    app: Jaring, clock: FixedClock
) -> None:
    row = await _participant(app, 1)
    async with app.store.transaction() as session:
        found = await session.get(Registration, row.id)
        assert found is not None
        found.coverage_start = date(2025, 3, 1)
        await registrations.record_event(session, row.id, "active", None, datetime(2025, 3, 1, 3, tzinfo=UTC))
    await _open(app)
    await _say(app, clock, "worker-1", "4")
    await _say(app, clock, "worker-1", "ya")
    clock.now = datetime(2027, 1, 8, 3, 0, tzinfo=UTC)  # closed a week into January
    await _set_quota(app, 10)
    assert isinstance(await _close(app), RoundClosed)
    async with app.store.transaction() as session:
        found = await session.get(Registration, row.id)
        assert found is not None
        membership = await registration_membership(session, app.programme, found)
    assert membership.ended_on == date(2027, 1, 1)
    assert coverage_on(membership, date(2026, 12, 31)).verdict is Verdict.COVERED
    assert coverage_on(membership, date(2027, 1, 3)).verdict is Verdict.ENDED
    [ended] = [a for a in await _audits(app, "registration.status_changed") if a.detail["status"] == "ended"]
    assert ended.created_at == clock()  # the audit keeps when it was done


async def test_those_who_joined_late_and_the_deceased_are_shown_apart(app: Jaring, clock: FixedClock) -> None:
    await _participant(app, 1)
    dead = await _participant(app, 3, deceased_on=date(2026, 9, 1))
    await _open(app)
    await _participant(app, 2, status="approved")  # approved after the opening, with a chat
    clock.now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    await _set_quota(app, 2)
    assert isinstance(await _close(app), RoundClosed)
    async with app.store.transaction() as session:
        counted = await renewal.round_counts(session, app.programme)
        shown = await renewal_figures(session, app.programme)
    assert isinstance(counted, RoundCounts)
    assert (counted.joined_late, counted.not_reachable, counted.deceased_numbers) == (1, 0, (dead.id,))
    assert shown is not None
    assert shown.not_reachable == 0
    out: list[str] = []
    assert await run_renewal_command(app, "show", out=out.append) == 0
    printed = "\n".join(out)
    assert "- Tanpa chat (tetap lanjut, tidak ditanya): 0" in printed
    assert (
        "- Bergabung setelah dibuka (disetujui sesudah perpanjangan dibuka, tetap lanjut, tidak ditanya): 1" in printed
    )
    assert f"tercatat meninggal dunia (dari klaim ahli waris yang dibayar): {dead.id}." in printed


# ---- the places the continuing hold while the round is open -------------------------------------------------------


async def test_while_open_the_continuing_hold_the_new_years_places(app: Jaring, clock: FixedClock) -> None:
    for serial in (1, 2, 3):
        await _participant(app, serial)
    await _participant(app, 4, born=date(1960, 12, 1))  # ends: holds no place in 2027
    assert await _places_used(app, 2027) == 0
    await _open(app)
    assert await _places_used(app, 2027) == 3
    assert await _places_used(app, 2026) == 4  # this year's places are held as before
    await _say(app, clock, "worker-1", "ingin berhenti")
    await _say(app, clock, "worker-1", "ya")
    assert await _places_used(app, 2027) == 2
    verified = [await _participant(app, n, status="verified", quota_year=None) for n in (5, 6)]
    clock.now = datetime(2027, 1, 3, 2, 0, tzinfo=UTC)  # January, before the close
    await _set_quota(app, 3)
    async with app.store.transaction() as session:
        approved = await quota.approve_verified(session, [], app.programme, now=clock(), actor="test")
    assert isinstance(approved, ApprovalDone)
    assert (approved.approved, approved.waiting_list) == (1, 1)  # one place left beside the two continuing
    statuses = await _registrations(app)
    assert sorted(statuses[v.id].status for v in verified) == ["approved", "waiting_list"]
    closed = await _close(app)
    assert isinstance(closed, RoundClosed)
    assert (closed.continued, closed.used, closed.places) == (2, 3, 3)
    assert await _places_used(app, 2027) == 3  # counted once, not twice, after the close


# ---- the export for BPJS TK and the command line ----------------------------------------------------------------


async def test_the_export_lists_the_continuing_and_undecided_checks_audited_without_niks(
    app: Jaring, clock: FixedClock, tmp_path: Path
) -> None:
    stays = await _participant(app, 1)
    checks = await _participant(app, 2)
    leaves = await _participant(app, 3)
    await _participant(app, 4, born=date(1960, 12, 1))
    await _open(app)
    await _say(app, clock, "worker-2", "sudah pindah")
    await _say(app, clock, "worker-3", "ingin berhenti")
    await _say(app, clock, "worker-3", "ya")
    printed: list[str] = []
    output = tmp_path / "lanjut.csv"
    assert await run_renewal_command(app, "export", output=output, out=printed.append) == 0
    assert printed[0] == f"2 peserta lanjut ke tahun 2027 ditulis ke {output} (csv)."
    content = output.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # the enrolment export's own CSV: BOM, ";"
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["No. Pendaftaran", "NIK", "Nama Lengkap"]
    assert [(row[0], row[1]) for row in table[1:]] == [(str(stays.id), nik_for(1)), (str(checks.id), nik_for(2))]
    assert nik_for(leaves.id) not in content.decode("utf-8-sig")
    assert output.stat().st_mode & 0o777 == 0o600
    [audit] = await _audits(app, "renewal.exported")
    assert audit.detail == {"rows": "2", "year": "2027", "format": "csv", "by": "cli"}


async def test_the_command_line_says_what_happened_and_refuses_in_plain_words(app: Jaring, clock: FixedClock) -> None:
    await _participant(app, 1)
    out: list[str] = []
    err: list[str] = []

    async def run(action: str) -> int:
        out.clear()
        err.clear()
        return await run_renewal_command(app, action, out=out.append, err=err.append)  # type: ignore[arg-type]

    assert await run("show") == 1
    assert err == [
        "jaring: belum ada perpanjangan yang dibuka. Perpanjangan dibuka pada bulan November: jaring renewal open"
    ]
    clock.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert await run("open") == 1
    assert "hanya dibuka pada bulan November" in err[0]
    clock.now = NOVEMBER
    assert await run("open") == 0
    assert out[0] == "Perpanjangan ke tahun 2027 dibuka: 1 peserta."
    assert "Kuota 2027 belum ditetapkan" in "\n".join(out)
    assert await run("open") == 1
    assert err == [
        "jaring: perpanjangan ke tahun 2027 sudah dibuka pada 21-11-2026 15.00 WIB. Lihat: jaring renewal show"
    ]
    assert await run("show") == 0
    assert "- Belum menjawab (tetap lanjut): 1" in out[1]
    assert await run("close") == 1
    assert "baru bisa ditutup mulai 1 Januari 2027" in err[0]
    clock.now = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    assert await run("close") == 1
    assert err[0].endswith("jaring quota set 1")
    await _set_quota(app, 1)
    assert await run("close") == 0
    assert out[0] == "Perpanjangan ke tahun 2027 ditutup."


def test_the_renewal_command_line_parses() -> None:
    args = _parser().parse_args(["renewal", "export", "--format", "csv", "--output", "x.csv"])
    assert (args.command, args.renewal_command, args.format, args.output) == ("renewal", "export", "csv", Path("x.csv"))
    for action in ("open", "remind", "show", "close"):
        assert _parser().parse_args(["renewal", action]).renewal_command == action
    assert _parser().parse_args(["renewal", "show", "--english"]).english is True


async def test_the_rounds_counts(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        assert await renewal.round_counts(session, app.programme) == NoRound(11)
    for serial in (1, 2, 3, 4):
        await _participant(app, serial)
    await _participant(app, 5, linked=False)
    await _participant(app, 6, born=date(1960, 12, 1))
    await _open(app)
    await _say(app, clock, "worker-1", "ya")
    await _say(app, clock, "worker-2", "sudah pindah")
    await _say(app, clock, "worker-3", "ingin berhenti")
    await _say(app, clock, "worker-3", "ya")
    clock.advance(days=8)
    assert await run_renewal_command(app, "remind", out=lambda _: None) == 0
    async with app.store.transaction() as session:
        counted = await renewal.round_counts(session, app.programme)
    assert counted == RoundCounts(
        year=2027,
        status="open",
        opened_at=NOVEMBER,
        closed_at=None,
        participants=6,
        asked=4,
        answered_yes=1,
        waiting_for_kelurahan=1,
        decided_by_kelurahan=0,
        leaving=(("aged_out", 1), ("asked_to_leave", 1)),
        not_reachable=1,
        silent=1,
        reminded=1,
    )


async def test_a_number_typed_after_the_letter_answers_it_though_the_menu_was_shown_before(
    app: Jaring, clock: FixedClock
) -> None:
    """The menu was the last thing before the letter: "2" is the letter's "Sudah pindah", not menu item 2
    (on WhatsApp outside the 24 hours the letter's choices come as numbered text)."""
    row = await _participant(app, 1)
    await _say(app, clock, "worker-1", "halo")  # the menu, shown days before the round
    clock.advance(days=5)
    await _open(app)
    await _say(app, clock, "worker-1", "2")
    found = (await _rows(app))[row.id]
    assert (found.decision, found.answer) == ("check", "moved")
    assert await _awaiting(app, "worker-1") is None


async def test_with_the_menu_shown_after_the_letter_a_number_opens_the_menu_entry(
    app: Jaring, clock: FixedClock
) -> None:
    row = await _participant(app, 1)
    await _open(app)
    await _say(app, clock, "worker-1", "menu")  # asked for the menu after the letter came
    await _say(app, clock, "worker-1", "2")
    found = (await _rows(app))[row.id]
    assert found.answer is None
    assert await _awaiting(app, "worker-1") == "renewal"
