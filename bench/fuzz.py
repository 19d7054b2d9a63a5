"""The fuzz run: hostile inputs at every state of every flow, through the real pipeline on a real SQLite
store, each reply checked against the channels' limits. Not part of the test suite (it takes minutes);
the property tests (tests/test_properties.py, tests/test_hostile_inputs.py) run the pure engine on a
smaller sample every time.

What runs: the composition root (`bot.app.open_jaring`: SQLite in a new temporary folder, migrated, a new
secret key) and its `Pipeline`. Contacts on Telegram and on WhatsApp, six of each kind: strangers (no
consent, no role), workers (consent given, a registration driven through the pipeline with real
answers) and officers (Dinas admin, kelurahan verifier and RT/RW leader of Medono at once). Then
episodes, several at once (one per contact, each contact's episodes one after another): an episode
puts its contact in a state, saved as the pipeline saves it (every step of every flow, with and without
the data a step may carry, and stale and unknown ones: the states of tests/test_properties.py, taken in
turn), and sends a hostile message; a third of the episodes go on for one to three more messages from
where that left them, each either hostile or what a person following the conversation would send (a
choice just offered, its number, a known word), so the states real answers lead to are reached too.

Each message is built as the channel's webhook delivers it (a Telegram update, a WhatsApp payload:
texts, taps with forged callback data or button ids, shared contacts, attachments) and read by the
channel's own parser before `Pipeline.handle`. The inputs (bench/fuzz_inputs.py): the hostile-input
corpus, huge texts, control, bidi and zero-width characters, emoji, other scripts, SQL, HTML and
markdown injection, NIK-like digits in every spelling, empty and blank texts, numbers out of range,
impossible dates, known words with noise. Checked (bench/fuzz_checks.py): no exception and no
`HandleResult.FAILED` (a crash); every message answered; every reply, rendered by the Telegram and the
WhatsApp renderers, within the platforms' limits; no NIK in clear; nothing unclean said back. The letters
the inputs caused to others (an accident report to the admins…) are checked the same way at the end.

Every input comes from the seed and its episode's number alone: a failure prints both, and
`--replay EPISODE` runs that episode again on a fresh store (the same contacts, set up the same way),
printing each message and its replies.

    uv run python -m bench.fuzz --inputs 100000                 # the documented run
    uv run python -m bench.fuzz --inputs 2000 --seed 7
    uv run python -m bench.fuzz --seed 7 --replay 1234
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.fuzz_checks import reply_problems
from bench.fuzz_inputs import Kind, Message, hostile, sensible
from bench.serve_load import registration
from bot.app import Jaring, open_jaring
from bot.inbound.outbox_writer import OutboxWriter
from bot.inbound.pipeline import HandleResult
from bot.inbound.sealing import seal
from bot.settings import load_settings
from conversations.consent import PURPOSES
from conversations.flows import ALL_FLOWS
from conversations.flows.privacy import NOTICE_VERSIONS
from conversations.inbound import Inbound
from conversations.messages import Reply
from conversations.state import SessionState, stored_data
from db.models import Contact, OutboxMessage, Registration
from db.repositories import consent, contacts, conversation_sessions, outbox, roles
from handlers.telegram.parsing import ForTheCore as TelegramMessage
from handlers.telegram.parsing import parse_update
from handlers.whatsapp.parsing import parse_payload
from tests.test_properties import STATES

__all__ = ["main"]

BOT_ID = 5_550_001
PHONE_NUMBER_ID = "106540352242922"
KINDS_PER_CHANNEL = 6  # of each kind (stranger, worker, officer), on each channel
KINDS = ("stranger", "worker", "officer")
OFFICER_AREA = {"kelurahan_code": "33.75.01.1002", "rt": "003", "rw": "005"}
STATE_NAMES = tuple(STATES)
FIRST_FAILURES = 10
FAILED = "crash: HandleResult.FAILED (the step raised; its error is counted below)"
PROGRESS_EVERY = 10_000  # a line on stderr, for a long run in the background


# ---- the people ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Persona:
    lane: int
    channel: str
    kind: str

    @property
    def sender(self) -> str:
        return str(7_000_000 + self.lane) if self.channel == "telegram" else f"62858{self.lane:08d}"


def personas() -> list[Persona]:
    return [
        Persona(lane, channel, KINDS[(lane // 2) % len(KINDS)])
        for lane, channel in enumerate(
            ["telegram", "whatsapp"] * (KINDS_PER_CHANNEL * len(KINDS)),
        )
    ]


# ---- webhook payloads, read by the channels' own parsers ----------------------------------------------


def telegram_update(persona: Persona, message: Message, update_id: int) -> dict[str, Any]:
    chat = int(persona.sender)
    person = {"id": chat, "is_bot": False, "first_name": "Siti"}
    base = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"}, "from": person}
    match message.kind:
        case Kind.TEXT:
            return {"update_id": update_id, "message": {**base, "text": message.text}}
        case Kind.TAP:
            query = {"id": f"q{update_id}", "from": person, "chat_instance": "1", "data": message.text, "message": base}
            return {"update_id": update_id, "callback_query": query}
        case Kind.CONTACT:
            shared = {"phone_number": message.text, "first_name": "Siti", "user_id": chat}
            return {"update_id": update_id, "message": {**base, "contact": shared}}
        case _:
            sticker = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False}
            return {
                "update_id": update_id,
                "message": {**base, "sticker": {**sticker, "is_video": False, "type": "regular"}},
            }


def whatsapp_payload(persona: Persona, message: Message, message_id: str) -> dict[str, Any]:
    content: dict[str, Any]
    match message.kind:
        case Kind.TEXT:
            content = {"type": "text", "text": {"body": message.text}}
        case Kind.TAP if len(message.text) % 3 == 0:
            content = {"type": "button", "button": {"payload": message.text, "text": message.text[:20]}}
        case Kind.TAP:
            kind = "button_reply" if len(message.text) % 2 else "list_reply"
            content = {"type": "interactive", "interactive": {"type": kind, kind: {"id": message.text, "title": "x"}}}
        case Kind.CONTACT:
            content = {"type": "contacts", "contacts": [{"phones": [{"phone": message.text}]}]}
        case _:
            content = {"type": "location", "location": {"latitude": -6.88, "longitude": 109.67}}
    item = {"from": persona.sender, "id": message_id, "timestamp": str(int(time.time())), **content}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285700000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Siti"}, "wa_id": persona.sender}],
        "messages": [item],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }


def inbound_of(persona: Persona, message: Message, number: int) -> Inbound | None:
    """The message as the channel's parser hands it to the pipeline (None: the parser dropped it)."""
    now = datetime.now(UTC)
    if persona.channel == "telegram":
        parsed = parse_update(telegram_update(persona, message, number), bot_id=BOT_ID, received_at=now)
        return parsed.inbound if isinstance(parsed, TelegramMessage) else None
    payload = whatsapp_payload(persona, message, f"wamid.fuzz{number:012d}")
    found = parse_payload(payload, phone_number_id=PHONE_NUMBER_ID, received_at=now).messages
    return found[0].inbound if found else None


