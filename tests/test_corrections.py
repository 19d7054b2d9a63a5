"""Correcting a registration already sent (issue 14, item 3): the rule by field and status (pure), names
as on the KTP, and the store on SQLite and PostgreSQL — an approved registration sent back to the
kelurahan keeps its quota place and is approved again once verified, an active one stays active, the
Dinas admins get a letter, nothing is saved but the plan the person confirmed, and only the worker or
the leader (still a leader) who entered it may correct it."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import PROJECT_DIR, Settings, load_settings
from conversations.corrections_policy import (
    CorrectionPlan,
    correction_plan,
    holds_place,
    status_after_verification,
    stored_form,
)
from conversations.names import ktp_name
from conversations.requests.base import Done, NotAllowed, Request
from conversations.requests.quota import ApproveFlagged, FlagOverridden
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectionRefused,
    CorrectRegistration,
    PlanCorrection,
)
from conversations.requests.review import Decided, DecideRegistration
from conversations.state import Json
from db.connection import Store
from db.models import Contact, OutboxMessage, Registration, RegistrationEvent
from db.repositories import quotas, roles
from tests.conftest import FixedClock
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, nik_for, person, seed_registration

A = TypeVar("A")
YEAR = 2026  # the fixed clock's year: the quota year of an approval today

# ---- names as on the KTP (pure) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("siti aminah", "SITI AMINAH"),
        ("  Siti   Aminah ", "SITI AMINAH"),
        ("muh. ali-imron", "MUH. ALI-IMRON"),
        ("nur'aini", "NUR'AINI"),
        ("Strauß", "STRAUß"),  # "ß" has a two-letter capital: kept, so the name keeps its length
    ],
)
def test_a_name_is_kept_in_the_ktps_capitals(typed: str, stored: str) -> None:
    assert ktp_name(typed) == stored


# ---- the rule (pure) ----------------------------------------------------------------------------------------


def _plan(field: str, status: str, quota_year: int | None = None, new: Json = "X") -> CorrectionPlan:
    return correction_plan(field, status, quota_year, current="old value", new=new)


@pytest.mark.parametrize("field", ["nik", "full_name", "birth_date", "kelurahan_code"])
def test_identity_sends_an_approved_registration_back_keeping_its_place_and_tells_the_dinas(field: str) -> None:
    new = "2000-01-01" if field == "birth_date" else "X"
    current = "1999-01-01" if field == "birth_date" else "old"
    plan = correction_plan(field, "approved", YEAR, current=current, new=new)
    assert plan == CorrectionPlan(field, "approved", "corrected", rechecked=True, keeps_place=True, dinas_told=True)


@pytest.mark.parametrize("field", ["rt", "rw", "street", "job_type", "phone"])
def test_address_detail_job_and_phone_change_an_approved_one_without_a_new_check(field: str) -> None:
    plan = _plan(field, "approved", YEAR)
    assert plan == CorrectionPlan(field, "approved", "approved", dinas_told=True)


@pytest.mark.parametrize("field", ["nik", "full_name", "street", "phone"])
def test_an_active_participant_stays_active_and_the_dinas_is_told(field: str) -> None:
    plan = _plan(field, "active", YEAR)
    assert plan == CorrectionPlan(field, "active", "active", dinas_told=True)


def test_the_priority_answers_are_not_sent_to_bpjs_so_nobody_is_told() -> None:
    assert _plan("breadwinner", "active", YEAR, new=True) == CorrectionPlan("breadwinner", "active", "active")
    assert _plan("poverty_register", "approved", YEAR).dinas_told is False


def test_before_approval_identity_goes_back_to_the_kelurahan_and_the_rest_changes_in_place() -> None:
    assert _plan("full_name", "verified") == CorrectionPlan("full_name", "verified", "corrected", rechecked=True)
    assert _plan("full_name", "submitted").status_after == "corrected"
    assert _plan("full_name", "waiting_list").status_after == "corrected"
    assert _plan("phone", "verified") == CorrectionPlan("phone", "verified", "verified")
    assert _plan("street", "submitted") == CorrectionPlan("street", "submitted", "submitted")
    assert _plan("phone", "rejected").status_after == "rejected"


def test_a_returned_registration_goes_back_whatever_is_fixed_and_keeps_a_place_it_held() -> None:
    assert _plan("rt", "returned") == CorrectionPlan("rt", "returned", "corrected", rechecked=True)
    kept = _plan("phone", "returned", YEAR)
    assert (kept.rechecked, kept.keeps_place, kept.dinas_told) == (True, True, True)


def test_a_year_on_a_rejected_registration_is_no_place_to_keep() -> None:
    plan = _plan("full_name", "rejected", YEAR)
    assert (plan.status_after, plan.keeps_place, plan.dinas_told) == ("corrected", False, False)


def test_the_same_value_again_is_no_change_a_name_in_any_case_included() -> None:
    same = correction_plan("full_name", "approved", YEAR, current="SITI AMINAH", new="siti  aminah")
    assert same == CorrectionPlan("full_name", "approved", "approved", unchanged=True)
    assert correction_plan("full_name", "approved", YEAR, current="Siti Aminah", new="SITI AMINAH").unchanged
    assert correction_plan("breadwinner", "active", YEAR, current=True, new=True).unchanged
    assert stored_form("birth_date", "1985-06-05") == "1985-06-05"
    assert stored_form("street", "") is None


def test_which_registrations_hold_a_place_and_what_verification_makes_of_them() -> None:
    assert holds_place("approved", YEAR)
    assert holds_place("corrected", YEAR)
    assert holds_place("returned", YEAR)
    assert not holds_place("corrected", None)
    assert not holds_place("rejected", YEAR)
    assert not holds_place("waiting_list", None)
    assert holds_place("verified", YEAR)  # flagged after a correction: held for the admin, place kept
    assert not holds_place("verified", None)  # a first verification has no place yet
    assert status_after_verification("corrected", YEAR) == "approved"
    assert status_after_verification("corrected", None) == "verified"
    assert status_after_verification("submitted", None) == "verified"


# ---- the store ------------------------------------------------------------------------------------------------


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


def desk(app: Jaring) -> RequestAnswerer:
    return RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)


async def _seeded(app: Jaring, clock: FixedClock, status: str, quota_year: int | None, kpj: str = "") -> int:
    """A worker's registration with `status`, approved against `quota_year`; an admin and a verifier of
    Medono exist."""
    async with app.store.transaction() as session:
        worker = await person(session, "worker", clock())
        await person(session, "kadis", clock(), ("admin", None))
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
        row = await seed_registration(session, app.cipher, app.programme, serial=1, registrant=worker, status=status)
        row.quota_year, row.kpj, row.full_name = quota_year, kpj or None, "SITI AMINAH"
        return row.id


async def _as(app: Jaring, clock: FixedClock, who: str, request: Request[A]) -> A:
    async with app.store.transaction() as session:
        contact = (await session.execute(select(Contact).where(Contact.channel_id == who))).scalar_one()
        return await desk(app).answer(session, contact, request, clock())


async def _plan_and_save(
    app: Jaring, clock: FixedClock, who: str, registration_id: int, field: str, value: Json
) -> tuple[CorrectionPlan, Any]:
    plan = await _as(app, clock, who, PlanCorrection(registration_id, field, value))
    assert isinstance(plan, CorrectionPlan)
    saved = await _as(app, clock, who, CorrectRegistration(registration_id, field, value, plan))
    return plan, saved


async def _row(app: Jaring, registration_id: int) -> Registration:
    async with app.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


async def _letters_to(app: Jaring, who: str) -> list[str]:
    async with app.store.transaction() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [row.body for row in rows if row.recipient == who]


async def _places_used(app: Jaring) -> int:
    async with app.store.transaction() as session:
        return await quotas.places_used(session, YEAR)


async def test_an_approved_name_change_keeps_the_place_tells_the_dinas_and_is_approved_again_once_verified(
    app: Jaring, clock: FixedClock
) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)
    assert await _places_used(app) == 1
    plan, saved = await _plan_and_save(app, clock, "worker", registration_id, "full_name", "Siti Aminah Rahayu")
    assert saved == Done()
    assert (plan.status_after, plan.keeps_place, plan.dinas_told) == ("corrected", True, True)
    row = await _row(app, registration_id)
    assert (row.full_name, row.status, row.quota_year) == ("SITI AMINAH RAHAYU", "corrected", YEAR)
    assert await _places_used(app) == 1  # the place is kept while the kelurahan checks again
    [letter] = await _letters_to(app, "kadis")
    assert "SITI AMINAH → SITI AMINAH RAHAYU" in letter
    assert "BPJS Ketenagakerjaan" in letter
    assert await _letters_to(app, "bu-lurah") == []  # the verifier finds it in the list, as every correction

    decided = await _as(app, clock, "bu-lurah", DecideRegistration(registration_id, "verified"))
    assert decided == Decided(registration_id, "approved")  # the status stored, as the verifier is told
    row = await _row(app, registration_id)
    assert (row.status, row.quota_year) == ("approved", YEAR)  # its own place, not a new one
    assert await _places_used(app) == 1
    assert "DISETUJUI" in (await _letters_to(app, "worker"))[-1]


async def test_a_rejection_after_the_new_check_frees_the_place(app: Jaring, clock: FixedClock) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)
    await _plan_and_save(app, clock, "worker", registration_id, "nik", nik_for(2))
    await _as(app, clock, "bu-lurah", DecideRegistration(registration_id, "rejected", "bukan warga Medono"))
    assert await _places_used(app) == 0
    # Corrected again after the rejection, it goes back to the kelurahan with no place to keep.
    plan, _ = await _plan_and_save(app, clock, "worker", registration_id, "full_name", "Siti Aminah R")
    assert plan.keeps_place is False
    row = await _row(app, registration_id)
    assert (row.status, row.quota_year) == ("corrected", None)
    assert await _places_used(app) == 0


async def test_an_active_participants_nik_change_keeps_them_active_and_queues_the_admins_letter(
    app: Jaring, clock: FixedClock
) -> None:
    registration_id = await _seeded(app, clock, "active", YEAR, kpj="12345678901")
    new_nik = nik_for(2)
    plan, saved = await _plan_and_save(app, clock, "worker", registration_id, "nik", new_nik)
    assert saved == Done()
    assert plan == CorrectionPlan("nik", "active", "active", dinas_told=True)
    row = await _row(app, registration_id)
    assert (row.status, row.kpj, row.quota_year) == ("active", "12345678901", YEAR)
    assert row.nik_hash == app.cipher.blind_index(new_nik)
    assert await _places_used(app) == 1
    [letter] = await _letters_to(app, "kadis")
    assert "KPJ 12345678901" in letter
    assert new_nik not in letter  # masked: in full only in the enrolment list
    async with app.store.transaction() as session:
        events = (await session.execute(select(RegistrationEvent.status))).scalars().all()
    assert "corrected" not in events  # the history shows no new check


async def test_a_phone_change_saves_without_a_new_check(app: Jaring, clock: FixedClock) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)
    plan, saved = await _plan_and_save(app, clock, "worker", registration_id, "phone", "6281299998888")
    assert (saved, plan.rechecked, plan.status_after) == (Done(), False, "approved")
    row = await _row(app, registration_id)
    assert (row.phone, row.status) == ("6281299998888", "approved")
    assert len(await _letters_to(app, "kadis")) == 1


async def test_the_same_name_in_another_case_saves_nothing(app: Jaring, clock: FixedClock) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)
    plan = await _as(app, clock, "worker", PlanCorrection(registration_id, "full_name", "siti aminah"))
    assert isinstance(plan, CorrectionPlan)
    assert plan.unchanged
    again = await _as(app, clock, "worker", CorrectRegistration(registration_id, "full_name", "siti aminah", plan))
    assert again == plan  # nothing to save
    assert (await _row(app, registration_id)).status == "approved"
    assert await _letters_to(app, "kadis") == []


async def test_a_plan_overtaken_by_a_decision_is_not_saved_and_the_new_plan_comes_back(
    app: Jaring, clock: FixedClock
) -> None:
    registration_id = await _seeded(app, clock, "verified", None)
    seen = await _as(app, clock, "worker", PlanCorrection(registration_id, "phone", "6281299998888"))
    assert seen == CorrectionPlan("phone", "verified", "verified")
    async with app.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        row.status, row.quota_year = "approved", YEAR  # the Dinas approved it meanwhile
    answer = await _as(app, clock, "worker", CorrectRegistration(registration_id, "phone", "6281299998888", seen))
    assert answer == CorrectionPlan("phone", "approved", "approved", dinas_told=True)
    assert (await _row(app, registration_id)).phone == "6281234567890"


async def test_only_the_worker_or_their_leader_still_a_leader_may_correct_and_only_with_a_real_value(
    app: Jaring, clock: FixedClock
) -> None:
    async with app.store.transaction() as session:
        leader = await person(session, "pak-rt", clock(), ("rtrw", MEDONO_CODE))
        await person(session, "stranger", clock())
        entered = await seed_registration(session, app.cipher, app.programme, serial=3, operator=leader)
        other = await seed_registration(session, app.cipher, app.programme, serial=4)
    street = PlanCorrection(entered.id, "street", "Jl. Kurinci 9")
    assert await _as(app, clock, "stranger", street) == NotAllowed()
    assert isinstance(await _as(app, clock, "pak-rt", street), CorrectionPlan)
    for crafted in (
        PlanCorrection(entered.id, "street", "x"),
        PlanCorrection(entered.id, "rt", "4"),
        PlanCorrection(entered.id, "birth_date", "2999-01-01"),
        PlanCorrection(entered.id, "kelurahan_code", "99.99.99.9999"),
        PlanCorrection(entered.id, "status", "approved"),
        PlanCorrection(entered.id, "nik", "1234"),
    ):
        assert await _as(app, clock, "pak-rt", crafted) == NotAllowed(), crafted
    taken = PlanCorrection(entered.id, "nik", nik_for(4))
    assert await _as(app, clock, "pak-rt", taken) == AlreadyRegistered()
    assert other.id != entered.id
    async with app.store.transaction() as session:
        await roles.revoke_role(session, leader.id, "rtrw", clock())
    assert await _as(app, clock, "pak-rt", street) == NotAllowed()
    assert (await _row(app, entered.id)).street == "Jl. Sampangan"


# ---- the programme's rules, held when a NIK, a birth date or a kelurahan is corrected ----------------------

AGE_LEFT_TO_KELURAHAN = PROJECT_DIR / "tests" / "data" / "kota-pekalongan-age-left-to-kelurahan.toml"
NIK_OF_1956 = "3375014506560001"  # a woman born 5 June 1956
REGISTERED_ON = date(2026, 11, 20)  # seed_registration's day, in Pekalongan


@pytest.fixture
async def lenient_app(settings: Settings, clock: FixedClock, store: Store, monkeypatch: pytest.MonkeyPatch) -> Jaring:
    """Pekalongan's rules with the age band left to the kelurahan."""
    monkeypatch.setenv("JARING_PROGRAM_FILE", str(AGE_LEFT_TO_KELURAHAN))
    app = await open_jaring(load_settings(), clock, store=store)
    assert "age" in app.programme.eligibility.kelurahan_decides
    return app


