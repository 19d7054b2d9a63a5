"""The inbound path end to end: real pipeline, real migrations, real database, real catalogs."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.channels.terminal import chat_jsonl
from bot.inbound.pipeline import HandleResult, Pipeline
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy
from bot.settings import Settings
from conversations.engine import Engine
from conversations.flow import Answer, Context, Data, Flow, Goto, Step, Transition
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.privacy import CONSENT_PURPOSE, NOTICE_VERSION
from conversations.inbound import Inbound
from conversations.messages import Reply, msg
from db.connection import Store
from db.models import AuditEntry, ConsentRecord, Contact, ConversationSession, InboxMessage, OutboxMessage
from handlers.sending import Delivered, Failed, OutgoingMessage, RetryLater, SendResult, Unreachable
from handlers.terminal import JsonlSender
from tests.conftest import FixedClock

_counter = iter(range(1, 1_000_000))


def said(clock: FixedClock, text: str, sender: str = "warga-1", message_id: str | None = None) -> Inbound:
    return Inbound(
        channel="terminal",
        sender_id=sender,
        message_id=message_id or f"m{next(_counter)}",
        received_at=clock(),
        text=text,
    )


async def outbox_rows(store: Store) -> list[OutboxMessage]:
    async with store.transaction() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def contact(store: Store, channel_id: str = "warga-1") -> Contact:
    async with store.transaction() as session:
        return (await session.execute(select(Contact).where(Contact.channel_id == channel_id))).scalar_one()


class ScriptedSender:
    """Answers each send with the next scripted result, as a channel's API would."""

    channel = "terminal"

    def __init__(self, results: Sequence[SendResult | Exception]) -> None:
        self.results = list(results)
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        result = self.results.pop(0) if self.results else Delivered("ok")
        if isinstance(result, Exception):
            raise result
        return result


async def test_a_greeting_gets_the_menu_through_the_outbox(jaring: Jaring, clock: FixedClock) -> None:
    assert (await jaring.pipeline.handle(said(clock, "halo"))).result is HandleResult.HANDLED
    [reply] = await outbox_rows(jaring.store)
    assert reply.body.startswith("Halo! Saya Jaring")
    assert "Menu utama" in reply.body
    assert [c["label"] for c in reply.choices] == [
        "Cek kelayakan",
        "Daftar",
        "Tanya manfaat",
        "Klaim ahli waris",
        "Lapor kecelakaan kerja",
        "Cek status",
        "Data saya",
        "Privasi dan data pribadi",
        "Ganti bahasa (Language)",
        "Bantuan",
    ]

    assert (reply.status, reply.recipient, reply.channel) == ("pending", "warga-1", "terminal")
    person = await contact(jaring.store)
    assert person.last_inbound_at == clock()


async def test_the_same_message_delivered_twice_gets_one_reply(jaring: Jaring, clock: FixedClock) -> None:
    first = await jaring.pipeline.handle(said(clock, "halo", message_id="dup-1"))
    second = await jaring.pipeline.handle(said(clock, "halo", message_id="dup-1"))
    assert (first.result, second.result) == (HandleResult.HANDLED, HandleResult.DUPLICATE)
    assert len(await outbox_rows(jaring.store)) == 1


async def test_consent_is_recorded_with_the_notice_version_and_audited(jaring: Jaring, clock: FixedClock) -> None:
    await jaring.pipeline.handle(said(clock, "halo"))
    await jaring.pipeline.handle(said(clock, "privasi"))
    await jaring.pipeline.handle(said(clock, "setuju"))
    async with jaring.store.transaction() as session:
        record = (await session.execute(select(ConsentRecord))).scalar_one()
        entry = (await session.execute(select(AuditEntry))).scalar_one()
    assert (record.purpose, record.notice_version, record.granted, record.given_via) == (
        CONSENT_PURPOSE,
        NOTICE_VERSION,
        True,
        "self",
    )
    assert record.recorded_at == clock()
    assert entry.action == "consent.granted"
    last = (await outbox_rows(jaring.store))[-1]
    assert "Persetujuan Anda sudah dicatat" in last.body


