"""Flood protection: one person sending dozens of messages in seconds is told once to slow down and the
rest of the burst is recorded, not acted on; everyone else in the same batches goes through as usual."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import Jaring, open_jaring
from bot.inbound.pipeline import HandleResult
from bot.settings import Settings
from conversations.flood import FloodRule, FloodVerdict, FloodWindow, next_window, seconds_left
from conversations.inbound import Inbound
from db.connection import Store
from db.models import Contact, ConversationSession, InboxMessage, OutboxMessage
from tests.conftest import FixedClock

_START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
_ids = iter(range(1, 10_000_000))


def _said(clock: FixedClock, sender: str, text: str) -> Inbound:
    return Inbound(channel="terminal", sender_id=sender, message_id=f"f{next(_ids)}", received_at=clock(), text=text)


@pytest.fixture
async def bot(settings: Settings, clock: FixedClock, store: Store) -> AsyncIterator[Jaring]:
    jaring = await open_jaring(settings, clock, store=store)
    try:
        yield jaring
    finally:
        await jaring.close()


async def _replies_to(store: Store, sender: str) -> list[str]:
    async with store.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.body)
            .join(Contact, Contact.id == OutboxMessage.contact_id)
            .where(Contact.channel_id == sender)
            .order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def _inbox_statuses(store: Store) -> dict[str, int]:
    async with store.transaction() as session:
        rows = await session.execute(select(InboxMessage.status, func.count()).group_by(InboxMessage.status))
        return {str(status): int(count) for status, count in rows.all()}


# ---- the rule ------------------------------------------------------------------------------------


def test_the_first_message_past_the_limit_is_told_and_the_rest_are_held() -> None:
    rule = FloodRule(messages=3, window=timedelta(seconds=10))
    window = FloodWindow()
    verdicts = []
    for second in range(6):
        verdict, window = next_window(rule, window, _START + timedelta(seconds=second))
        verdicts.append(verdict)
    assert verdicts == [FloodVerdict.HANDLE] * 3 + [FloodVerdict.TELL] + [FloodVerdict.HOLD] * 2
    assert seconds_left(rule, window, _START + timedelta(seconds=5, milliseconds=500)) == 5


def test_a_new_window_opens_once_the_old_one_is_over() -> None:
    rule = FloodRule(messages=2, window=timedelta(seconds=10))
    window = FloodWindow(_START, 7, told=True)
    verdict, window = next_window(rule, window, _START + timedelta(seconds=10))
    assert verdict is FloodVerdict.HANDLE
    assert window == FloodWindow(_START + timedelta(seconds=10), 1, told=False)


def test_a_clock_that_went_back_opens_a_new_window_rather_than_holding_for_ever() -> None:
    rule = FloodRule(messages=2, window=timedelta(seconds=10))
    verdict, _ = next_window(rule, FloodWindow(_START, 9, told=True), _START - timedelta(minutes=5))
    assert verdict is FloodVerdict.HANDLE


@given(
    limit=st.integers(min_value=2, max_value=30),
    gaps=st.lists(st.integers(min_value=0, max_value=4_000), min_size=1, max_size=200),
)
def test_within_any_window_at_most_the_limit_is_handled_and_one_message_tells(limit: int, gaps: list[int]) -> None:
    rule = FloodRule(messages=limit, window=timedelta(seconds=10))
    window, now = FloodWindow(), _START
    per_window: dict[datetime, list[FloodVerdict]] = {}
    for gap in gaps:
        now += timedelta(milliseconds=gap)
        verdict, window = next_window(rule, window, now)
        assert window.since is not None
        per_window.setdefault(window.since, []).append(verdict)
    for verdicts in per_window.values():
        assert verdicts.count(FloodVerdict.HANDLE) == min(limit, len(verdicts))
        assert verdicts.count(FloodVerdict.TELL) == (1 if len(verdicts) > limit else 0)
        assert verdicts[: min(limit, len(verdicts))] == [FloodVerdict.HANDLE] * min(limit, len(verdicts))


# ---- through the pipeline, on SQLite and PostgreSQL ------------------------------------------------


async def test_a_flooder_is_told_once_and_the_others_in_the_same_batches_are_not_slowed(
    bot: Jaring, clock: FixedClock
) -> None:
    limit = bot.settings.flood_messages
    burst = [_said(clock, "flooder", "halo") for _ in range(limit + 15)]
    others = [_said(clock, f"warga-{n % 10}", "halo") for n in range(len(burst))]  # 3 or 4 each
    interleaved = [inbound for pair in zip(burst, others, strict=True) for inbound in pair]
    results = await asyncio.gather(*(bot.pipeline.handle(inbound) for inbound in interleaved))
    by_id = {inbound.message_id: handled for inbound, handled in zip(interleaved, results, strict=True)}

    flooder = [by_id[i.message_id].result for i in burst]
    assert flooder == [HandleResult.HANDLED] * limit + [HandleResult.FLOODED] * 15
    assert {by_id[i.message_id].result for i in others} == {HandleResult.HANDLED}

    replies = await _replies_to(bot.store, "flooder")
    told = [body for body in replies if "terlalu cepat" in body]
    assert len(told) == 1
    assert f"lebih dari {limit} pesan" in told[0]
    assert "Tunggu 10 detik" in told[0]  # the fixed clock did not move: the whole window is left
    assert len(replies) == limit + 1  # one reply per handled message, and the one polite message
    for n in range(10):
        assert len(await _replies_to(bot.store, f"warga-{n}")) == len(
            [i for i in others if i.sender_id == f"warga-{n}"]
        )
    statuses = await _inbox_statuses(bot.store)
    assert statuses == {"processed": limit + len(others), "flood": 15}


async def test_held_messages_do_not_move_the_conversation_and_the_next_window_goes_through(
    bot: Jaring, clock: FixedClock
) -> None:
    limit = bot.settings.flood_messages
    for _ in range(limit):
        assert (await bot.pipeline.handle(_said(clock, "rt-05", "menu"))).result is HandleResult.HANDLED
    async with bot.store.transaction() as session:
        before = (await session.execute(select(ConversationSession.flow, ConversationSession.step))).one()

    assert (await bot.pipeline.handle(_said(clock, "rt-05", "2"))).result is HandleResult.FLOODED
    assert (await bot.pipeline.handle(_said(clock, "rt-05", "1"))).result is HandleResult.FLOODED
    async with bot.store.transaction() as session:
        assert (await session.execute(select(ConversationSession.flow, ConversationSession.step))).one() == before
    replies_while_held = len(await _replies_to(bot.store, "rt-05"))

    clock.advance(seconds=bot.settings.flood_seconds)
    assert (await bot.pipeline.handle(_said(clock, "rt-05", "1"))).result is HandleResult.HANDLED
    replies = await _replies_to(bot.store, "rt-05")
    assert len(replies) == replies_while_held + 1
    assert "terlalu cepat" not in replies[-1]


async def test_a_duplicate_delivery_of_a_flood_is_not_counted_again(bot: Jaring, clock: FixedClock) -> None:
    limit = bot.settings.flood_messages
    burst = [_said(clock, "dup", "halo") for _ in range(limit)]
    for inbound in burst:
        await bot.pipeline.handle(inbound)
    for inbound in burst:  # Meta and Telegram deliver again what they were not sure of
        assert (await bot.pipeline.handle(inbound)).result is HandleResult.DUPLICATE
    assert (await bot.pipeline.handle(_said(clock, "dup", "halo"))).result is HandleResult.FLOODED


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
async def test_two_workers_count_one_persons_flood_window_together(
    settings: Settings, clock: FixedClock, store: Store
) -> None:
    """Two pipelines on one database (two workers), each handed every other message of one person at
    the same moment: the window is counted once, however the two interleave."""
    first = await open_jaring(settings, clock, store=store)
    second = await open_jaring(settings, clock, store=store)
    try:
        limit = settings.flood_messages
        burst = [_said(clock, "two-workers", "halo") for _ in range(limit + 10)]
        for pair in range(0, len(burst), 2):
            await asyncio.gather(first.pipeline.handle(burst[pair]), second.pipeline.handle(burst[pair + 1]))
        replies = await _replies_to(store, "two-workers")
        assert len([body for body in replies if "terlalu cepat" in body]) == 1
        assert await _inbox_statuses(store) == {"processed": limit, "flood": 10}
    finally:
        await second.pipeline.close()
        await first.pipeline.close()
