"""Approval within the quota: the priority order (pure), approval up to the quota with the rest on the
waiting list, the quota from the Dinas's change or the programme file, promotion when it is raised, never
below the places used, never exceeded even by two admins at once — on SQLite and PostgreSQL — and the
command-line tools."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.cli import _parser
from bot.commands import administer as admin_commands
from bot.desks import quota
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.letters import Letter
from conversations.priority import Candidate, in_priority_order, priorities_met
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ApprovalDone,
    ApproveFlagged,
    ApproveVerified,
    ChangeQuota,
    FlagOverridden,
    NoPlaceLeft,
    NotHeld,
    QuotaAlreadySet,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaNotSet,
    QuotaOverview,
    QuotaSummary,
    WaitingPage,
)
from db.connection import Store
from db.models import AuditEntry, OutboxMessage, QuotaChange, Registration, RegistrationEvent
from db.repositories import quotas
from tests.conftest import FixedClock
from tests.review_support import person, seed_registration

PEKALONGAN = ("breadwinner", "extremely_poor")
DAY = date(2026, 11, 1)


# ---- the order (pure) ---------------------------------------------------------------------------------------


def _c(ident: int, breadwinner: bool | None, dtsen: str, day: int = 1) -> Candidate:
    return Candidate(ident, breadwinner, dtsen, DAY + timedelta(days=day))


def test_both_priorities_first_then_one_then_the_rest_each_by_date_then_number() -> None:
    candidates = [
        _c(1, False, "no", day=1),
        _c(2, True, "no", day=5),
        _c(3, True, "yes", day=9),
        _c(4, None, "unknown", day=0),
        _c(5, False, "yes", day=2),
        _c(6, True, "yes", day=3),
        _c(7, True, "no", day=5),
    ]
    assert [c.id for c in in_priority_order(candidates, PEKALONGAN)] == [6, 3, 5, 2, 7, 4, 1]


def test_unknown_answers_are_not_a_priority() -> None:
    assert priorities_met(_c(1, None, "unknown"), PEKALONGAN) == 0
    assert priorities_met(_c(1, True, "unknown"), PEKALONGAN) == 1
    assert priorities_met(_c(1, True, "yes"), PEKALONGAN) == 2


def test_a_programme_without_priorities_takes_registrations_in_order() -> None:
    candidates = [_c(3, True, "yes", day=2), _c(1, False, "no", day=2), _c(2, False, "no", day=1)]
    assert [c.id for c in in_priority_order(candidates, ())] == [2, 1, 3]
    assert [c.id for c in in_priority_order(candidates, ("extremely_poor",))] == [3, 2, 1]


# ---- the store ------------------------------------------------------------------------------------------------


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


async def _verified(app: Jaring, clock: FixedClock, *priorities: tuple[bool, str]) -> list[int]:
    """One verified registration per (breadwinner, dtsen), each a day after the previous, with a worker."""
    ids = []
    async with app.store.transaction() as session:
        for n, (breadwinner, dtsen) in enumerate(priorities, start=1):
            worker = await person(session, f"worker-{n}", clock())
            created = clock() - timedelta(days=30 - n)
            row = await seed_registration(
                session,
                app.cipher,
                app.programme,
                serial=n,
                registrant=worker,
                breadwinner=breadwinner,
                dtsen=dtsen,
                created_at=created,
                status="verified",
            )
            ids.append(row.id)
    return ids


async def _set_places(app: Jaring, clock: FixedClock, places: int) -> QuotaChanged | QuotaBelowUsed:
    async with app.store.transaction() as session:
        post: list[Letter] = []
        changed = await quota.change_quota(session, post, app.programme, places, now=clock(), actor="test")
        await app.outbox_writer.letters(session, post, clock())
        return changed


async def _approve(app: Jaring, clock: FixedClock) -> ApprovalDone | QuotaNotSet:
    async with app.store.transaction() as session:
        post: list[Letter] = []
        approved = await quota.approve_verified(session, post, app.programme, now=clock(), actor="test")
        await app.outbox_writer.letters(session, post, clock())
        return approved


async def _statuses(app: Jaring) -> dict[int, tuple[str, int | None]]:
    async with app.store.transaction() as session:
        rows = (await session.execute(select(Registration))).scalars()
        return {row.id: (row.status, row.quota_year) for row in rows}


async def test_the_quota_is_the_dinass_newest_change_else_the_programme_files(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        assert await quotas.effective_places(session, app.programme.id, 2023, 1000) == 1000
        assert await quotas.effective_places(session, app.programme.id, 2026, None) is None
        for places in (2000, 2700):
            await quotas.record_quota_change(
                session, app.programme.id, 2023, places, actor="test", actor_contact_id=None, reason=None, now=clock()
            )
        assert await quotas.effective_places(session, app.programme.id, 2023, 1000) == 2700
        assert await quotas.effective_places(session, "another_programme", 2023, 1000) == 1000
        summary = await quota.quota_summary(session, app.programme, 2022)
    assert summary == QuotaSummary(year=2022, places=1000, used=0, verified=0, waiting=0)


async def test_places_used_are_approved_or_active_registrations_of_that_year(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        for serial, (status, year) in enumerate(
            [("approved", 2026), ("active", 2026), ("active", 2025), ("rejected", 2026), ("approved", None)], start=1
        ):
            row = await seed_registration(session, app.cipher, app.programme, serial=serial, status=status)
            row.quota_year = year
        await session.flush()
        assert await quotas.places_used(session, 2026) == 2
        assert await quotas.places_used(session, 2025) == 1


async def test_approval_fills_the_quota_by_priority_and_puts_the_rest_on_the_waiting_list(
    app: Jaring, clock: FixedClock
) -> None:
    ids = await _verified(app, clock, (False, "no"), (True, "no"), (True, "yes"), (False, "yes"), (False, "no"))
    assert await _approve(app, clock) == QuotaNotSet(2026)
    assert set((await _statuses(app)).values()) == {("verified", None)}  # nothing changed without a quota
    assert isinstance(await _set_places(app, clock, 3), QuotaChanged)
    assert await _approve(app, clock) == ApprovalDone(2026, approved=3, waiting_list=2, places=3, used=3)
    statuses = await _statuses(app)
    approved = {i for i, (status, year) in statuses.items() if status == "approved" and year == 2026}
    assert approved == {ids[2], ids[1], ids[3]}  # both priorities, then one priority by date
    assert {i for i, (status, _) in statuses.items() if status == "waiting_list"} == {ids[0], ids[4]}
    async with app.store.transaction() as session:
        news = {m.recipient: m.body for m in (await session.execute(select(OutboxMessage))).scalars()}
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "quota.approved"))).scalar_one()
        page = await quota.waiting_list(session, app.programme, offset=0, limit=10)
    assert "DISETUJUI" in news["worker-3"]
    assert "DAFTAR TUNGGU" in news["worker-1"]
    assert audit.detail == {"approved": "3", "waiting_list": "2", "places": "3", "by": "test"}
    assert [(item.position, item.id) for item in page.items] == [(1, ids[0]), (2, ids[4])]
    assert await _approve(app, clock) == ApprovalDone(2026, approved=0, waiting_list=0, places=3, used=3)


async def test_raising_the_quota_promotes_the_waiting_list_in_order_and_it_never_goes_below_the_used(
    app: Jaring, clock: FixedClock
) -> None:
    ids = await _verified(app, clock, (False, "no"), (False, "no"), (True, "yes"), (False, "no"))
    await _set_places(app, clock, 1)
    await _approve(app, clock)
    assert await _set_places(app, clock, 0) == QuotaBelowUsed(2026, 1)
    assert await _set_places(app, clock, 3) == QuotaChanged(2026, places=3, promoted=2, used=3)
    statuses = await _statuses(app)
    assert [statuses[i] for i in ids] == [
        ("approved", 2026),
        ("approved", 2026),
        ("approved", 2026),
        ("waiting_list", None),
    ]
    async with app.store.transaction() as session:
        changes = [(c.places, c.actor) for c in (await session.execute(select(QuotaChange))).scalars()]
        audits = (await session.execute(select(AuditEntry).where(AuditEntry.action == "quota.changed"))).scalars()
        promoted_audit = [a.detail for a in audits][-1]
    assert changes == [(1, "test"), (3, "test")]  # the refused change left no row
    assert promoted_audit == {"places": "3", "previous": "1", "promoted": "2", "by": "test"}


async def test_a_quota_set_for_another_year_promotes_nobody(app: Jaring, clock: FixedClock) -> None:
    await _verified(app, clock, (False, "no"))
    await _set_places(app, clock, 0)
    await _approve(app, clock)
    async with app.store.transaction() as session:
        result = await quota.change_quota(session, [], app.programme, 10, now=clock(), actor="test", year=2027)
    assert result == QuotaChanged(2027, places=10, promoted=0, used=0)
    assert set((await _statuses(app)).values()) == {("waiting_list", None)}


async def test_the_quota_year_is_the_programmes_local_year(app: Jaring, clock: FixedClock) -> None:
    clock.now = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00.30 WIB on 1 January 2027
    assert quota.current_year(app.programme, clock()) == 2027


async def test_two_admins_approving_at_once_never_exceed_the_quota(app: Jaring, clock: FixedClock) -> None:
    await _verified(app, clock, *[(n % 2 == 0, "yes" if n % 3 == 0 else "no") for n in range(12)])
    await _set_places(app, clock, 5)
    results = await asyncio.gather(*(_approve(app, clock) for _ in range(4)))
    statuses = await _statuses(app)
    assert sum(1 for status, _ in statuses.values() if status == "approved") == 5
    assert sum(1 for status, _ in statuses.values() if status == "waiting_list") == 7
    assert sum(r.approved for r in results if isinstance(r, ApprovalDone)) == 5
    async with app.store.transaction() as session:
        assert await quotas.places_used(session, 2026) == 5


async def test_approving_and_raising_at_once_never_exceed_the_quota(app: Jaring, clock: FixedClock) -> None:
    await _verified(app, clock, *[(True, "no")] * 8)
    await _set_places(app, clock, 2)
    await _approve(app, clock)  # 2 approved, 6 waiting
    await asyncio.gather(
        _set_places(app, clock, 4), _approve(app, clock), _set_places(app, clock, 5), _approve(app, clock)
    )
    async with app.store.transaction() as session:
        places = await quotas.effective_places(session, app.programme.id, 2026, None)
        used = await quotas.places_used(session, 2026)
    assert places is not None
    assert used == places  # every place the newest change gave is taken, and no more


async def test_the_chat_requests_answer_admins(app: Jaring, clock: FixedClock) -> None:
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    await _verified(app, clock, (True, "yes"), (False, "no"))
    async with app.store.transaction() as session:
        admin = await person(session, "kadis", clock(), ("admin", None))
        assert await desk.answer(session, admin, ChangeQuota(1, "APBD murni"), clock()) == QuotaChanged(2026, 1, 0, 0)
        assert await desk.answer(session, admin, ApproveVerified(), clock()) == ApprovalDone(2026, 1, 1, 1, 1)
        overview = await desk.answer(session, admin, QuotaOverview(), clock())
        change = (await session.execute(select(QuotaChange))).scalar_one()
    assert overview == QuotaSummary(2026, places=1, used=1, verified=0, waiting=1)
    assert (change.reason, change.actor, change.actor_contact_id) == ("APBD murni", "terminal:kadis", admin.id)


async def test_the_waiting_list_pages(app: Jaring, clock: FixedClock) -> None:
    await _verified(app, clock, *[(False, "no")] * 12)
    await _set_places(app, clock, 0)
    await _approve(app, clock)
    async with app.store.transaction() as session:
        page = await quota.waiting_list(session, app.programme, offset=10, limit=10)
    assert isinstance(page, WaitingPage)
    assert (page.total, [item.position for item in page.items]) == (12, [11, 12])


# ---- the command line -------------------------------------------------------------------------------------------


async def test_the_quota_commands(app: Jaring, clock: FixedClock) -> None:
    await _verified(app, clock, (True, "yes"), (False, "no"), (False, "no"))
    shown = await admin_commands.show_quota(app)
    assert shown.startswith("Kuota 2026: belum ditetapkan")
    with pytest.raises(ValueError, match="kuota 2026 belum ditetapkan"):
        await admin_commands.approve_registrations(app)
    assert await admin_commands.set_quota(app, 1, reason="APBD murni 2026") == (
        "Kuota 2026: 1 tempat; 0 naik dari daftar tunggu (mereka diberi tahu); terpakai 0."
    )
    assert await admin_commands.approve_registrations(app) == (
        "1 disetujui, 2 masuk daftar tunggu; kuota 2026: 1 / 1 terpakai. Semua yang bersangkutan diberi tahu."
    )
    with pytest.raises(ValueError, match=r"tidak boleh kurang dari tempat yang sudah terpakai \(1\)"):
        await admin_commands.set_quota(app, 0)
    assert "2 naik dari daftar tunggu" in await admin_commands.set_quota(app, 1700, reason="Perubahan APBD")
    shown = await admin_commands.show_quota(app)
    assert "Kuota 2026: 1.700 tempat" in shown
    assert "terpakai: 3 / 1.700 (disetujui atau aktif), sisa: 1.697" in shown
    assert "diubah menjadi 1.700 oleh cli  (Perubahan APBD)" in shown
    assert "berkas program: tidak ada kuota untuk tahun ini" in await admin_commands.show_quota(app)
    assert "berkas program: 1.000 tempat" in await admin_commands.show_quota(app, 2023)


async def test_approving_one_by_hand_respects_the_quota(app: Jaring, clock: FixedClock) -> None:
    ids = await _verified(app, clock, (False, "no"), (False, "no"))
    with pytest.raises(ValueError, match="kuota 2026 belum ditetapkan"):
        await admin_commands.set_status(app, ids[0], "approved", "", "")
    await _set_places(app, clock, 1)
    await admin_commands.set_status(app, ids[0], "approved", "", "")
    with pytest.raises(ValueError, match=r"kuota 2026 sudah penuh \(1 / 1\)"):
        await admin_commands.set_status(app, ids[1], "approved", "", "")
    await admin_commands.set_status(app, ids[0], "approved", "", "")  # already holds its place
    assert (await _statuses(app))[ids[0]] == ("approved", 2026)


# ---- flagged registrations: never approved without an override with a reason -------------------------------


async def _flag(app: Jaring, registration_id: int, *, born: date | None = None, flags: list[str] | None = None) -> None:
    async with app.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        if born is not None:
            row.birth_date = born
        if flags is not None:
            row.flags = flags


async def _events(app: Jaring, registration_id: int) -> list[tuple[str, str | None]]:
    async with app.store.transaction() as session:
        statement = select(RegistrationEvent).where(RegistrationEvent.registration_id == registration_id)
        return [
            (e.status, e.reason) for e in (await session.execute(statement.order_by(RegistrationEvent.id))).scalars()
        ]


async def _overrides_audited(app: Jaring) -> list[tuple[str | None, dict[str, str]]]:
    async with app.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "registration.flags_overridden")
        return [
            (a.subject, dict(a.detail)) for a in (await session.execute(statement.order_by(AuditEntry.id))).scalars()
        ]


async def test_a_bulk_approval_holds_out_a_flagged_registration_and_names_it(app: Jaring, clock: FixedClock) -> None:
    """Born in 1956 with no stored flag (registered before the band was checked): 70 today, held out;
    a stored flag (outside the leader's area) is held out too; the others are approved as usual."""
    ids = await _verified(app, clock, (True, "yes"), (True, "yes"), (False, "no"), (False, "no"))
    await _flag(app, ids[0], born=date(1956, 3, 1))
    await _flag(app, ids[1], flags=["outside_leader_area"])
    await _set_places(app, clock, 10)
    done = await _approve(app, clock)
    assert isinstance(done, ApprovalDone)
    assert (done.approved, done.waiting_list, done.used) == (2, 0, 2)
    assert [(item.id, item.flags) for item in done.held] == [(ids[0], ("age",)), (ids[1], ("outside_leader_area",))]
    assert done.held[0].full_name == "Pekerja 1"
    statuses = await _statuses(app)
    assert [statuses[i][0] for i in ids] == ["verified", "verified", "approved", "approved"]
    assert await _approve(app, clock) == ApprovalDone(2026, 0, 0, 10, 2, held=done.held)  # still held, every time
    async with app.store.transaction() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "quota.approved"))).scalars()
        assert [a.detail.get("held") for a in audit] == [f"{ids[0]},{ids[1]}"] * 2