# ---- the replies ------------------------------------------------------------------------------------


Row = tuple[str, list[dict[str, str]]]  # an outbox row's body and choices


@dataclass(frozen=True, slots=True)
class RecordingWriter(OutboxWriter):
    """The pipeline's own outbox writer, also keeping in memory what it queues for each contact: the run
    reads a message's replies here (the very rows `outbox.enqueue_many` inserts) instead of querying the
    outbox, one transaction less per input on SQLite's one connection. A batch that fails and is handled
    again one by one queues its replies twice here (the first time rolled back): they would show as
    replies too many, never hide one."""

    queued: dict[tuple[str, str], list[Row]] = field(default_factory=dict)

    def queued_replies(
        self, contact: Contact, replies: Sequence[Reply], language: str, inbox_id: int | None
    ) -> list[outbox.NewReply]:
        rows = OutboxWriter.queued_replies(self, contact, replies, language, inbox_id)
        kept = self.queued.setdefault((contact.channel, contact.channel_id), [])
        kept.extend((row.body, [dict(choice) for choice in row.choices]) for row in rows)
        return rows

    async def replies(  # noqa: PLR0917 - as OutboxWriter.replies
        self,
        session: AsyncSession,
        contact: Contact,
        replies: Sequence[Reply],
        language: str,
        now: datetime,
        inbox_id: int | None,
    ) -> None:
        """The apology after a failed step goes this way."""
        kept = self.queued.setdefault((contact.channel, contact.channel_id), [])
        for reply in replies:
            rendered = self.render(reply, language)
            kept.append((rendered.body, [dict(choice) for choice in rendered.choices]))
        await OutboxWriter.replies(self, session, contact, replies, language, now, inbox_id)

    def take(self, channel: str, sender: str) -> list[Row]:
        return self.queued.pop((channel, sender), [])