async def _typed_ten_years_late(app: Jaring, registration_id: int) -> None:
    """The registration's NIK is of 5 June 1956 and its birth date was typed as 1966: an older
    registration, made before the NIK and the birth date were compared."""
    async with app.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        row.nik_cipher, row.nik_hash = app.cipher.encrypt(NIK_OF_1956), app.cipher.blind_index(NIK_OF_1956)
        row.birth_date = date(1966, 6, 5)


_BIRTH_DATE_RECHECK = CorrectionPlan(
    "birth_date", "approved", "corrected", rechecked=True, keeps_place=True, dinas_told=True
)


async def test_a_birth_date_corrected_outside_a_strict_age_band_is_refused_and_nothing_is_saved(
    app: Jaring, clock: FixedClock
) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)
    await _typed_ten_years_late(app, registration_id)
    refused = await _as(app, clock, "worker", PlanCorrection(registration_id, "birth_date", "1956-06-05"))
    # 70 on the day of registration, outside Pekalongan's 18–65, a rule its file holds strictly.
    assert refused == CorrectionRefused(rule="age", birth_date=date(1956, 6, 5), judged_on=REGISTERED_ON)
    # A crafted save of the plan a lenient rule would give is refused the same way.
    flagged_plan = dataclasses.replace(_BIRTH_DATE_RECHECK, flags_added=("age",), judged_on=REGISTERED_ON)
    saved = await _as(
        app, clock, "worker", CorrectRegistration(registration_id, "birth_date", "1956-06-05", flagged_plan)
    )
    assert saved == refused
    row = await _row(app, registration_id)
    assert (row.birth_date, row.status, row.quota_year, row.flags) == (date(1966, 6, 5), "approved", YEAR, [])
    assert await _letters_to(app, "kadis") == []