async def test_an_override_approves_one_flagged_registration_with_its_reason_recorded(
    app: Jaring, clock: FixedClock
) -> None:
    ids = await _verified(app, clock, (False, "no"), (False, "no"))
    await _flag(app, ids[0], born=date(1956, 3, 1))
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        admin = await person(session, "kadis", clock(), ("admin", None))
        verifier = await person(session, "bu-lurah", clock(), ("verifier", "33.75.01.1002"))
        assert await desk.answer(session, admin, ApproveFlagged(ids[0], "SK Wali Kota 12/2026"), clock()) == (
            QuotaNotSet(2026)
        )
        await quota.change_quota(session, [], app.programme, 1, now=clock(), actor="test")
        summary = await desk.answer(session, admin, QuotaOverview(), clock())
        assert isinstance(summary, QuotaSummary)
        assert [(item.id, item.flags) for item in summary.flagged] == [(ids[0], ("age",))]
        assert await desk.answer(session, verifier, ApproveFlagged(ids[0], "alasan"), clock()) == RoleRefused()
        assert await desk.answer(session, admin, ApproveFlagged(ids[0], "  "), clock()) == RoleRefused()
        assert await desk.answer(session, admin, ApproveFlagged(ids[1], "tidak ditandai"), clock()) == NotHeld(ids[1])
        overridden = await desk.answer(session, admin, ApproveFlagged(ids[0], "SK Wali Kota 12/2026"), clock())
        assert overridden == FlagOverridden(ids[0], 2026, places=1, used=1)
        assert await desk.answer(session, admin, ApproveFlagged(ids[0], "lagi"), clock()) == NotHeld(ids[0])
    assert (await _statuses(app))[ids[0]] == ("approved", 2026)
    assert (await _statuses(app))[ids[1]] == ("verified", None)  # an override approves that one only
    assert (await _events(app, ids[0]))[-1] == ("approved", "SK Wali Kota 12/2026")
    assert await _overrides_audited(app) == [
        (f"registration:{ids[0]}", {"flags": "age", "reason": "SK Wali Kota 12/2026", "by": "terminal:kadis"})
    ]


