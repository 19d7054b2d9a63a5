"""The unanswered-question loop on SQLite and PostgreSQL: the migration; what the store keeps (phrases,
trained models, how each typed question went, without its words); an admin attaching a group in chat
through the real pipeline (only admins, the training started after the commit); `jaring questions
groups|attach|train`; the weekly share answered outright; and the whole loop — attached in chat,
trained by the real child process, picked up by another bot within a minute, then answered outright."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, text

from bot.app import Jaring, open_jaring
from bot.commands.figures import run_stats_command
from bot.desks.figures import gather_figures, question_weeks
from bot.desks.unanswered import attach, current_groups, view_of
from bot.inbound.dispatcher import RequestAnswerer
from bot.inbound.question_model import QuestionModelKeeper
from bot.settings import Settings
from conversations.flows.figures import figures_replies
from conversations.inbound import Inbound
from conversations.questions.desk import QuestionDesk, default_desk
from conversations.questions.matching import shipped_model
from conversations.requests.base import RoleRefused
from conversations.requests.unanswered import AttachGroup, GroupAttached, GroupGone, ListQuestionGroups
from db import migrate
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage, QuestionModel, QuestionOutcome, QuestionPhrase
from db.repositories import contacts, figures, question_learning, roles, unanswered_questions
from tests.cli_support import jaring as run_jaring
from tests.conftest import FixedClock
from tests.core_support import catalogs, context

_ids = itertools.count(1)
JMO = ("tidak bisa login jmo", "jmo minta kode otp ga masuk", "lupa pasword aplikasi jmo saya")
# Asked the bot, each gets "did you mean …?" with the shipped model, and the person says none of those.
OTP_ASKED = ("sms otp jmo tidak datang", "otp jmo tidak dikirim", "jmo tidak kirim kode otp")
BLT = ("kapan blt cair bulan ini", "blt dd kapan cairnya pak")


@pytest.fixture(autouse=True)
def shipped_desk() -> Iterator[QuestionDesk]:
    """The process's question desk, back on the model it had once the test is over: a model a test
    trains must not answer the next test's questions."""
    desk = default_desk()
    kept = desk.matcher
    yield desk
    desk.use_matcher(kept)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


# A training child that notes how many admin phrases it found committed: one started before the commit
# of the message that added them would find none.
_COUNTING_CHILD = """
import asyncio, sys
out, kind, where, schema = sys.argv[1:5]
if kind == "sqlite":
    import sqlite3
    found = sqlite3.connect(where).execute("SELECT count(*) FROM question_phrases").fetchone()[0]
else:
    import asyncpg
    async def count():
        connection = await asyncpg.connect(where, server_settings={"search_path": schema})
        try:
            return await connection.fetchval("SELECT count(*) FROM question_phrases")
        finally:
            await connection.close()
    found = asyncio.run(count())
open(out, "a").write(f"ran, {found} phrases committed\\n")
"""


async def _counting_training(app: Jaring, tmp_path: Path) -> tuple[QuestionModelKeeper, Path]:
    """A keeper whose training child counts the committed phrases, in the test's own database."""
    ran = tmp_path / "trained.txt"
    url = app.store.engine.url
    if app.store.is_sqlite:
        where = (str(url.database), "")
    else:
        async with app.store.transaction() as session:
            schema = str((await session.execute(text("SELECT current_schema()"))).scalar_one())
        where = (url.set(drivername="postgresql").render_as_string(hide_password=False), schema)
    kind = "sqlite" if app.store.is_sqlite else "postgresql"
    command = (sys.executable, "-c", _COUNTING_CHILD, str(ran), kind, *where)
    return QuestionModelKeeper(default_desk(), train_command=command), ran


