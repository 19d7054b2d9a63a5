"""The programme's rules in one place (conversations/programme_rules.py): the age band on the day it
applies, the other rules, what the kelurahan decides; and the store holding them whatever the
conversation said (a strict rule broken: refused; a rule the kelurahan decides: stored with its flag)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import select

from bot.app import read_programme_file
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import PROJECT_DIR
from conversations.programme import Eligibility, Programme
from conversations.programme_rules import (
    Facts,
    age_band_text,
    age_breach,
    age_rule_day,
    birth_date_breach,
    explain_refusal,
    judge,
    participant_breach,
    poverty_breach,
    resident_breach,
)
from conversations.registration_flags import breach_flag, flag_message, flags_on, judged_flags, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.registrations import (
    FindLeaderArea,
    LeaderArea,
    RuleBroken,
    SubmitRegistration,
    Submitted,
)
from conversations.state import Json
from db.connection import Store
from db.models import AuditEntry, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import contacts, roles
from locales import Catalogs
from tests.conftest import FixedClock
from tests.core_support import catalogs, programme, region

PROGRAMMES = PROJECT_DIR / "programmes"
AGE_LEFT_TO_KELURAHAN = PROJECT_DIR / "tests" / "data" / "kota-pekalongan-age-left-to-kelurahan.toml"
REGISTRATION_DAY = date(2026, 11, 21)  # the fixed clock's day: the rules apply on the day of registration


def pekalongan() -> Programme:
    return programme()  # min_age 18, max_age 65, strict


def banjar() -> Programme:
    return read_programme_file(PROGRAMMES / "kota-banjar.toml")  # poverty register required, no age band


def age_left_to_kelurahan() -> Programme:
    return read_programme_file(AGE_LEFT_TO_KELURAHAN)


# ---- the age band, on the day it applies --------------------------------------------------------------


def test_turning_66_the_day_after_registration_is_still_in_the_band() -> None:
    born = date(1960, 11, 22)
    assert birth_date_breach(pekalongan(), born, REGISTRATION_DAY) is None  # 65 today
    breach = birth_date_breach(pekalongan(), born, date(2026, 11, 22))  # 66 on the birthday
    assert breach is not None
    assert breach.rule == "age"
    assert breach.reason.params["age"] == 66
    assert not breach.kelurahan_decides


def test_turning_18_on_the_day_of_registration_is_in_the_band() -> None:
    born = date(2008, 11, 21)
    assert birth_date_breach(pekalongan(), born, REGISTRATION_DAY) is None
    too_young = birth_date_breach(pekalongan(), born, date(2026, 11, 20))
    assert too_young is not None
    assert too_young.reason.params["age"] == 17


def test_a_29_february_birthday_counts_from_1_march_in_other_years() -> None:
    born = date(1960, 2, 29)
    assert birth_date_breach(pekalongan(), born, date(2026, 2, 28)) is None  # still 65
    turned = birth_date_breach(pekalongan(), born, date(2026, 3, 1))
    assert turned is not None
    assert turned.reason.params["age"] == 66
    assert birth_date_breach(pekalongan(), date(2008, 2, 29), date(2026, 2, 28)) is not None  # 17
    assert birth_date_breach(pekalongan(), date(2008, 2, 29), date(2026, 3, 1)) is None  # 18


def test_no_age_band_means_no_age_rule() -> None:
    assert age_breach(banjar(), 90) is None
    assert age_band_text(banjar()) is None


def _band(min_age: int | None, max_age: int | None) -> Programme:
    rules = pekalongan().eligibility.model_copy(update={"min_age": min_age, "max_age": max_age})
    return pekalongan().model_copy(update={"eligibility": rules})


@pytest.mark.parametrize(
    ("min_age", "max_age", "said_id", "said_en"),
    [
        (18, 65, "18 sampai 65 tahun", "18 to 65"),
        (18, None, "18 tahun ke atas", "18 or older"),
        (None, 65, "paling tua 65 tahun", "up to 65"),
    ],
)
def test_the_age_band_is_said_for_both_bounds_a_minimum_or_a_maximum(
    min_age: int | None, max_age: int | None, said_id: str, said_en: str
) -> None:
    band = age_band_text(_band(min_age, max_age))
    assert band is not None
    assert (catalogs().render(band, "id"), catalogs().render(band, "en")) == (said_id, said_en)


def test_a_one_sided_band_is_held_and_said_without_a_made_up_bound() -> None:
    """A minimum only: 17 is refused, 90 is not, and the reason never says "18 sampai 0 tahun"."""
    only_min = _band(18, None)
    assert age_breach(only_min, 90) is None
    too_young = age_breach(only_min, 17)
    assert too_young is not None
    said = catalogs().render(too_young.reason, "id")
    assert said == "program ini untuk usia 18 tahun ke atas, sedangkan umur Anda 17 tahun."
    too_old = age_breach(_band(None, 65), 70, about_other=True)
    assert too_old is not None
    said = catalogs().render(too_old.reason, "id")
    assert said == "program ini untuk usia paling tua 65 tahun, sedangkan umur warga tersebut 70 tahun."


def test_the_age_flag_is_judged_on_the_day_of_registration_not_the_day_someone_looks() -> None:
    """Born 20-12-1960, registered 21-11-2026 (65): no flag, in December or years later. Born in 1956: 70
    when registered, and said so."""
    registered_at = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # 21 November already in Pekalongan (WIB)
    assert age_rule_day(pekalongan(), registered_at) == REGISTRATION_DAY
    assert flags_on(pekalongan(), [], birth_date=date(1960, 12, 20), registered_at=registered_at) == ()
    assert flags_on(pekalongan(), ["outside_leader_area"], birth_date=None, registered_at=registered_at) == (
        "outside_leader_area",
    )
    assert flags_on(pekalongan(), None, birth_date=date(1956, 3, 1), registered_at=registered_at) == ("age",)
    said = flag_message(pekalongan(), "age", birth_date=date(1956, 3, 1), registered_on=REGISTRATION_DAY)
    assert catalogs().render(said, "id") == "Umur 70 tahun saat mendaftar, di luar batas program (18 sampai 65 tahun)."
    said = flag_message(_band(18, None), "age", birth_date=None, registered_on=REGISTRATION_DAY)
    assert "(18 tahun ke atas)" in catalogs().render(said, "id")


def test_70_is_refused_under_pekalongan_and_left_to_the_kelurahan_where_the_file_says_so() -> None:
    facts = Facts(birth_date=date(1956, 3, 10), already_participant="no", poverty_register="yes")
    strict = judge(pekalongan(), facts, REGISTRATION_DAY)
    assert [b.rule for b in strict.refused] == ["age"]
    assert judged_flags(strict) == ()
    left = judge(age_left_to_kelurahan(), facts, REGISTRATION_DAY)
    assert left.refused == ()
    assert judged_flags(left) == ("age",)


# ---- the other rules ------------------------------------------------------------------------------


def test_an_existing_participant_is_refused_but_not_sure_is_for_bpjs_to_check() -> None:
    yes = participant_breach(pekalongan(), "yes")
    assert yes is not None
    assert yes.rule == "already_participant"
    assert participant_breach(pekalongan(), "unknown") is None
    assert participant_breach(pekalongan(), "no") is None


def test_the_poverty_register_is_a_rule_only_where_the_programme_requires_it() -> None:
    assert poverty_breach(pekalongan(), "no") is None  # a priority there, not a condition
    breach = poverty_breach(banjar(), "no")
    assert breach is not None
    assert breach_flag(breach) == "not_in_poverty_register"
    assert poverty_breach(banjar(), "unknown") is None  # the kelurahan checks DTSEN


def test_a_ktp_from_elsewhere_is_refused_with_what_to_do_instead() -> None:
    breach = resident_breach(pekalongan(), region="Kota Pekalongan")
    assert breach is not None
    said = [m.key for m in explain_refusal(pekalongan(), breach)]
    assert said == ["eligibility.not_eligible", "eligibility.alternative_bpu"]


def test_a_refusal_is_said_in_the_leaders_words_for_a_neighbour() -> None:
    breach = age_breach(pekalongan(), 70, about_other=True)
    assert breach is not None
    rendered = [catalogs().render(m, "id") for m in explain_refusal(pekalongan(), breach, about_other=True)]
    assert rendered[0].startswith("Maaf, menurut aturan program Batik Berlian, warga ini belum bisa ikut")
    assert "umur warga tersebut 70 tahun" in rendered[0]
    assert "Kantor Cabang Pekalongan" in rendered[1]
    assert "175" in rendered[1]


def test_the_programme_file_can_leave_only_rules_it_has_to_the_kelurahan() -> None:
    with pytest.raises(ValidationError, match="kelurahan_decides names age"):
        Eligibility(kelurahan_decides=("age",))  # no age band
    with pytest.raises(ValidationError, match="poverty_register"):
        Eligibility(kelurahan_decides=("poverty_register",))  # not required
    with pytest.raises(ValidationError):
        Eligibility.model_validate({"min_age": 18, "kelurahan_decides": ["resident"]})
    assert Eligibility(min_age=18, max_age=65, kelurahan_decides=("age",)).kelurahan_decides == ("age",)


# ---- the store holds the rules itself ---------------------------------------------------------------


def draft(nik: str, born: str, *, kelurahan: str = "33.75.01.1002", rt: str = "003") -> dict[str, Json]:
    return {
        "nik": nik,
        "female": False,
        "full_name": "Karto Wiryo",
        "birth_date": born,
        "kelurahan_code": kelurahan,
        "rt": rt,
        "rw": "005",
        "street": "Gg. Kenanga 5",
        "job_type": "tukang_becak",
        "phone": "6281234500070",
        "breadwinner": True,
        "poverty_register": "yes",
        "already_member": "no",
    }


SEVENTY = draft("3375011003560001", "1956-03-10")


def answerer(store_programme: Programme, cats: Catalogs) -> RequestAnswerer:
    return RequestAnswerer(PersonalDataCipher(Fernet.generate_key()), store_programme, cats, region())


async def test_the_store_refuses_a_draft_that_breaks_a_strict_rule(store: Store, clock: FixedClock) -> None:
    desk = answerer(pekalongan(), catalogs())
    async with store.transaction() as session:
        worker = await contacts.get_or_create_contact(session, "terminal", "mbah-karto", clock())
        refused = await desk.answer(session, worker, SubmitRegistration(SEVENTY, on_behalf=False), clock())
        participant = await desk.answer(
            session,
            worker,
            SubmitRegistration({**draft("3375011007800003", "1980-07-10"), "already_member": "yes"}, on_behalf=False),
            clock(),
        )
        outside = await desk.answer(
            session,
            worker,
            SubmitRegistration(draft("3375011007800004", "1980-07-10", kelurahan="33.24.01.2001"), on_behalf=False),
            clock(),
        )
    assert refused == RuleBroken("age")
    assert participant == RuleBroken("already_participant")
    assert outside == RuleBroken("resident")
    async with store.transaction() as session:
        assert (await session.execute(select(Registration))).scalars().all() == []
        audited = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "registration.refused"))
        ).scalars()
        assert sorted(entry.detail["rule"] for entry in audited) == ["age", "already_participant", "resident"]


async def test_the_store_flags_a_rule_the_kelurahan_decides(store: Store, clock: FixedClock) -> None:
    left = age_left_to_kelurahan()
    desk = answerer(left, catalogs())
    async with store.transaction() as session:
        worker = await contacts.get_or_create_contact(session, "terminal", "mbah-karto", clock())
        done = await desk.answer(session, worker, SubmitRegistration(SEVENTY, on_behalf=False), clock())
        fine = await desk.answer(
            session, worker, SubmitRegistration(draft("3375011007800003", "1980-07-10"), on_behalf=False), clock()
        )
    assert isinstance(done, Submitted)
    assert done.flags == ("age",)
    assert isinstance(fine, Submitted)
    assert fine.flags == ()
    async with store.transaction() as session:
        rows = {row.id: row for row in (await session.execute(select(Registration))).scalars()}
    assert known_flags(rows[done.registration_id].flags) == ("age",)
    assert rows[fine.registration_id].flags == []


async def test_a_neighbour_outside_the_leaders_area_is_stored_with_a_flag(store: Store, clock: FixedClock) -> None:
    desk = answerer(pekalongan(), catalogs())
    async with store.transaction() as session:
        leader = await contacts.get_or_create_contact(session, "terminal", "pak-rt", clock())
        stranger = await contacts.get_or_create_contact(session, "terminal", "stranger", clock())
        await roles.grant_role(
            session,
            leader.id,
            "rtrw",
            granted_by="test",
            now=clock(),
            kelurahan_code="33.75.01.1002",
            rt="003",
            rw="005",
        )
    async with store.transaction() as session:
        area = await desk.answer(session, leader, FindLeaderArea(), clock())
        inside = await desk.answer(
            session,
            leader,
            SubmitRegistration(draft("3375011007800003", "1980-07-10", rt="3"), on_behalf=True),
            clock(),
        )
        outside = await desk.answer(
            session,
            leader,
            SubmitRegistration(draft("3375011007800004", "1980-07-10", rt="001"), on_behalf=True),
            clock(),
        )
        not_a_leader = await desk.answer(
            session, stranger, SubmitRegistration(draft("3375011007800005", "1980-07-10"), on_behalf=True), clock()
        )
        no_area = await desk.answer(session, stranger, FindLeaderArea(), clock())
    assert area == LeaderArea("33.75.01.1002", "003", "005")
    assert isinstance(inside, Submitted)
    assert inside.flags == ()
    assert isinstance(outside, Submitted)
    assert outside.flags == ("outside_leader_area",)
    assert isinstance(not_a_leader, RoleRefused)
    assert isinstance(no_area, RoleRefused)
    async with store.transaction() as session:
        stored = (
            await session.execute(select(Registration).where(Registration.id == outside.registration_id))
        ).scalar_one()
    assert stored.flags == ["outside_leader_area"]