async def test_an_override_needs_a_free_place(app: Jaring, clock: FixedClock) -> None:
    ids = await _verified(app, clock, (True, "yes"), (False, "no"))
    await _flag(app, ids[1], born=date(1956, 3, 1))
    await _set_places(app, clock, 1)
    await _approve(app, clock)
    async with app.store.transaction() as session:
        result = await quota.approve_flagged(session, [], app.programme, ids[1], "SK 12", now=clock(), actor="test")
    assert result == NoPlaceLeft(2026, 1)
    assert (await _statuses(app))[ids[1]] == ("verified", None)


async def test_raising_the_quota_never_promotes_a_flagged_registration(app: Jaring, clock: FixedClock) -> None:
    ids = await _verified(app, clock, (True, "yes"), (False, "no"), (False, "no"))
    await _set_places(app, clock, 0)
    await _approve(app, clock)  # all three on the waiting list
    await _flag(app, ids[0], born=date(1956, 3, 1))
    assert await _set_places(app, clock, 5) == QuotaChanged(2026, places=5, promoted=2, used=2)
    statuses = await _statuses(app)
    assert [statuses[i][0] for i in ids] == ["waiting_list", "approved", "approved"]


async def test_the_overview_offers_the_newest_earlier_years_quota_when_this_year_has_none(
    app: Jaring, clock: FixedClock
) -> None:
    async with app.store.transaction() as session:
        assert await quota.quota_summary(session, app.programme, 2026) == QuotaSummary(
            2026, places=None, used=0, verified=0, waiting=0, previous_year=2023, previous_places=1000
        )
        await quotas.record_quota_change(
            session, app.programme.id, 2025, 1500, actor="test", actor_contact_id=None, reason=None, now=clock()
        )
        summary = await quota.quota_summary(session, app.programme, 2026)
    assert (summary.previous_year, summary.previous_places) == (2025, 1500)