def _recording_training(tmp_path: Path) -> tuple[QuestionModelKeeper, Path]:
    """A keeper whose training child only notes that it ran: on PostgreSQL the real `jaring questions
    train` would find another database than the test's own schema (the whole loop is tested below)."""
    ran = tmp_path / "trained.txt"
    command = (sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write('ran\\n')", str(ran))
    return QuestionModelKeeper(default_desk(), train_command=command), ran


async def _talk(app: Jaring, person: str, *texts: str) -> None:
    for said in texts:
        await app.pipeline.handle(Inbound("terminal", person, f"m{next(_ids)}", app.pipeline.clock(), said))


async def _contact(app: Jaring, person: str, role: str | None = None) -> Contact:
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        found = await contacts.get_or_create_contact(session, "terminal", person, now)
        if role is not None:
            await roles.grant_role(session, found.id, role, granted_by="test", now=now)
    return found


async def _bodies(app: Jaring, person: Contact) -> list[str]:
    async with app.store.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.body).where(OutboxMessage.contact_id == person.id).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def _unanswered(app: Jaring, *texts: str) -> list[int]:
    """Questions the bot could not answer, as the pipeline stores them."""
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        for said in texts:
            await unanswered_questions.add_question(session, None, said, language="id", asked_in="menu", now=now)
        rows = await question_learning.open_questions(session, 100)
    return [row.id for row in rows]


T = TypeVar("T")


async def _rows(app: Jaring, model: type[T]) -> list[T]:
    async with app.store.transaction() as session:
        rows: Any = (await session.execute(select(model))).scalars()
        return list(rows)


async def _last(app: Jaring, person: Contact) -> OutboxMessage:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.contact_id == person.id).order_by(OutboxMessage.id)
        return list((await session.execute(statement)).scalars())[-1]


# ---- the store ------------------------------------------------------------------------------------------


async def test_the_migration_adds_the_tables_and_keeps_the_questions_both_ways(store: Store) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    async with store.transaction() as session:
        await unanswered_questions.add_question(
            session, None, "kapan blt cair", language="id", asked_in="menu", now=now
        )
        await question_learning.add_phrases(session, ["kapan blt cair"], "none", added_by=None, source="cli", now=now)
    await migrate.downgrade(store.engine, "0006")
    async with store.engine.connect() as connection:
        kept = (await connection.execute(text("SELECT text FROM unanswered_questions"))).scalars().all()
        tables = await connection.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    assert kept == ["kapan blt cair"]
    assert not tables & {"question_phrases", "question_models", "question_outcomes"}
    await migrate.ensure_current(store.engine)
    async with store.transaction() as session:
        (question,) = await question_learning.open_questions(session, 10)
        assert (question.text, question.attached_topic, question.attached_at) == ("kapan blt cair", None, None)
        assert await question_learning.all_phrases(session) == []


async def test_attached_questions_are_answered_now_and_listed_nowhere_as_unanswered(store: Store) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    async with store.transaction() as session:
        for said in (*JMO, BLT[0]):
            await unanswered_questions.add_question(session, None, said, language="id", asked_in="menu", now=now)
        first, second, third, fourth = [q.id for q in await question_learning.open_questions(session, 10)]
        assert await question_learning.mark_attached(session, [first, third], "card_jmo", now) == [first, third]
        assert await question_learning.mark_attached(session, [third, second], "card_jmo", now) == [second]
        assert [q.id for q in await question_learning.open_questions(session, 10)] == [fourth]
        assert [q.text for q in await unanswered_questions.recent_questions(session)] == [BLT[0]]
        assert await figures.unanswered_since(session, now - timedelta(days=1)) == 1


async def test_the_newest_model_wins_but_never_one_that_learnt_from_fewer_phrases(store: Store) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    async with store.transaction() as session:
        assert await question_learning.newest_model_id(session) is None
        first = await question_learning.save_model(session, '{"a": 1}', examples=680, phrases_up_to=2, now=now)
        # a training started before phrase 2 was stored, finishing after the one that learnt from it
        assert await question_learning.save_model(session, '{"a": 0}', examples=679, phrases_up_to=1, now=now) is None
        second = await question_learning.save_model(session, '{"a": 2}', examples=680, phrases_up_to=2, now=now)
        newest = await question_learning.newest_model(session)
    assert first is not None
    assert second is not None
    assert second > first
    assert newest is not None
    assert (newest.id, newest.model, newest.examples) == (second, '{"a": 2}', 680)