async def test_language_and_announcement_choices_are_saved_on_the_contact(jaring: Jaring, clock: FixedClock) -> None:
    await jaring.pipeline.handle(said(clock, "bahasa"))
    assert (await contact(jaring.store)).language == "en"
    assert "I will now use English" in (await outbox_rows(jaring.store))[-1].body
    await jaring.pipeline.handle(said(clock, "BERHENTI"))
    assert (await contact(jaring.store)).opted_out is True
    await jaring.pipeline.handle(said(clock, "mulai"))
    assert (await contact(jaring.store)).opted_out is False


async def test_a_restart_continues_the_same_conversation(settings: Settings, clock: FixedClock) -> None:
    first = await open_jaring(settings, clock)
    await first.pipeline.handle(said(clock, "privasi"))
    await first.close()

    second = await open_jaring(settings, clock)
    try:
        await second.pipeline.handle(said(clock, "setuju"))
        async with second.store.transaction() as session:
            consent = (await session.execute(select(ConsentRecord))).scalar_one()
            conversation = (await session.execute(select(ConversationSession))).scalar_one()
        assert consent.granted is True
        assert conversation.flow is None  # the privacy flow finished
    finally:
        await second.close()


def _ask(_: Context, __: Data) -> Reply:
    return Reply.of(msg("help.title"))


def _crash(_: Context, __: Data, ___: Answer) -> Transition:
    raise RuntimeError("a bug in a flow")


def engine_with_a_broken_flow() -> Engine:
    """Every flow, and "rusak": a flow whose step raises at any answer (a bug)."""
    broken = Flow(
        id="broken",
        version=1,
        title=msg("help.title"),
        start=lambda _, __: Goto("ask"),
        steps={"ask": Step(ask=_ask, on_answer=_crash)},
        aliases=("rusak",),
    )
    return Engine((*ALL_FLOWS, broken), (*MAIN_MENU, "broken"))


async def test_a_failing_step_apologises_and_keeps_the_conversation(jaring: Jaring, clock: FixedClock) -> None:
    engine = engine_with_a_broken_flow()
    pipeline = Pipeline(jaring.store, engine, jaring.catalogs, jaring.programme, cipher=jaring.cipher, clock=clock)
    await pipeline.handle(said(clock, "rusak"))
    assert (await pipeline.handle(said(clock, "jawaban apa saja", message_id="boom"))).result is HandleResult.FAILED
    apology = (await outbox_rows(jaring.store))[-1]
    assert apology.body.startswith("Maaf, ada gangguan")
    async with jaring.store.transaction() as session:
        failed = (await session.execute(select(InboxMessage).where(InboxMessage.message_id == "boom"))).scalar_one()
        conversation = (await session.execute(select(ConversationSession))).scalar_one()
    assert (failed.status, failed.error) == ("failed", "RuntimeError")
    assert (conversation.flow, conversation.step) == ("broken", "ask")  # nothing entered was lost
    assert (await pipeline.handle(said(clock, "lagi", message_id="boom"))).result is HandleResult.DUPLICATE


async def test_the_pipeline_works_the_same_on_every_database(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    pipeline = Pipeline(store, jaring.engine, jaring.catalogs, jaring.programme, cipher=jaring.cipher, clock=clock)
    assert (await pipeline.handle(said(clock, "halo", message_id="x"))).result is HandleResult.HANDLED
    assert (await pipeline.handle(said(clock, "halo", message_id="x"))).result is HandleResult.DUPLICATE
    await pipeline.handle(said(clock, "privasi"))
    await pipeline.handle(said(clock, "ya"))
    async with store.transaction() as session:
        assert (await session.execute(select(ConsentRecord.granted))).scalar_one() is True
    assert len(await outbox_rows(store)) == 3


async def test_many_people_at_once_each_get_their_own_replies(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    pipeline = Pipeline(store, jaring.engine, jaring.catalogs, jaring.programme, cipher=jaring.cipher, clock=clock)

    async def conversation(person: str) -> None:
        for text in ("halo", "privasi", "setuju", "bahasa"):
            await pipeline.handle(said(clock, text, sender=person))

    await asyncio.gather(*(conversation(f"p{n}") for n in range(10)))
    rows = await outbox_rows(store)
    assert len(rows) == 40
    for n in range(10):
        mine = [row.body for row in rows if row.recipient == f"p{n}"]
        assert mine[0].startswith("Halo!")
        assert "Pemberitahuan privasi" in mine[1]
        assert "Persetujuan Anda sudah dicatat" in mine[2]
        assert "I will now use English" in mine[3]


async def test_the_worker_retries_then_delivers_and_records_the_provider_id(jaring: Jaring, clock: FixedClock) -> None:
    sender = ScriptedSender([RetryLater(30, "429 Too Many Requests"), Delivered("tg-77")])
    worker = OutboxWorker(jaring.store, {"terminal": sender}, clock)
    await jaring.pipeline.handle(said(clock, "halo"))
    assert await worker.drain() == 1
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.last_error, row.next_attempt_at) == (
        "pending",
        "429 Too Many Requests",
        clock() + timedelta(seconds=30),
    )
    clock.advance(seconds=29)
    assert await worker.drain() == 0
    clock.advance(seconds=1)
    assert await worker.drain() == 1
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.provider_message_id, row.attempts) == ("sent", "tg-77", 2)


