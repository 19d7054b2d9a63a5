"""The store side of heirs' claim cases, accident reports and unanswered questions, on SQLite and
PostgreSQL: scoped to the person, no NIK kept in clear, admins told, idle cases reminded once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.app import Jaring
from bot.desks.claims import claim_reminders
from bot.desks.status_news import change_status
from bot.inbound.dispatcher import RequestAnswerer
from conversations.coverage import Membership, Verdict, coverage_on
from conversations.requests.accidents import (
    AccidentReported,
    FindParticipant,
    ParticipantFound,
    ParticipantNotFound,
    SubmitAccidentReport,
)
from conversations.requests.base import Done, NotAllowed
from conversations.requests.claims import (
    ClaimCaseSaved,
    ClaimCaseView,
    ListClaimCases,
    SaveClaimCase,
    TellDinasNotCovered,
)
from conversations.requests.registrations import SubmitRegistration, Submitted
from conversations.state import Json
from db.connection import Store
from db.models import AccidentReport, AuditEntry, ClaimCase, Contact, OutboxMessage, Registration, UnansweredQuestion
from db.repositories import contacts, roles
from tests.conftest import FixedClock
from tests.test_registrations import NIK, draft, talk

CASE: dict[str, Json] = {
    "status": "collecting",
    "cause": "illness",
    "died_on": "2026-11-10",
    "relationship": "spouse",
    "children": 2,
    "documents": ["kartu_peserta", "akta_kematian", "kartu_keluarga"],
    "collected": [],
}


async def _people(store: Store, clock: FixedClock, *names: str) -> list[Contact]:
    async with store.transaction() as session:
        return [await contacts.get_or_create_contact(session, "terminal", n, clock()) for n in names]


async def _registered(store: Store, answerer: RequestAnswerer, worker: Contact, clock: FixedClock) -> int:
    async with store.transaction() as session:
        done = await answerer.answer(session, worker, SubmitRegistration(draft(), on_behalf=False), clock())
    assert isinstance(done, Submitted)
    async with store.transaction() as session:
        row = await session.get(Registration, done.registration_id)
        assert row is not None
        row.kpj, row.coverage_start, row.status = "12345678901", date(2021, 1, 4), "active"
    return done.registration_id


async def test_a_participant_is_found_by_nik_or_kpj_and_shown_only_by_dates(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    worker, heir = await _people(store, clock, "worker", "heir")
    registration_id = await _registered(store, answerer, worker, clock)
    async with store.transaction() as session:
        by_nik = await answerer.answer(session, heir, FindParticipant(nik=NIK), clock())
        by_kpj = await answerer.answer(session, heir, FindParticipant(kpj="12345678901"), clock())
        unknown = await answerer.answer(session, heir, FindParticipant(nik="3375011007800003"), clock())
        nothing = await answerer.answer(session, heir, FindParticipant(), clock())
    expected = ParticipantFound(
        registration_id=registration_id,
        registered_on=jaring.programme.local_date(clock()),
        membership=Membership(status="active", coverage_start=date(2021, 1, 4), ended_on=None),
    )
    assert by_nik == by_kpj == expected
    assert unknown == nothing == ParticipantNotFound()


async def test_claim_cases_are_kept_without_the_nik_and_only_for_their_heir(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    worker, heir, stranger = await _people(store, clock, "worker", "heir", "stranger")
    registration_id = await _registered(store, answerer, worker, clock)
    async with store.transaction() as session:
        opened = await answerer.answer(session, heir, SaveClaimCase(None, {**CASE, "nik": NIK}), clock())
    assert isinstance(opened, ClaimCaseSaved)
    clock.advance(days=1)
    ticked: dict[str, Json] = {**CASE, "collected": ["akta_kematian"]}
    async with store.transaction() as session:
        saved = await answerer.answer(session, heir, SaveClaimCase(opened.case_id, ticked), clock())
        refused = await answerer.answer(session, stranger, SaveClaimCase(opened.case_id, {**CASE}), clock())
        mine = await answerer.answer(session, heir, ListClaimCases(), clock())
        theirs = await answerer.answer(session, stranger, ListClaimCases(), clock())
    assert saved == ClaimCaseSaved(opened.case_id)
    assert refused == NotAllowed()
    assert theirs == ()
    assert isinstance(mine, tuple)
    assert len(mine) == 1
    view = mine[0]
    assert isinstance(view, ClaimCaseView)
    assert view.case["collected"] == ["akta_kematian"]
    assert "nik" not in view.case
    async with store.transaction() as session:
        row = (await session.execute(select(ClaimCase))).scalar_one()
    assert row.registration_id == registration_id
    assert NIK not in str(row.data)
    assert row.updated_at == clock()


async def test_paid_outcomes_fill_the_columns_the_dinas_counts(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    (heir,) = await _people(store, clock, "heir")
    async with store.transaction() as session:
        opened = await answerer.answer(session, heir, SaveClaimCase(None, dict(CASE)), clock())
        assert isinstance(opened, ClaimCaseSaved)
        paid = {**CASE, "status": "paid", "amount_paid": 42_000_000, "paid_on": "2026-11-20"}
        await answerer.answer(session, heir, SaveClaimCase(opened.case_id, paid), clock())
    async with store.transaction() as session:
        row = (await session.execute(select(ClaimCase))).scalar_one()
    assert (row.status, row.amount_paid, row.paid_on) == ("paid", 42_000_000, date(2026, 11, 20))


async def test_an_idle_case_is_reminded_once_per_idle_spell(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    heir, quiet = await _people(store, clock, "heir", "quiet")
    async with store.transaction() as session:
        opened = await answerer.answer(session, heir, SaveClaimCase(None, dict(CASE)), clock())
        await answerer.answer(session, quiet, SaveClaimCase(None, dict(CASE)), clock())
        (await session.get(Contact, quiet.id)).opted_out = True  # type: ignore[union-attr]
    assert isinstance(opened, ClaimCaseSaved)

    async def remind() -> int:
        async with store.transaction() as session:  # what `jaring serve`'s reminder round does
            letters = await claim_reminders(session, now=clock(), idle_days=3)
            await jaring.outbox_writer.letters(session, letters, clock())
        return len(letters)

    clock.advance(days=2)
    assert await remind() == 0  # not idle long enough
    clock.advance(days=2)
    assert await remind() == 1  # the opted-out heir gets nothing
    assert await remind() == 0  # once per idle spell
    async with store.transaction() as session:
        sent = list((await session.execute(select(OutboxMessage))).scalars())
    assert [(m.contact_id, m.kind) for m in sent] == [(heir.id, "notification")]
    assert "3 dari 3 dokumen" in sent[0].body
    clock.advance(days=1)  # the heir comes back and ticks something: a new idle spell begins
    async with store.transaction() as session:
        await answerer.answer(
            session, heir, SaveClaimCase(opened.case_id, {**CASE, "collected": ["kartu_peserta"]}), clock()
        )
    clock.advance(days=3, minutes=1)
    assert await remind() == 1


async def test_an_accident_report_is_stored_encrypted_and_sent_to_every_admin(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    reporter, admin, other_admin, verifier = await _people(store, clock, "reporter", "admin", "admin2", "verifier")
    async with store.transaction() as session:
        for person, role in ((admin, "admin"), (other_admin, "admin"), (verifier, "verifier")):
            await roles.grant_role(session, person.id, role, granted_by="test", now=clock())
    report: dict[str, Json] = {
        "nik": NIK,
        "kpj": "",
        "what": "Jatuh dari perancah",
        "place": "Proyek ruko Jl. Hayam Wuruk",
        "occurred_on": "2026-11-21",
        "occurred_time": "07:30",
        "treated_at": "RSUD Bendan",
        "reporter_phone": "6281234567890",
        "relation": "coworker",
    }
    async with store.transaction() as session:
        done = await answerer.answer(session, reporter, SubmitAccidentReport(report), clock())
    assert isinstance(done, AccidentReported)
    assert done.admins_told == 2
    async with store.transaction() as session:
        row = (await session.execute(select(AccidentReport))).scalar_one()
        sent = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    assert row.nik_cipher is not None
    assert jaring.cipher.decrypt(row.nik_cipher) == NIK
    assert [m.contact_id for m in sent] == [admin.id, other_admin.id]
    for message in sent:
        assert NIK not in message.body  # masked for the admins too
        assert "3375" in message.body
        assert "Jatuh dari perancah" in message.body
        assert "23-11-2026 07:30" in message.body  # 48 hours after 21-11 07:30 local time


async def test_an_unanswerable_question_is_kept_for_the_admins_with_numbers_masked(
    jaring: Jaring, clock: FixedClock
) -> None:
    await talk(jaring.pipeline, clock, "warga", "bagaimana cara bikin paspor? nik sy 3375014506850001")
    await talk(jaring.pipeline, clock, "warga", "bukan semuanya")  # of the topics it offered
    await talk(jaring.pipeline, clock, "tetangga", "resep rendang enak? 081234567890")  # nothing close
    async with jaring.store.transaction() as session:
        kept = list((await session.execute(select(UnansweredQuestion))).scalars())
    assert [q.asked_in for q in kept] == ["benefits/did_you_mean", "menu"]
    assert "paspor" in kept[0].text
    assert "rendang" in kept[1].text
    assert NIK not in kept[0].text
    assert "081234567890" not in kept[1].text
    assert all("••••" in q.text for q in kept)
    assert clock() - kept[1].created_at < timedelta(minutes=5)


async def test_protection_that_ended_is_found_with_the_day_it_ended(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    """Active, then taken out by the Dinas: the heir's lookup carries the day it stopped, read from the
    status history, so the claim flow can tell a death after it from one before."""
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    worker, heir = await _people(store, clock, "worker", "heir")
    registration_id = await _registered(store, answerer, worker, clock)
    async with store.transaction() as session:
        await change_status(session, [], registration_id, "active", now=clock(), actor="test")
    clock.advance(days=30)
    async with store.transaction() as session:
        await change_status(session, [], registration_id, "rejected", now=clock(), actor="test", reason="pindah")
        found = await answerer.answer(session, heir, FindParticipant(nik=NIK), clock())
    assert isinstance(found, ParticipantFound)
    ended = jaring.programme.local_date(clock())
    assert found.membership == Membership(status="rejected", coverage_start=date(2021, 1, 4), ended_on=ended)
    assert coverage_on(found.membership, ended - timedelta(days=1)).verdict is Verdict.COVERED
    assert coverage_on(found.membership, ended).verdict is Verdict.ENDED


async def test_the_dinas_is_told_of_a_death_the_programme_did_not_cover(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    worker, heir, admin = await _people(store, clock, "worker", "heir", "admin")
    async with store.transaction() as session:
        done = await answerer.answer(session, worker, SubmitRegistration(draft(), on_behalf=False), clock())
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
    assert isinstance(done, Submitted)
    died = jaring.programme.local_date(clock()) - timedelta(days=1)
    told = TellDinasNotCovered(done.registration_id, died, "illness", Verdict.NOT_YET)
    async with store.transaction() as session:
        assert await answerer.answer(session, heir, told, clock()) == Done()
    async with store.transaction() as session:
        sent = list((await session.execute(select(OutboxMessage))).scalars())
        audited = list(
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "claim.not_covered"))).scalars()
        )
    assert [m.contact_id for m in sent] == [admin.id]
    body = sent[0].body
    assert f"Pendaftaran No. {done.registration_id}" in body
    assert "Menunggu" in body or "menunggu" in body  # the registration's status, as the Dinas reads it
    assert "Rp" not in body
    assert NIK not in body
    assert [a.subject for a in audited] == [f"registration:{done.registration_id}"]

    clock.advance(hours=2)  # the same heir asks again that day: the Dinas is not written to twice
    async with store.transaction() as session:
        assert await answerer.answer(session, heir, told, clock()) == Done()
    clock.advance(days=1)
    async with store.transaction() as session:
        assert await answerer.answer(session, heir, told, clock()) == Done()
    async with store.transaction() as session:
        letters = list((await session.execute(select(OutboxMessage))).scalars())
    assert len(letters) == 2  # once that day, once the next