async def test_only_the_newest_models_are_kept(store: Store) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    async with store.transaction() as session:
        saved = [
            await question_learning.save_model(session, f'{{"n": {n}}}', examples=n, phrases_up_to=n, now=now)
            for n in range(6)
        ]
        kept = (await session.execute(select(QuestionModel.id).order_by(QuestionModel.id))).scalars().all()
    assert list(kept) == saved[-question_learning.MODELS_KEPT :]


# ---- how typed questions went ----------------------------------------------------------------------------


async def test_each_typed_question_is_counted_by_how_it_went_without_its_words(app: Jaring) -> None:
    await _talk(app, "siti", "brp iuran nya?")  # answered outright
    await _talk(app, "budi", "kapan blt cair bulan ini", "bukan")  # "did you mean …?", then none of those
    outcomes = await _rows(app, QuestionOutcome)
    assert [(o.outcome, o.topic, o.asked_in) for o in outcomes] == [
        ("answered", "premium", "menu"),
        ("asked_back", None, "menu"),
    ]
    columns = set(QuestionOutcome.__table__.columns.keys())
    assert columns == {"id", "asked_at", "outcome", "topic", "asked_in"}  # nothing the person wrote


async def test_the_share_answered_outright_week_by_week_in_local_time(app: Jaring, clock: FixedClock) -> None:
    # Saturday 21 November 2026, 15.00 WIB: ISO week 47 (from Monday 16 November) is this week.
    monday_wib = datetime(2026, 11, 15, 17, 0, tzinfo=UTC)  # Monday 16 November, 00.00 WIB
    async with app.store.transaction() as session:
        for at, outcome in (
            (monday_wib - timedelta(minutes=30), "answered"),  # Sunday 23.30 WIB: the week before
            (monday_wib - timedelta(days=2), "not_known"),
            (monday_wib + timedelta(minutes=30), "answered"),
            (monday_wib + timedelta(days=1), "answered"),
            (monday_wib + timedelta(days=2), "asked_back"),
            (monday_wib + timedelta(days=3), "not_known"),
            (monday_wib - timedelta(weeks=8), "answered"),  # nine weeks ago: not shown
        ):
            await question_learning.record_outcome(session, outcome, None, asked_in="menu", now=at)
        weeks = await question_weeks(session, app.programme, now=clock())
        shown = await gather_figures(session, app.programme, year=2026, now=clock())
    assert [w.week for w in weeks] == [40, 41, 42, 43, 44, 45, 46, 47]
    assert weeks[-1].monday.isoformat() == "2026-11-16"
    assert [(w.answered, w.asked) for w in weeks] == [(0, 0)] * 6 + [(1, 2), (2, 4)]
    assert shown.question_weeks == weeks
    said = "\n\n".join(
        catalogs().render(part, "id") for reply in figures_replies(context(), shown) for part in reply.parts
    )
    assert (
        "Pertanyaan dijawab langsung (8 minggu terakhir; dari semua pertanyaan yang diketik, yang langsung "
        "dijawab bot tanpa bertanya balik):\n- Minggu 40 (mulai 28-09-2026): 0 dari 0 (-)\n"
    ) in said
    assert "- Minggu 46 (mulai 09-11-2026): 1 dari 2 (50%)\n- Minggu 47 (mulai 16-11-2026): 2 dari 4 (50%)" in said


async def test_jaring_stats_prints_the_weekly_share_too(app: Jaring, capsys: pytest.CaptureFixture[str]) -> None:
    async with app.store.transaction() as session:
        await question_learning.record_outcome(
            session, "answered", "premium", asked_in="menu", now=app.pipeline.clock()
        )
        await question_learning.record_outcome(session, "not_known", None, asked_in="passing", now=app.pipeline.clock())
    assert await run_stats_command(app, None, None, language="en") == 0
    printed = capsys.readouterr().out
    assert "Questions answered outright (last 8 weeks;" in printed
    assert "- Week 47 (from 16-11-2026): 1 of 2 (50%)" in printed