async def test_a_birth_date_the_kelurahan_decides_on_is_saved_flagged_and_not_approved_again_silently(
    lenient_app: Jaring, clock: FixedClock
) -> None:
    app = lenient_app
    registration_id = await _seeded(app, clock, "approved", YEAR)
    await _typed_ten_years_late(app, registration_id)
    plan, saved = await _plan_and_save(app, clock, "worker", registration_id, "birth_date", "1956-06-05")
    assert plan == dataclasses.replace(_BIRTH_DATE_RECHECK, flags_added=("age",), judged_on=REGISTERED_ON)
    assert saved == Done()
    row = await _row(app, registration_id)
    assert (row.birth_date, row.status, row.quota_year, row.flags) == (date(1956, 6, 5), "corrected", YEAR, ["age"])

    decided = await _as(app, clock, "bu-lurah", DecideRegistration(registration_id, "verified"))
    assert decided == Decided(registration_id, "verified")  # not "approved": the admin decides on the flag
    row = await _row(app, registration_id)
    assert (row.status, row.quota_year) == ("verified", YEAR)
    assert "DISETUJUI" not in (await _letters_to(app, "worker"))[-1]
    assert await _places_used(app) == 1  # its place is kept while the admin decides

    async with app.store.transaction() as session:  # every place of the year is taken: it still has its own
        await quotas.record_quota_change(
            session, app.programme.id, YEAR, 1, actor="test", actor_contact_id=None, reason=None, now=clock()
        )
    overridden = await _as(app, clock, "kadis", ApproveFlagged(registration_id, "Umur dicek ulang di kelurahan"))
    assert overridden == FlagOverridden(registration_id, YEAR, 1, 1)
    assert (await _row(app, registration_id)).status == "approved"
    assert await _places_used(app) == 1