async def test_the_approve_command_holds_out_flagged_ones_and_needs_a_reason_to_override(
    app: Jaring, clock: FixedClock
) -> None:
    ids = await _verified(app, clock, (True, "yes"), (False, "no"))
    await _flag(app, ids[0], born=date(1956, 3, 1))
    await admin_commands.set_quota(app, 5)
    with pytest.raises(admin_commands.FlagsHeld) as held:
        await admin_commands.approve_registrations(app)
    assert str(held.value).startswith("1 disetujui, 0 masuk daftar tunggu")
    flag_line = (
        f"pendaftaran {ids[0]} (Pekerja 1): Umur 70 tahun saat mendaftar, di luar batas program (18 sampai 65 tahun)."
    )
    assert flag_line in str(held.value)
    assert "--override-flags" in str(held.value)
    with pytest.raises(ValueError, match="--override-flags perlu --reason"):
        await admin_commands.approve_registrations(app, override_flags=[ids[0]])
    with pytest.raises(ValueError, match=f"pendaftaran {ids[1]} tidak ditandai"):
        await admin_commands.approve_registrations(app, override_flags=[ids[1]], reason="salah nomor")
    with pytest.raises(ValueError, match="--override-flags perlu nomor pendaftaran") as unnamed:
        await admin_commands.approve_registrations(app, override_flags=[], reason="SK Wali Kota 12/2026")
    assert flag_line in str(unnamed.value)  # the flagged ones, by number and name, to choose from
    assert (await _statuses(app))[ids[0]] == ("verified", None)
    said = await admin_commands.approve_registrations(app, override_flags=[ids[0]], reason="SK Wali Kota 12/2026")
    assert said.startswith("1 disetujui")
    assert said.endswith(
        f"Disetujui meski tidak sesuai aturan program (alasan dicatat: SK Wali Kota 12/2026):\n  {flag_line}"
    )
    assert (await _statuses(app))[ids[0]] == ("approved", 2026)
    assert (await _events(app, ids[0]))[-1] == ("approved", "SK Wali Kota 12/2026")
    assert [subject for subject, _ in await _overrides_audited(app)] == [f"registration:{ids[0]}"]