async def test_the_figures_say_so_when_nobody_typed_a_question(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        shown = await gather_figures(session, app.programme, year=2026, now=clock())
    said = catalogs().render(figures_replies(context("en"), shown)[2].parts[-1], "en")
    assert said == "Questions answered outright: no questions were typed in the last 8 weeks."


# ---- the model in use: the store's newest, checked once a minute ---------------------------------------------


def _in_use(keeper: QuestionModelKeeper) -> int | None:
    return keeper.loaded_id


async def test_a_model_saved_by_any_process_is_used_within_a_minute(
    app: Jaring, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    desk = QuestionDesk()  # another process's desk
    keeper = QuestionModelKeeper(desk)
    await keeper.refresh_if_due(app.store, clock())
    assert _in_use(keeper) is None  # nothing trained yet: the shipped model answers
    marked = dataclasses.replace(shipped_model(), trained_on="saved-by-another-process")
    async with app.store.transaction() as session:
        saved = await question_learning.save_model(session, marked.to_json(), examples=1, phrases_up_to=0, now=clock())
    assert saved is not None
    clock.advance(seconds=59)
    await keeper.refresh_if_due(app.store, clock())
    assert desk.matcher.model.trained_on != "saved-by-another-process"  # not asked again within the minute
    clock.advance(seconds=1)
    await keeper.refresh_if_due(app.store, clock())
    assert (_in_use(keeper), desk.matcher.model.trained_on) == (saved, "saved-by-another-process")
    assert desk.match("brp iuran nya?").sure == "premium"

    async with app.store.transaction() as session:  # saved by a newer version of the code
        await question_learning.save_model(session, '{"format": 99}', examples=1, phrases_up_to=0, now=clock())
    clock.advance(minutes=1)
    with caplog.at_level(logging.WARNING):
        await keeper.refresh_if_due(app.store, clock())
        clock.advance(minutes=1)
        await keeper.refresh_if_due(app.store, clock())
    assert (_in_use(keeper), desk.matcher.model.trained_on) == (saved, "saved-by-another-process")
    warned = [r.message.split(" (")[0] for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [f"question model {saved + 1} not read"]


async def test_training_asked_for_while_one_runs_runs_once_more_afterwards(tmp_path: Path) -> None:
    log_file = tmp_path / "runs.txt"
    slow_child = (
        "import sys, time; f = open(sys.argv[1], 'a'); f.write('start '); f.flush(); time.sleep(0.5); f.write('end ')"
    )
    keeper = QuestionModelKeeper(default_desk(), train_command=(sys.executable, "-c", slow_child, str(log_file)))
    keeper.start_training()
    keeper.start_training()  # before the first child even started: that one will read everything stored
    for _ in range(200):
        if log_file.exists() and log_file.read_text():
            break
        await asyncio.sleep(0.05)
    for _ in range(3):  # while it runs: phrases it may not have read
        keeper.start_training()
    await keeper.training_done()
    assert log_file.read_text() == "start end start end "  # one run more, however many asked meanwhile
    keeper.start_training()
    await keeper.close()  # closing waits for it
    assert log_file.read_text() == "start end start end start end "


# ---- the chat: Dinas admins only --------------------------------------------------------------------------


async def test_an_admin_attaches_a_group_in_chat_and_training_starts_after_the_commit(
    app: Jaring, tmp_path: Path
) -> None:
    app.pipeline.question_model, ran = await _counting_training(app, tmp_path)
    first, *_ = await _unanswered(app, *JMO, *BLT)
    admin = await _contact(app, "admin", "admin")
    await _talk(app, "admin", "pertanyaan belum terjawab")
    listed = (await _bodies(app, admin))[-1]
    assert listed.startswith("Pertanyaan yang belum terjawab: 5 pertanyaan dalam 2 kelompok pertanyaan yang mirip")
    assert f"No. {first} — 3 pertanyaan. Saran topik: Kartu, KPJ & JMO.\n• tidak bisa login jmo\n" in listed

    await _talk(app, "admin", "99")  # not a group's number
    assert (await _bodies(app, admin))[-1].startswith(
        f"Kelompok No. 99 tidak ada di daftar ini. Yang ditampilkan: No. {first}"
    )
    await _talk(app, "admin", str(first))
    opened = (await _bodies(app, admin))[-1]
    assert opened.startswith(f"Kelompok No. {first}, 3 pertanyaan:\n• tidak bisa login jmo\n• jmo minta kode otp")
    await _talk(app, "admin", "1")  # the suggested topic
    assert (await _bodies(app, admin))[-1].startswith(
        f'Jadikan 3 pertanyaan kelompok No. {first} contoh topik "Kartu, KPJ & JMO"?'
    )
    await _talk(app, "admin", "ya")
    await app.pipeline.question_model.training_done()
    assert ran.read_text() == "ran, 3 phrases committed\n"  # once, and after the commit
    said = await _bodies(app, admin)
    assert said[-2].startswith(f'Tersimpan: 3 pertanyaan kelompok No. {first} menjadi contoh topik "Kartu, KPJ & JMO".')
    assert said[-1].startswith("Pertanyaan yang belum terjawab: 2 pertanyaan dalam 1 kelompok")

    phrases = await _rows(app, QuestionPhrase)
    assert [(p.text, p.topic, p.added_by, p.source) for p in phrases] == [
        (q, "card_jmo", admin.id, "chat") for q in JMO
    ]
    audited = [a for a in await _rows(app, AuditEntry) if a.action == "questions.attached"]
    assert [(a.actor_contact_id, a.subject, a.detail) for a in audited] == [
        (
            admin.id,
            f"question_group:{first}",
            {"topic": "card_jmo", "phrases": "3", "by": "terminal:admin", "source": "chat"},
        )
    ]


async def test_a_group_marked_not_about_the_programme_and_a_group_left_as_it_was(app: Jaring, tmp_path: Path) -> None:
    app.pipeline.question_model, ran = _recording_training(tmp_path)
    first, _, _, blt, _ = await _unanswered(app, *JMO, *BLT)
    admin = await _contact(app, "admin", "admin")
    await _talk(app, "admin", "menu dinas", "pertanyaan belum terjawab", str(blt))
    await _talk(app, "admin", "bukan pertanyaan program")
    assert (await _bodies(app, admin))[-1].startswith(
        f"Tandai 2 pertanyaan kelompok No. {blt} sebagai bukan pertanyaan program?"
    )
    await _talk(app, "admin", "tidak")  # nothing attached …
    assert (await _bodies(app, admin))[-2] == f"Kelompok No. {blt} tidak diubah."
    await _talk(app, "admin", str(first), "kantor & data pribadi")  # a category's topics …
    listed = await _last(app, admin)
    assert listed.body == "Pilih topik yang menjawab pertanyaan-pertanyaan ini:"
    assert [c["label"] for c in listed.choices] == ["Alamat & jam kantor", "Data pribadi Anda", "Kembali"]
    await _talk(app, "admin", "kembali", "kembali", str(blt), "bukan pertanyaan program", "ya")  # … left
    await app.pipeline.question_model.training_done()
    assert (await _bodies(app, admin))[-2].startswith(
        f"Tersimpan: 2 pertanyaan kelompok No. {blt} ditandai bukan pertanyaan program."
    )
    assert [(p.text, p.topic) for p in await _rows(app, QuestionPhrase)] == [(q, "none") for q in BLT]
    assert ran.read_text() == "ran\n"


@pytest.mark.parametrize("role", ["none", "verifier", "rtrw"])
async def test_nobody_but_an_admin_sees_or_attaches_unanswered_questions(
    app: Jaring, tmp_path: Path, role: str
) -> None:
    app.pipeline.question_model, ran = _recording_training(tmp_path)
    await _unanswered(app, *JMO)
    person = await _contact(app, "someone", None if role == "none" else role)
    await _talk(app, "someone", "pertanyaan belum terjawab")
    assert (await _bodies(app, person))[-1].startswith("Maaf, menu ini khusus untuk admin Dinas.")
    assert not any("jmo" in body for body in await _bodies(app, person))
    assert not ran.exists()


async def test_an_admin_whose_role_is_revoked_meanwhile_attaches_nothing(app: Jaring, tmp_path: Path) -> None:
    app.pipeline.question_model, ran = _recording_training(tmp_path)
    first, *_ = await _unanswered(app, *JMO)
    admin = await _contact(app, "admin", "admin")
    await _talk(app, "admin", "pertanyaan belum terjawab", str(first), "1")
    async with app.store.transaction() as session:
        await roles.revoke_role(session, admin.id, "admin", app.pipeline.clock())
    await _talk(app, "admin", "ya")
    assert "dicabut" in (await _bodies(app, admin))[-1]
    assert await _rows(app, QuestionPhrase) == []
    assert not ran.exists()


@pytest.mark.parametrize("request_", [ListQuestionGroups(), AttachGroup(1, "card_jmo")], ids=["list", "attach"])
async def test_a_crafted_request_from_a_non_admin_is_refused_and_audited(
    app: Jaring, clock: FixedClock, request_: ListQuestionGroups | AttachGroup
) -> None:
    await _unanswered(app, *JMO)
    verifier = await _contact(app, "verifier", "verifier")
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
    async with app.store.transaction() as session:
        refused = await desk.answer(session, verifier, request_, clock())
    assert refused == RoleRefused()
    audited = [a for a in await _rows(app, AuditEntry) if a.action == "access.refused"]
    assert [(a.actor_contact_id, a.detail) for a in audited] == [(verifier.id, {"request": type(request_).__name__})]
    assert await _rows(app, QuestionPhrase) == []


async def test_an_unknown_topic_or_a_gone_group_attaches_nothing(app: Jaring, clock: FixedClock) -> None:
    first, *_ = await _unanswered(app, *JMO)
    admin = await _contact(app, "admin", "admin")
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
    async with app.store.transaction() as session:
        assert await desk.answer(session, admin, AttachGroup(first, "lowongan_kerja"), clock()) == RoleRefused()
        assert await desk.answer(session, admin, AttachGroup(first + 1, "card_jmo"), clock()) == GroupGone(first + 1)
        assert await desk.answer(session, admin, AttachGroup(first, "card_jmo"), clock()) == GroupAttached(
            first, "card_jmo", 3
        )
        assert await desk.answer(session, admin, AttachGroup(first, "card_jmo"), clock()) == GroupGone(first)
    assert len(await _rows(app, QuestionPhrase)) == 3


# ---- the command line ------------------------------------------------------------------------------------


async def _seed(settings: Settings, clock: FixedClock, *texts: str) -> list[int]:
    app = await open_jaring(settings, clock)
    try:
        return await _unanswered(app, *texts)
    finally:
        await app.close()


async def _stored(
    settings: Settings, clock: FixedClock
) -> tuple[list[QuestionPhrase], list[QuestionModel], list[AuditEntry]]:
    app = await open_jaring(settings, clock)
    try:
        return await _rows(app, QuestionPhrase), await _rows(app, QuestionModel), await _rows(app, AuditEntry)
    finally:
        await app.close()


@pytest.mark.slow
def test_groups_attach_and_train_on_the_command_line(
    settings: Settings, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    first, *_, blt = asyncio.run(_seed(settings, clock, *JMO, "lupa password jmo 081234567890", *BLT))
    code, out, _ = run_jaring(capsys, "questions", "groups")
    assert code == 0
    assert out.splitlines() == [
        f"No. {first} — 4 pertanyaan. Saran topik: Kartu, KPJ & JMO (card_jmo)",
        "    • tidak bisa login jmo",
        "    • jmo minta kode otp ga masuk",
        "    • lupa pasword aplikasi jmo saya",
        f"No. {blt - 1} — 2 pertanyaan. Saran topik: Lama pembayaran klaim (payment_time)",
        "    • kapan blt cair bulan ini",
        "    • blt dd kapan cairnya pak",
        "2 kelompok, 6 pertanyaan belum terjawab (terbesar dulu; angka panjang disamarkan). Jadikan satu "
        "kelompok contoh sebuah topik: jaring questions attach NOMOR TOPIK.",
    ]
    code, _, err = run_jaring(capsys, "questions", "attach", str(first), "lowongan")
    assert code == 2
    assert err.startswith('jaring: topik "lowongan" tidak dikenal. Topik yang ada: about, accident_report')
    code, _, err = run_jaring(capsys, "questions", "attach", str(first + 1), "card_jmo")
    assert code == 1
    assert err.startswith(f"jaring: tidak ada kelompok No. {first + 1}")

    code, out, _ = run_jaring(capsys, "questions", "attach", str(first), "card_jmo", "--english")
    assert code == 0
    attached, trained = out.splitlines()
    assert attached == f"Group No. {first}: 4 question(s) are now examples of the topic Card, KPJ & JMO (card_jmo)."
    assert trained.startswith("Question model No. 1 trained on ")
    assert " examples (4 from admins) in " in trained

    code, out, _ = run_jaring(capsys, "questions", "groups")
    assert out.splitlines()[0].startswith(f"No. {blt - 1} — 2 pertanyaan.")
    code, out, _ = run_jaring(capsys, "questions", "unanswered")
    assert "jmo" not in out
    assert out.splitlines()[-1].startswith("2 pertanyaan yang belum bisa dijawab bot")

    phrases, models, audited = asyncio.run(_stored(settings, clock))
    assert [(p.text, p.topic, p.source, p.added_by) for p in phrases] == [
        *((q, "card_jmo", "cli", None) for q in JMO),
        ("lupa password jmo ••••••••••••", "card_jmo", "cli", None),  # the phone number stays masked
    ]
    assert [(m.id, m.phrases_up_to, json.loads(m.model)["examples"]) for m in models] == [
        (1, phrases[-1].id, models[0].examples)
    ]
    done = [(a.action, a.detail.get("by"), a.detail.get("phrases")) for a in audited]
    assert ("questions.attached", "cli", "4") in done
    assert ("questions.trained", None, "4") in done


# ---- the whole loop ----------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_attached_in_chat_trained_by_the_child_then_answered_outright_by_another_bot(
    settings: Settings, clock: FixedClock
) -> None:
    app = await open_jaring(settings, clock)
    try:
        for person, question in zip(("a", "b", "c"), OTP_ASKED, strict=True):
            await _talk(app, person, question)
            asked_back = (await _bodies(app, await _contact(app, person)))[-1]
            assert asked_back.startswith("Saya belum yakin maksud Anda."), f"the shipped model answers {question!r}"
            await _talk(app, person, "bukan semuanya")  # none of the topics offered: kept for the admins
        group = (await _unanswered(app))[0]
        await _contact(app, "admin", "admin")
        await _talk(app, "admin", "pertanyaan belum terjawab", str(group), "1", "ya")
        await app.pipeline.question_model.training_done()  # the real `python -m bot.cli questions train`
        (model,) = await _rows(app, QuestionModel)
        assert model.phrases_up_to == 3
    finally:
        await app.close()

    other = await open_jaring(settings, clock)  # another bot process, started before or after: the same
    try:
        clock.advance(minutes=1)
        await _talk(other, "e", OTP_ASKED[0])
        answered = (await _bodies(other, await _contact(other, "e")))[0]
        assert answered.startswith("Setelah aktif, Anda mendapat kartu peserta BPJS Ketenagakerjaan.")
        assert other.pipeline.question_model.loaded_id == model.id
        outcomes = [(o.outcome, o.topic) for o in await _rows(other, QuestionOutcome)]
        assert outcomes[-1] == ("answered", "card_jmo")
    finally:
        await other.close()


async def test_attaching_takes_the_questions_as_listed_not_one_that_joined_since(store: Store) -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    async with store.transaction() as session:
        for said in OTP_ASKED[:2]:
            await unanswered_questions.add_question(session, None, said, language="id", asked_in="menu", now=now)
    async with store.transaction() as session:
        listed = [view_of(g) for g in await current_groups(session, shipped_model())]
        group = next(g for g in listed if OTP_ASKED[0] in g.texts)
        # a third worker asks the same while the admin reads the list
        await unanswered_questions.add_question(session, None, OTP_ASKED[2], language="id", asked_in="menu", now=now)
    async with store.transaction() as session:
        done = await attach(
            session,
            shipped_model(),
            group.number,
            "card_jmo",
            now=now,
            actor="cli",
            actor_contact_id=None,
            source="chat",
            ids=group.ids,
        )
        still_open = [q.text for q in await question_learning.open_questions(session, 10)]
    assert isinstance(done, GroupAttached)
    assert done.phrases == len(group.ids)
    assert OTP_ASKED[2] in still_open