async def test_a_birth_date_or_a_nik_that_disagrees_with_the_other_one_recorded_is_refused(
    app: Jaring, clock: FixedClock
) -> None:
    registration_id = await _seeded(app, clock, "approved", YEAR)  # NIK and birth date: 5 June 1985
    refused = await _as(app, clock, "worker", PlanCorrection(registration_id, "birth_date", "1985-06-15"))
    assert refused == CorrectionRefused(nik_date=date(1985, 6, 5))
    refused = await _as(app, clock, "worker", PlanCorrection(registration_id, "nik", NIK_OF_1956))
    assert refused == CorrectionRefused(nik_date=date(1956, 6, 5))
    stale = CorrectionPlan("nik", "approved", "corrected", rechecked=True, keeps_place=True, dinas_told=True)
    assert await _as(app, clock, "worker", CorrectRegistration(registration_id, "nik", NIK_OF_1956, stale)) == refused
    row = await _row(app, registration_id)
    assert (row.nik_hash, row.birth_date, row.status) == (
        app.cipher.blind_index(nik_for(1)),
        date(1985, 6, 5),
        "approved",
    )
    # The century is the person's to say, as when registering: 1985 and 2085 agree with "85" (2085 is
    # in the future, so that one is refused as no date at all).
    assert await _as(app, clock, "worker", PlanCorrection(registration_id, "birth_date", "2085-06-05")) == NotAllowed()