async def test_approving_a_flagged_one_by_hand_needs_the_override_and_a_reason(app: Jaring, clock: FixedClock) -> None:
    ids = await _verified(app, clock, (False, "no"))
    await _flag(app, ids[0], born=date(1956, 3, 1))
    await _set_places(app, clock, 5)
    with pytest.raises(ValueError, match="tidak sesuai aturan program") as refused:
        await admin_commands.set_status(app, ids[0], "approved", "", "")
    assert "Umur 70 tahun" in str(refused.value)
    with pytest.raises(ValueError, match="--override-flags perlu --reason"):
        await admin_commands.set_status(app, ids[0], "approved", "", "", override_flags=True)
    assert (await _statuses(app))[ids[0]] == ("verified", None)
    said = await admin_commands.set_status(app, ids[0], "approved", "SK 12/2026", "", override_flags=True)
    assert said.endswith(
        "Disetujui meski tidak sesuai aturan program (alasan dicatat: SK 12/2026):\n"
        f"  pendaftaran {ids[0]} (Pekerja 1): Umur 70 tahun saat mendaftar, di luar batas program (18 sampai 65 tahun)."
    )
    assert (await _statuses(app))[ids[0]] == ("approved", 2026)
    assert await _overrides_audited(app) == [
        (f"registration:{ids[0]}", {"flags": "age", "reason": "SK 12/2026", "by": "cli"})
    ]