async def test_the_worker_gives_up_after_the_last_attempt(jaring: Jaring, clock: FixedClock) -> None:
    sender = ScriptedSender([ConnectionError("down")] * 3)
    worker = OutboxWorker(jaring.store, {"terminal": sender}, clock, retry=RetryPolicy(max_attempts=3))
    await jaring.pipeline.handle(said(clock, "halo"))
    for _ in range(3):
        await worker.drain()
        clock.advance(minutes=10)
    [row] = await outbox_rows(jaring.store)
    assert row.status == "failed"
    assert row.last_error == "gave up after 3 attempts: ConnectionError"
    assert len(sender.sent) == 3


async def test_failed_and_unreachable_outcomes(jaring: Jaring, clock: FixedClock) -> None:
    sender = ScriptedSender([Failed("400 message text is empty"), Unreachable("403 bot was blocked by the user")])
    worker = OutboxWorker(jaring.store, {"terminal": sender}, clock)
    await jaring.pipeline.handle(said(clock, "halo", sender="a"))
    await jaring.pipeline.handle(said(clock, "halo", sender="b"))
    await worker.drain()
    rows = {row.recipient: row for row in await outbox_rows(jaring.store)}
    assert (rows["a"].status, rows["a"].last_error) == ("failed", "400 message text is empty")
    assert (rows["b"].status, rows["b"].last_error) == ("failed", "unreachable: 403 bot was blocked by the user")
    assert (await contact(jaring.store, "b")).unreachable is True
    assert (await contact(jaring.store, "a")).unreachable is False
    await jaring.pipeline.handle(said(clock, "menu", sender="b"))
    assert (await contact(jaring.store, "b")).unreachable is False  # writing again makes them reachable


async def test_the_running_worker_is_woken_by_new_replies(jaring: Jaring, clock: FixedClock) -> None:
    out = io.StringIO()
    worker = OutboxWorker(jaring.store, {"terminal": JsonlSender(out)}, clock, idle_wait_seconds=60)
    pipeline = replace_on_outbox(jaring.pipeline, worker.wake)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.05)
        await pipeline.handle(said(clock, "halo"))
        for _ in range(100):
            if out.getvalue():
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    line = json.loads(out.getvalue().splitlines()[0])
    assert line["to"] == "warga-1"
    assert line["text"].startswith("Halo!")


def replace_on_outbox(pipeline: Pipeline, wake: object) -> Pipeline:
    assert callable(wake)
    copy = Pipeline(
        pipeline.store,
        pipeline.engine,
        pipeline.catalogs,
        pipeline.programme,
        cipher=pipeline.cipher,
        clock=pipeline.clock,
    )
    copy.on_outbox = wake
    return copy


async def test_jsonl_reports_bad_lines_and_goes_on(jaring: Jaring) -> None:
    stdin = io.StringIO(
        '{"from": "a", "text": "halo"}\nnot json\n{"from": "", "text": "x"}\n\n{"from": "b", "text": "menu"}\n'
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    assert await chat_jsonl(jaring, stdin, stdout, stderr) == 2
    recipients = [json.loads(line)["to"] for line in stdout.getvalue().splitlines()]
    assert recipients == ["a", "b"]
    assert "line 2: not JSON" in stderr.getvalue()
    assert 'line 3: "from" must be' in stderr.getvalue()