# ---- the episodes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Episode:
    number: int
    state: str  # a name in tests/test_properties.STATES
    language: str
    length: int  # messages
    rng_seed: str


def plan(seed: int, inputs: int) -> list[Episode]:
    """Episodes until `inputs` messages: each from the seed and its own number only."""
    episodes: list[Episode] = []
    total = 0
    number = 0
    while total < inputs:
        rng = random.Random(f"{seed}:{number}")
        length = 1 + (rng.randint(1, 3) if rng.random() < 1 / 3 else 0)
        length = min(length, inputs - total)
        language = "en" if rng.random() < 0.25 else "id"
        # Every contact in turn starts from the same state, so each state is met on both channels by each kind.
        state = STATE_NAMES[(number // len(personas())) % len(STATE_NAMES)]
        episodes.append(Episode(number, state, language, length, f"{seed}:{number}:m"))
        total += length
        number += 1
    return episodes


@dataclass(slots=True)
class Failure:
    episode: int
    message: int  # which message of the episode
    what: str
    sent: str
    state: str = ""  # where the episode started

    @property
    def kind(self) -> str:
        """What failed where, without the details: failures of one kind are likely one bug."""
        return f"{self.what.split(':')[0]} from {self.state}"


@dataclass(slots=True)
class Tally:
    inputs: int = 0
    dropped_by_parser: int = 0
    results: Counter[str] = field(default_factory=Counter)
    crashes: int = 0
    silent: int = 0  # handled, but no reply
    breaks: Counter[str] = field(default_factory=Counter)  # "limit" / "nik" / "unclean"
    replies: int = 0
    covered: set[str] = field(default_factory=set)  # states an episode started from
    reached: set[str] = field(default_factory=set)  # "flow.step" an episode left its contact in
    failures: list[Failure] = field(default_factory=list)
    failed_episodes: set[int] = field(default_factory=set)
    states: dict[int, str] = field(default_factory=dict)  # episode → the state it started from
    kinds: Counter[str] = field(default_factory=Counter)  # failures by kind (Failure.kind)
    first_of_kind: dict[str, Failure] = field(default_factory=dict)

    def fail(self, failure: Failure) -> None:
        failure.state = failure.state or self.states.get(failure.episode, "")
        self.failed_episodes.add(failure.episode)
        self.kinds[failure.kind] += 1
        self.first_of_kind.setdefault(failure.kind, failure)
        if len(self.failures) < FIRST_FAILURES:
            self.failures.append(failure)


class Fuzz:
    def __init__(self, jaring: Jaring, people: Sequence[Persona], seed: int, verbose: bool) -> None:
        self.jaring = jaring
        self.people = people
        self.seed = seed
        self.verbose = verbose
        self.tally = Tally()
        self.contact_ids: dict[int, int] = {}
        self.writer = RecordingWriter(jaring.catalogs, jaring.cipher)
        jaring.pipeline.writer = self.writer
        # SQLite's store has one connection: the run's own transactions take turns here, so that at most
        # one of them waits for it beside the pipeline's (dozens waiting at once outlasted the pool's timeout).
        self._own_turn = asyncio.Lock()

    def next_number(self, episode: Episode, index: int) -> int:
        return 1_000 + episode.number * 10 + index  # the same ids on a replay

    # ---- setting up the contacts ----

    async def set_up(self) -> None:
        for persona in self.people:
            message = Message(Kind.TEXT, "halo")
            inbound = inbound_of(persona, message, 100 + persona.lane)
            assert inbound is not None
            await self.jaring.pipeline.handle(inbound)
        now = datetime.now(UTC)
        async with self.jaring.store.transaction() as session:
            found = await contacts.contacts_for(session, [(p.channel, p.sender) for p in self.people], now)
            self.contact_ids = {p.lane: found[(p.channel, p.sender)].id for p in self.people}
        await asyncio.gather(*(self._register(p) for p in self.people if p.kind == "worker"))

    async def _register(self, persona: Persona) -> None:
        """A registration with real answers, as the person would type them."""
        texts = [turn.says for turn in registration(500 + persona.lane)]
        if persona.channel == "telegram":  # Telegram does not know the number: the bot asks after the job
            texts.insert(11, f"0812345{persona.lane:05d}")
        for index, text in enumerate(texts):
            inbound = inbound_of(persona, Message(Kind.TEXT, text), 200 + persona.lane * 40 + index)
            assert inbound is not None
            await self.jaring.pipeline.handle(inbound)

    async def restore(self, persona: Persona, state: SessionState, language: str) -> None:
        """The contact as its kind is (consent, roles, not opted out, no flood), in `state`, in one
        transaction, the conversation saved as the pipeline saves it."""
        contact_id = self.contact_ids[persona.lane]
        now = datetime.now(UTC)
        async with self._own_turn, self.jaring.store.transaction() as session:
            contact = await session.get(Contact, contact_id)
            assert contact is not None
            contact.language, contact.opted_out, contact.flood_since, contact.flood_count = language, False, None, 0
            if persona.kind != "stranger":
                held = await consent.consents_in_force(session, [contact_id], NOTICE_VERSIONS)
                for purpose in PURPOSES:
                    record = held.get(contact_id, {}).get(purpose)
                    if record is None or not record.granted or record.notice_version != NOTICE_VERSIONS[purpose]:
                        await consent.record_consent(
                            session,
                            contact_id,
                            purpose=purpose,
                            notice_version=NOTICE_VERSIONS[purpose],
                            granted=True,
                            now=now,
                        )
            if persona.kind == "officer":
                active = (await roles.active_roles(session, [contact_id])).get(contact_id, frozenset())
                for role in ("admin", "verifier", "rtrw"):
                    if role not in active:
                        await roles.grant_role(session, contact_id, role, granted_by="fuzz", now=now, **OFFICER_AREA)
            stored = await conversation_sessions.lock_sessions(session, [contact_id])
            left = stored[contact_id]  # where the contact's previous episode left it
            self.tally.reached.add(f"{left.flow or 'idle'}.{left.step or '-'}")
            cipher = self.jaring.cipher
            await conversation_sessions.save_sessions(
                session,
                [
                    conversation_sessions.SavedSession(
                        contact_id=contact_id,
                        expected_revision=stored[contact_id].revision,
                        flow=state.flow,
                        flow_version=state.flow_version,
                        step=state.step,
                        data=seal(stored_data(state), cipher),
                        paused={flow: seal(dict(data), cipher) for flow, data in state.paused.items()},
                    )
                ],
                now,
            )

    # ---- the run ----

    async def lane(self, persona: Persona, episodes: Sequence[Episode]) -> None:
        for episode in episodes:
            await self.episode(persona, episode)

    async def episode(self, persona: Persona, episode: Episode) -> None:
        rng = random.Random(episode.rng_seed)
        await self.restore(persona, STATES[episode.state], episode.language)
        self.tally.covered.add(episode.state)
        self.tally.states[episode.number] = episode.state
        if self.verbose:
            print(
                f"episode {episode.number}: {persona.kind} on {persona.channel}, "
                f"state {episode.state}, {episode.language}"
            )
        offered: list[str] = []
        for index in range(episode.length):
            message = hostile(rng, offered) if index == 0 or rng.random() < 0.5 else sensible(rng, offered)
            offered = await self.send(persona, episode, index, message)

    async def send(self, persona: Persona, episode: Episode, index: int, message: Message) -> list[str]:
        """Send one message, check its replies; the choice ids they offer."""
        self.tally.inputs += 1
        if self.tally.inputs % PROGRESS_EVERY == 0:
            print(f"… {self.tally.inputs} inputs, {self.tally.crashes} crashes", file=sys.stderr, flush=True)
        inbound = inbound_of(persona, message, self.next_number(episode, index))
        if inbound is None:
            self.tally.dropped_by_parser += 1
            return []
        sent = f"{persona.kind} on {persona.channel}: {message.describe()}"
        try:
            handled = await self.jaring.pipeline.handle(inbound)
        except Exception:
            self.tally.crashes += 1
            self.tally.fail(
                Failure(episode.number, index, f"crash: an exception: {traceback.format_exc(limit=-3)}", sent)
            )
            return []
        self.tally.results[handled.result.value] += 1
        if handled.result is HandleResult.FAILED:
            self.tally.crashes += 1
            self.tally.fail(
                Failure(
                    episode.number,
                    index,
                    FAILED,
                    sent,
                )
            )
        rows = self.writer.take(inbound.channel, inbound.sender_id)
        if self.verbose:
            print(f"  > {sent}")
            for body, _ in rows:
                print("    < " + body[:300].replace("\n", "\n      "))
        if not rows and handled.result is not HandleResult.DUPLICATE:
            self.tally.silent += 1
            self.tally.fail(Failure(episode.number, index, "unanswered: no reply", sent))
        offered: list[str] = []
        for body, choices in rows:
            self.tally.replies += 1
            self.check(body, choices, episode.number, index, sent)
            offered = [c["id"] for c in choices] or offered
        return offered

    def check(self, body: str, choices: Sequence[Mapping[str, str]], episode: int, index: int, sent: str) -> None:
        for kind, what in reply_problems(body, choices):
            self.tally.breaks[kind] += 1
            self.tally.fail(Failure(episode, index, f"{kind}: {what}; reply {body[:120]!r}", sent))

    async def check_letters(self) -> int:
        """Messages the inputs caused to others (no inbound message of their own), checked the same way."""
        async with self.jaring.store.transaction() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.body, OutboxMessage.choices).where(OutboxMessage.inbox_id.is_(None))
                )
            ).all()
        for body, choices in rows:
            self.check(str(body), list(choices), -1, 0, "a letter to someone else")
        return len(rows)