async def test_the_override_flag_alone_overrides_nobody_and_exits_2_listing_the_flagged_ones(
    app: Jaring, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--override-flags --reason x` without numbers never approves every flagged registration at once."""
    ids = await _verified(app, clock, (False, "no"), (False, "no"))
    await _flag(app, ids[0], born=date(1956, 3, 1))
    await _flag(app, ids[1], flags=["outside_leader_area"])
    await admin_commands.set_quota(app, 5)
    args = _parser().parse_args(["registration", "approve", "--override-flags", "--reason", "SK 12/2026"])
    assert await admin_commands.run_review_command(app, args) == 2
    said = capsys.readouterr().err
    assert "--override-flags perlu nomor pendaftaran" in said
    assert f"pendaftaran {ids[0]} (Pekerja 1): Umur 70 tahun saat mendaftar" in said
    assert f"pendaftaran {ids[1]} (Pekerja 2): Alamat di luar wilayah RT/RW" in said
    assert [(await _statuses(app))[i] for i in ids] == [("verified", None), ("verified", None)]
    assert await _overrides_audited(app) == []
    args = _parser().parse_args(["registration", "approve", "--override-flags", str(ids[1]), "--reason", "SK 12"])
    assert await admin_commands.run_review_command(app, args) == 3  # the other one is still held, and named
    err = capsys.readouterr().err
    assert f"pendaftaran {ids[1]} (Pekerja 2): Alamat di luar wilayah RT/RW" in err
    assert [(await _statuses(app))[i][0] for i in ids] == ["verified", "approved"]


async def test_the_age_is_judged_on_the_day_of_registration_whenever_the_approval_comes(
    app: Jaring, clock: FixedClock
) -> None:
    """Born 20-12-1960, registered 21-11-2026 at 65: in the band. Approved in January 2027 (66 by then) it
    is not held; born in 1956, 70 when registered, it is, and told as the age then."""
    ids = await _verified(app, clock, (False, "no"), (False, "no"))
    async with app.store.transaction() as session:
        for registration_id in ids:
            row = await session.get(Registration, registration_id)
            assert row is not None
            row.created_at = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    await _flag(app, ids[0], born=date(1960, 12, 20))
    await _flag(app, ids[1], born=date(1956, 12, 1))  # 69 when registered, 70 by the approval
    clock.advance(days=50)  # 10 January 2027
    async with app.store.transaction() as session:
        await quota.change_quota(session, [], app.programme, 5, now=clock(), actor="test")
    done = await _approve(app, clock)
    assert isinstance(done, ApprovalDone)
    assert [(item.id, item.flags, item.registered_on) for item in done.held] == [(ids[1], ("age",), date(2026, 11, 21))]
    assert (await _statuses(app))[ids[0]] == ("approved", 2027)
    with pytest.raises(admin_commands.FlagsHeld, match="Umur 69 tahun saat mendaftar"):
        await admin_commands.approve_registrations(app)


async def test_a_stale_use_last_years_quota_tap_never_overwrites_another_admins_quota(
    app: Jaring, clock: FixedClock
) -> None:
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        admin = await person(session, "kadis", clock(), ("admin", None))
        other = await person(session, "sekdin", clock(), ("admin", None))
        first = await desk.answer(session, admin, ChangeQuota(1000, "Sama dengan 2023", only_if_unset=True), clock())
        assert first == QuotaChanged(2026, places=1000, promoted=0, used=0)
        assert await desk.answer(session, other, ChangeQuota(1200, "APBD"), clock()) == QuotaChanged(2026, 1200, 0, 0)
        stale = await desk.answer(session, admin, ChangeQuota(1000, "Sama dengan 2023", only_if_unset=True), clock())
        assert stale == QuotaAlreadySet(2026, places=1200)
        assert await quota.quota_summary(session, app.programme, 2026) == QuotaSummary(
            2026, places=1200, used=0, verified=0, waiting=0
        )
        changes = (await session.execute(select(QuotaChange).order_by(QuotaChange.id))).scalars()
        assert [change.places for change in changes] == [1000, 1200]  # the stale tap recorded nothing
