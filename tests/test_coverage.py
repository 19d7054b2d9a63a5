"""Coverage is a fact with dates (conversations/coverage.py): protected from BPJS TK's start date while
active; not yet before it; ended once it left "active"; not confirmed when the records cannot say.

The property at the end drives the heir's claim and the accident report through the engine for any
record, any day and any answers, and checks that no reply names a rupiah amount unless the records
show the worker protected on the day of the death or accident."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conversations.coverage import Membership, Verdict, coverage_on, membership_of
from conversations.requests.accidents import ParticipantFound, ParticipantNotFound
from conversations.requests.registrations import StatusEvent
from conversations.state import IDLE
from tests.core_support import SAMPLE_VIEW, participant_found, render_reply
from tests.test_accident_report import Store as AccidentStore
from tests.test_accident_report import say as accident_say
from tests.test_calculator import Talk
from tests.test_claims import TODAY, Chat, Store

START = date(2024, 3, 1)
ACTIVE = Membership("active", START)


@pytest.mark.parametrize(
    ("membership", "day", "verdict"),
    [
        (ACTIVE, START, Verdict.COVERED),  # from the start date itself
        (ACTIVE, START - timedelta(days=1), Verdict.NOT_YET),  # the day before
        (Membership("approved", None), TODAY, Verdict.NOT_YET),  # approved, no KPJ yet
        (Membership("waiting_list", None), TODAY, Verdict.NOT_YET),
        (Membership("submitted", None), TODAY, Verdict.NOT_YET),
        (Membership("rejected", None), TODAY, Verdict.NOT_YET),  # never protected
        (Membership("active", None), TODAY, Verdict.UNCONFIRMED),  # active, start date not recorded
        (Membership("rejected", START, date(2025, 1, 1)), date(2024, 12, 31), Verdict.COVERED),
        (Membership("rejected", START, date(2025, 1, 1)), date(2025, 1, 1), Verdict.ENDED),
        (Membership("approved", START, None), TODAY, Verdict.UNCONFIRMED),  # a start, no end, not active
        (None, TODAY, Verdict.UNCONFIRMED),  # not on record
    ],
)
def test_coverage_on_a_day(membership: Membership | None, day: date, verdict: Verdict) -> None:
    found = coverage_on(membership, day)
    assert found.verdict is verdict
    assert found.established is (verdict is Verdict.COVERED)


def test_the_end_is_the_first_change_away_from_active_after_the_last_activation() -> None:
    history = [
        ("submitted", date(2024, 1, 1)),
        ("active", date(2024, 3, 1)),
        ("rejected", date(2024, 6, 1)),
        ("active", date(2024, 9, 1)),  # taken back in: protected again
        ("returned", date(2025, 2, 1)),
        ("submitted", date(2025, 2, 3)),
    ]
    assert membership_of("submitted", START, history).ended_on == date(2025, 2, 1)
    assert membership_of("active", START, history).ended_on is None
    assert membership_of("approved", None, [("approved", date(2026, 11, 1))]).ended_on is None


# ---- the property: no amount for a person whose coverage on the day is not established --------------

_AMOUNT = re.compile(r"Rp\s?\d")
_STATUSES = ("submitted", "verified", "approved", "waiting_list", "active", "rejected", "returned")
_days = st.dates(min_value=date(2018, 1, 1), max_value=TODAY)


@st.composite
def _records(draw: st.DrawFn, died: date) -> ParticipantFound | ParticipantNotFound:
    """What the store finds, dated around the death so that every verdict comes up often."""
    if draw(st.integers(0, 9)) == 0:
        return ParticipantNotFound()
    status = draw(st.sampled_from(_STATUSES))
    start = draw(st.one_of(st.none(), st.integers(-60, 2000).map(lambda days: died - timedelta(days=days))))
    ended = draw(st.one_of(st.none(), st.integers(-60, 60).map(lambda days: died + timedelta(days=days))))
    return participant_found(date(2018, 1, 1), start, status=status, ended_on=ended)


def _verdict(found: ParticipantFound | ParticipantNotFound, day: date) -> Verdict:
    membership = found.membership if isinstance(found, ParticipantFound) else None
    return coverage_on(membership, day).verdict


def _texts(chat: Chat, text: str) -> list[str]:
    outcome = chat.say(text)
    return [render_reply(reply, language)[0] for reply in outcome.replies for language in ("id", "en")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    who=st.sampled_from(["3375011708750001", "12345678901", "tidak tahu"]),
    cause=st.sampled_from(["sakit", "kecelakaan kerja", "kecelakaan lalu lintas"]),
    died=_days,
    heir=st.sampled_from(["istri", "anak", "ibu", "kakak", "tetangga"]),
    children=st.sampled_from(["tidak", "1", "2"]),
    answers=st.lists(st.sampled_from(["sudah", "belum", "tidak perlu", "lihat daftar", "cek lagi"]), max_size=25),
    outcome=st.sampled_from(["belum ada kabar", "ditolak"]),
)
def test_no_claim_reply_names_an_amount_unless_the_worker_was_protected_on_the_day_of_death(
    data: st.DataObject,
    who: str,
    cause: str,
    died: date,
    heir: str,
    children: str,
    answers: list[str],
    outcome: str,
) -> None:
    found = data.draw(_records(died))
    store = Store(found=found)
    chat = Chat(store)
    said = _texts(chat, "klaim")
    script = [who, cause, f"{died.day}-{died.month}-{died.year}", "ya", heir, children, "ya", children]
    for text in (*script, *answers, "sudah saya ajukan", "lanjut klaim", "1", outcome, "ada kesalahan berkas"):
        in_the_claim = chat.state.flow == "claim" or (text == "lanjut klaim" and bool(store.cases))
        if in_the_claim:  # whatever the heir types after the claim ended belongs to other flows
            said += _texts(chat, text)
    looked_up = who != "tidak tahu"
    verdict = _verdict(found, died) if looked_up else Verdict.UNCONFIRMED
    event(verdict.value)
    amounts = [text for text in said if _AMOUNT.search(text)]
    if verdict is Verdict.COVERED:
        assert amounts, "a protected worker's heir is told what the claim can bring"
    else:
        assert amounts == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), day=_days)
def test_the_accident_report_says_protected_only_when_the_records_show_it(data: st.DataObject, day: date) -> None:
    found = data.draw(_records(day))
    store = AccidentStore(found=found)
    state = IDLE
    said: list[str] = []
    for text in ("lapor kecelakaan", "3375011708750001", "Jatuh dari perancah, kaki patah", "Pasar Banjarsari"):
        outcome = accident_say(state, text, store=store)
        state = outcome.state
    dated = accident_say(state, f"{day.day}-{day.month}-{day.year}", store=store)
    said = [part.key for reply in dated.replies for part in reply.parts]
    rendered = [render_reply(reply, "id")[0] for reply in dated.replies]
    assert ("accident.covered" in said) is (_verdict(found, day) is Verdict.COVERED)
    assert not any(_AMOUNT.search(text) for text in rendered)


# The calculator answers "what would my family get" for today. A person whose own registration shows
# them not protected today is told so first; the figures that follow are what a participant's family
# receives once protected (a decision recorded in docs/ARCHITECTURE.md), never a sum already owed.
_LEADS = {"calculator.pending", "calculator.starts_on", "calculator.ended", "calculator.not_member"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    status=st.sampled_from(_STATUSES),
    cause=st.sampled_from(["kecelakaan kerja", "bukan kecelakaan kerja", "bandingkan keduanya"]),
)
def test_the_calculator_says_first_when_a_registration_does_not_protect_today(
    data: st.DataObject, status: str, cause: str
) -> None:
    start = data.draw(st.one_of(st.none(), st.integers(-400, 3000).map(lambda days: TODAY - timedelta(days=days))))
    left_active = data.draw(st.one_of(st.none(), st.integers(1, 900).map(lambda days: TODAY - timedelta(days=days))))
    history: list[StatusEvent] = []
    if start is not None and left_active is not None and status != "active":
        history = [
            StatusEvent("active", datetime.combine(start, time(3), tzinfo=UTC)),
            StatusEvent(status, datetime.combine(left_active, time(3), tzinfo=UTC)),
        ]
    view = replace(SAMPLE_VIEW, status=status, coverage_start=start, history=tuple(history))
    ended = left_active if history else None
    verdict = coverage_on(Membership(status, start, ended), TODAY).verdict
    talk = Talk([view])
    talk.say("hitung manfaat", cause)
    if talk.state.step == "membership":
        talk.say("belum" if status != "active" else "kurang dari 3 tahun")
    result = talk.say("0")
    said = [part.key for reply in result.replies for part in reply.parts]
    first_figure = next((i for i, key in enumerate(said) if key in {"calculator.jkm_block", "calculator.jkk_block"}))
    # Active without BPJS TK's start date: active today by the records, asked how long (not judged).
    protected_today = verdict is Verdict.COVERED or (status == "active" and start is None)
    if not protected_today:
        assert set(said[:first_figure]) & _LEADS, said
    else:
        assert not set(said[:first_figure]) & _LEADS, said