# ---- the command -------------------------------------------------------------------------------------


class ErrorTally(logging.Handler):
    """Errors logged during the run (a failed step logs its traceback), counted instead of printed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.counts[f"{type(error).__name__}: {str(error)[:200]}" if error else record.getMessage()[:200]] += 1


@contextlib.asynccontextmanager
async def fresh_jaring() -> AsyncIterator[Jaring]:
    with tempfile.TemporaryDirectory(prefix="jaring-fuzz-") as folder:
        settings = load_settings(
            JARING_DATA_DIR=folder,
            DATABASE_URL=f"sqlite+aiosqlite:///{Path(folder) / 'jaring.db'}",
            JARING_SECRET_KEY=Fernet.generate_key().decode(),
            # Each contact gets hundreds of messages a second here: the flood rule (tested on its own,
            # tests/test_flood.py) would hold them before they reach the steps.
            JARING_FLOOD_MESSAGES="1000",
            JARING_FLOOD_SECONDS="0.001",
        )
        jaring = await open_jaring(settings)
        try:
            yield jaring
        finally:
            await jaring.close()


async def fuzz(seed: int, inputs: int, replay: int | None, errors: ErrorTally) -> int:
    people = personas()
    episodes = plan(seed, inputs if replay is None else 10 * (replay + 1))
    if replay is not None:
        episodes = [e for e in episodes if e.number == replay]
    async with fresh_jaring() as jaring:
        run = Fuzz(jaring, people, seed, verbose=replay is not None)
        await run.set_up()
        async with jaring.store.transaction() as session:
            registered = len((await session.execute(select(Registration.id))).all())
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for persona in people:
                mine = [e for e in episodes if e.number % len(people) == persona.lane]
                group.create_task(run.lane(persona, mine))
        seconds = time.perf_counter() - started
        letters = await run.check_letters()
    report(run.tally, Setting(seed, len(people), registered), seconds, letters, errors)
    failed = run.tally.crashes or run.tally.silent or sum(run.tally.breaks.values()) or errors.counts
    return 1 if failed else 0


@dataclass(frozen=True, slots=True)
class Setting:
    """What the run was given and set up, for the report."""

    seed: int
    people: int
    registered: int  # registrations the workers made at set-up


def report(tally: Tally, setting: Setting, seconds: float, letters: int, errors: ErrorTally) -> None:
    seed, people, registered = setting.seed, setting.people, setting.registered
    steps = sum(len(flow.steps) for flow in ALL_FLOWS)
    step_states = {f"{flow.id}.{step}" for flow in ALL_FLOWS for step in flow.steps}
    print(f"Fuzz run — seed {seed}, real pipeline on SQLite, {people} contacts ({registered} registrations set up)")
    print(f"  inputs            {tally.inputs} ({tally.dropped_by_parser} dropped by the channel's parser)")
    print(f"  outcomes          {dict(tally.results)}")
    print(f"  states covered    {len(tally.covered)} of {len(STATE_NAMES)} (every step of every flow: {steps}, plus")
    print(
        f"                    with data, stale and unknown ones); steps an episode ended in: "
        f"{len(tally.reached & step_states)} of {steps}"
    )
    print(f"  crashes           {tally.crashes}")
    print(f"  unanswered        {tally.silent}")
    print(f"  limit breaks      {tally.breaks['limit']}")
    print(f"  NIK in clear      {tally.breaks['nik']}")
    print(f"  unclean replies   {tally.breaks['unclean']}")
    print(f"  replies checked   {tally.replies}, and {letters} letters to others")
    print(f"  inputs/s          {tally.inputs / seconds:.1f} ({seconds:.1f} s)")
    print(f"  errors logged     {sum(errors.counts.values()) or 'none'}")
    for error, count in errors.counts.most_common(5):
        print(f"    {count:6} × {error}")
    if tally.kinds:
        print("  failures by kind (the first episode of each):")
        for kind, count in tally.kinds.most_common():
            first = tally.first_of_kind[kind]
            print(f"    {count:6} × {kind} (episode {first.episode} message {first.message})")
    if tally.failures:
        print(
            f"  failed episodes   {len(tally.failed_episodes)}; the first failures "
            f"(replay: --seed {seed} --replay EPISODE):"
        )
        for failure in tally.failures:
            print(f"    episode {failure.episode} message {failure.message}: {failure.what}")
            print(f"      sent: {failure.sent[:200]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--inputs", type=int, default=100_000, help="messages to send in all (default 100 000)")
    parser.add_argument("--seed", type=int, default=1, help="the seed every input comes from (default 1)")
    parser.add_argument("--replay", type=int, metavar="EPISODE", help="run only this episode, printing everything")
    args = parser.parse_args(argv)
    if args.inputs < 1:
        parser.error("--inputs must be at least 1")
    errors = ErrorTally()
    warnings = logging.StreamHandler(sys.stderr)
    if args.replay is None:  # errors are counted, not printed; a replay shows their tracebacks
        warnings.addFilter(lambda record: record.levelno < logging.ERROR)
    logging.basicConfig(level=logging.WARNING, handlers=[warnings, errors])
    os.environ.pop("DATABASE_URL", None)
    return asyncio.run(fuzz(args.seed, args.inputs, args.replay, errors))


if __name__ == "__main__":
    sys.exit(main())
