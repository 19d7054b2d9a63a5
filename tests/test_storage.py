"""One storage suite, run on SQLite and on PostgreSQL (the `store` fixture is parametrised)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage
from db.repositories import audit, consent, contacts, conversation_sessions, inbox, outbox
from db.repositories.conversation_sessions import StaleSession

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def _contact(store: Store, channel_id: str = "628111") -> int:
    async with store.transaction() as session:
        return (await contacts.get_or_create_contact(session, "whatsapp", channel_id, NOW)).id


async def _enqueue(store: Store, contact_id: int, body: str, recipient: str = "628111") -> None:
    async with store.transaction() as session:
        await outbox.enqueue(
            session, contact_id=contact_id, channel="whatsapp", recipient=recipient, body=body, choices=[], now=NOW
        )


async def _claim(store: Store, at: datetime = NOW) -> list[str]:
    async with store.transaction() as session:
        return [row.body for row in await outbox.claim_due(session, at, lease=LEASE, limit=10)]


async def test_an_inbound_message_id_is_recorded_once(store: Store) -> None:
    async with store.transaction() as session:
        first = await inbox.record_inbound(session, "telegram", "update-1", NOW)
    async with store.transaction() as session:
        again = await inbox.record_inbound(session, "telegram", "update-1", NOW)
        other_channel = await inbox.record_inbound(session, "whatsapp", "update-1", NOW)
    assert first is not None
    assert again is None
    assert other_channel is not None
    assert other_channel != first


async def test_get_or_create_contact_is_idempotent_and_creates_an_empty_conversation(store: Store) -> None:
    first = await _contact(store)
    second = await _contact(store)
    assert first == second
    async with store.transaction() as session:
        conversation = await conversation_sessions.lock_session(session, first)
        count = (await session.execute(select(func.count()).select_from(Contact))).scalar_one()
    assert count == 1
    assert (conversation.flow, conversation.step, conversation.data, conversation.revision) == (None, None, {}, 0)


async def test_concurrent_first_messages_from_one_person_make_one_contact(store: Store) -> None:
    ids = await asyncio.gather(*(_contact(store, "628999") for _ in range(8)))
    assert len(set(ids)) == 1


async def test_saving_a_conversation_checks_the_revision(store: Store) -> None:
    contact_id = await _contact(store)
    async with store.transaction() as session:
        revision = await conversation_sessions.save_session(
            session, contact_id, 0, flow="privacy", flow_version=1, step="notice", data={"then": "x"}, now=NOW
        )
    assert revision == 1
    with pytest.raises(StaleSession):
        async with store.transaction() as session:
            await conversation_sessions.save_session(
                session, contact_id, 0, flow=None, flow_version=0, step=None, data={}, now=NOW
            )
    async with store.transaction() as session:
        saved = await conversation_sessions.lock_session(session, contact_id)
    assert (saved.flow, saved.step, saved.data, saved.revision) == ("privacy", "notice", {"then": "x"}, 1)


async def test_the_latest_consent_record_is_the_one_in_force(store: Store) -> None:
    contact_id = await _contact(store)
    async with store.transaction() as session:
        await consent.record_consent(
            session, contact_id, purpose="personal_data", notice_version="v1", granted=True, now=NOW
        )
    async with store.transaction() as session:
        await consent.record_consent(
            session,
            contact_id,
            purpose="personal_data",
            notice_version="v1",
            granted=False,
            now=NOW + timedelta(days=1),
        )
    async with store.transaction() as session:
        latest = await consent.latest_consent(session, contact_id, "personal_data")
        other = await consent.latest_consent(session, contact_id, "children")
    assert latest is not None
    assert latest.granted is False

    assert latest.recorded_at == NOW + timedelta(days=1)
    assert other is None


async def test_audit_entries_keep_actor_and_detail(store: Store) -> None:
    contact_id = await _contact(store)
    async with store.transaction() as session:
        await audit.record_audit(session, "consent.granted", now=NOW, actor_contact_id=contact_id, detail={"k": "v"})
    async with store.transaction() as session:
        entry = (await session.execute(select(AuditEntry))).scalar_one()
    assert (entry.action, entry.actor_contact_id, entry.detail, entry.created_at) == (
        "consent.granted",
        contact_id,
        {"k": "v"},
        NOW,
    )


async def test_each_contacts_messages_are_claimed_in_order_one_at_a_time(store: Store) -> None:
    alice, bob = await _contact(store, "alice"), await _contact(store, "bob")
    for body in ("a1", "a2"):
        await _enqueue(store, alice, body, "alice")
    await _enqueue(store, bob, "b1", "bob")
    assert await _claim(store) == ["a1", "b1"]
    assert await _claim(store) == []  # a2 waits until a1 is settled
    async with store.transaction() as session:
        first = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "a1"))).scalar_one()
        await outbox.mark_sent(session, first.id, "provider-1", NOW)
    assert await _claim(store) == ["a2"]


async def test_a_message_waiting_for_retry_holds_back_the_later_ones(store: Store) -> None:
    alice = await _contact(store, "alice")
    await _enqueue(store, alice, "first", "alice")
    await _enqueue(store, alice, "second", "alice")
    assert await _claim(store) == ["first"]
    async with store.transaction() as session:
        first = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "first"))).scalar_one()
        await outbox.schedule_retry(session, first.id, NOW + timedelta(seconds=30), "429", NOW)
    assert await _claim(store, NOW + timedelta(seconds=10)) == []
    assert await _claim(store, NOW + timedelta(seconds=31)) == ["first"]


async def test_a_lease_that_runs_out_makes_the_message_claimable_again(store: Store) -> None:
    alice = await _contact(store, "alice")
    await _enqueue(store, alice, "hello", "alice")
    assert await _claim(store) == ["hello"]
    assert await _claim(store, NOW + timedelta(seconds=30)) == []
    assert await _claim(store, NOW + LEASE + timedelta(seconds=1)) == ["hello"]
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.attempts == 2


async def test_failure_and_unreachable_are_recorded(store: Store) -> None:
    alice = await _contact(store, "alice")
    await _enqueue(store, alice, "hello", "alice")
    await _claim(store)
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        await outbox.mark_failed(session, row.id, "unreachable: blocked", NOW)
        await outbox.mark_recipient_unreachable(session, row.id, "blocked by user")
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        person = (await session.execute(select(Contact).where(Contact.id == alice))).scalar_one()
    assert (row.status, row.last_error) == ("failed", "unreachable: blocked")
    assert (person.unreachable, person.unreachable_reason) == (True, "blocked by user")


async def test_next_due_at_is_the_earliest_pending_message(store: Store) -> None:
    alice = await _contact(store, "alice")
    async with store.transaction() as session:
        assert await outbox.next_due_at(session) is None
    await _enqueue(store, alice, "hello", "alice")
    async with store.transaction() as session:
        assert await outbox.next_due_at(session) == NOW


async def test_concurrent_claims_never_hand_out_the_same_message_twice(store: Store) -> None:
    ids = [await _contact(store, f"person-{n}") for n in range(20)]
    for n, contact_id in enumerate(ids):
        await _enqueue(store, contact_id, f"m{n}", f"person-{n}")

    async def claim_some() -> list[str]:
        async with store.transaction() as session:
            return [row.body for row in await outbox.claim_due(session, NOW, lease=LEASE, limit=5)]

    batches = await asyncio.gather(*(claim_some() for _ in range(6)))
    claimed = [body for batch in batches for body in batch]
    assert len(claimed) == len(set(claimed)) == 20


async def test_releasing_leases_makes_abandoned_messages_claimable_at_once(store: Store) -> None:
    alice = await _contact(store, "alice")
    await _enqueue(store, alice, "hello", "alice")
    assert await _claim(store) == ["hello"]
    async with store.transaction() as session:
        assert await outbox.release_leases(session, ["telegram"], NOW) == 0  # another channel's are kept
        assert await outbox.release_leases(session, ["whatsapp"], NOW) == 1
    assert await _claim(store) == ["hello"]


async def test_nothing_more_is_sent_to_an_unreachable_contact(store: Store) -> None:
    alice, bob = await _contact(store, "alice"), await _contact(store, "bob")
    await _enqueue(store, alice, "a1", "alice")
    await _enqueue(store, alice, "a2", "alice")
    await _enqueue(store, bob, "b1", "bob")
    assert await _claim(store) == ["a1", "b1"]
    async with store.transaction() as session:
        a1 = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "a1"))).scalar_one()
        await outbox.mark_failed(session, a1.id, "unreachable: 403", NOW)
        await outbox.mark_recipient_unreachable(session, a1.id, "403 Forbidden: bot was blocked by the user")
    assert await _claim(store, NOW + LEASE * 2) == ["b1"]  # b1's lease ran out; a2 is never sent
    async with store.transaction() as session:
        a2 = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "a2"))).scalar_one()
    assert (a2.status, a2.last_error) == ("failed", "recipient unreachable: not sent")


async def test_a_rate_limited_retry_does_not_use_up_an_attempt(store: Store) -> None:
    alice = await _contact(store, "alice")
    await _enqueue(store, alice, "hello", "alice")
    await _claim(store)
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.attempts == 1
        await outbox.schedule_retry(session, row.id, NOW + timedelta(seconds=3), "429", NOW, refund_attempt=True)
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert (row.attempts, row.status, row.next_attempt_at) == (0, "pending", NOW + timedelta(seconds=3))
