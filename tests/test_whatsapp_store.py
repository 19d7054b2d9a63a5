"""The queries the WhatsApp channel adds, on SQLite and PostgreSQL: delivery statuses that never go
back, the business-scoped user id, and the last inbound times the outbox worker hands the sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.connection import Store
from db.models import OutboxMessage
from db.repositories import contacts, outbox

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def sent_message(store: Store, wamid: str) -> int:
    async with store.transaction() as session:
        person = await contacts.get_or_create_contact(session, "whatsapp", "628111", NOW)
        await outbox.enqueue(
            session, contact_id=person.id, channel="whatsapp", recipient="628111", body="halo", choices=[], now=NOW
        )
    async with store.transaction() as session:
        [row] = await outbox.claim_due(session, NOW, lease=LEASE, limit=10)
        await outbox.mark_sent(session, row.id, wamid, NOW)
        return row.id


async def status_of(store: Store, row_id: int) -> tuple[str, str | None]:
    async with store.transaction() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row.status, row.last_error


async def report(store: Store, wamid: str, status: str, error: str | None = None) -> int | None:
    async with store.transaction() as session:
        return await outbox.record_delivery_status(session, "whatsapp", wamid, status=status, error=error, now=NOW)


async def test_a_status_never_goes_back(store: Store) -> None:
    row_id = await sent_message(store, "wamid.A")
    assert await report(store, "wamid.A", "read") == row_id
    assert await report(store, "wamid.A", "delivered") is None
    assert await report(store, "wamid.A", "sent") is None
    assert await report(store, "wamid.A", "failed", "131026 Message undeliverable") is None
    assert await status_of(store, row_id) == ("read", None)
    assert await report(store, "wamid.unknown", "read") is None
    assert await report(store, "wamid.A", "deleted") is None


async def test_failed_keeps_its_error_until_a_later_delivery_says_otherwise(store: Store) -> None:
    row_id = await sent_message(store, "wamid.B")
    assert await report(store, "wamid.B", "failed", "131049 not delivered") == row_id
    assert await status_of(store, row_id) == ("failed", "131049 not delivered")
    assert await report(store, "wamid.B", "delivered") == row_id  # Meta delivered it after all
    assert await status_of(store, row_id) == ("delivered", None)


async def test_the_business_user_id_and_last_inbound_times(store: Store) -> None:
    async with store.transaction() as session:
        person = await contacts.get_or_create_contact(session, "whatsapp", "628111", NOW)
        person.last_inbound_at = NOW
        other = await contacts.get_or_create_contact(session, "whatsapp", "628222", NOW)
        await contacts.set_business_user_id(session, "whatsapp", "628111", "ID.1234")
        await contacts.set_business_user_id(session, "whatsapp", "628999", "ID.9")  # unknown: nothing happens
    async with store.transaction() as session:
        found = await contacts.find_contact(session, "whatsapp", "628111")
        assert found is not None
        assert found.business_user_id == "ID.1234"
        times = await outbox.last_inbound_times(session, [person.id, other.id])
        assert times == {person.id: NOW, other.id: None}
        assert await outbox.last_inbound_times(session, []) == {}