async def test_a_leaders_kelurahan_correction_outside_their_area_carries_the_flag(
    app: Jaring, clock: FixedClock
) -> None:
    async with app.store.transaction() as session:
        leader = await person(session, "pak-rt", clock(), ("rtrw", MEDONO_CODE))
        entered = await seed_registration(session, app.cipher, app.programme, serial=3, operator=leader)
    moved = PlanCorrection(entered.id, "kelurahan_code", NOYONTAANSARI)
    plan = await _as(app, clock, "pak-rt", moved)
    assert isinstance(plan, CorrectionPlan)
    assert (plan.status_after, plan.flags_added) == ("corrected", ("outside_leader_area",))
    assert (
        await _as(app, clock, "pak-rt", CorrectRegistration(entered.id, "kelurahan_code", NOYONTAANSARI, plan))
        == Done()
    )
    row = await _row(app, entered.id)
    assert (row.kelurahan_code, row.flags) == (NOYONTAANSARI, ["outside_leader_area"])
    # Moved back into the leader's kelurahan, the flag goes.
    back = await _as(app, clock, "pak-rt", PlanCorrection(entered.id, "kelurahan_code", MEDONO_CODE))
    assert isinstance(back, CorrectionPlan)
    assert back.flags_added == ()
    saved = await _as(app, clock, "pak-rt", CorrectRegistration(entered.id, "kelurahan_code", MEDONO_CODE, back))
    assert saved == Done()
    assert (await _row(app, entered.id)).flags == []
