"""The outbox query the Telegram channel uses to take an answered question's keyboard away, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.connection import Store
from db.repositories import contacts, outbox

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def test_the_latest_delivered_message_with_choices_is_found(store: Store) -> None:
    async with store.transaction() as session:
        siti = await contacts.get_or_create_contact(session, "telegram", "42", NOW)
        other = await contacts.get_or_create_contact(session, "telegram", "43", NOW)
        assert await outbox.latest_sent_with_choices(session, siti.id) is None
        for body, choices, person in [
            ("menu", [{"id": "about", "label": "Tentang"}], siti),
            ("notice", [{"id": "agree", "label": "Setuju"}], siti),
            ("plain", [], siti),
            ("someone else's", [{"id": "x", "label": "X"}], other),
        ]:
            await outbox.enqueue(
                session, contact_id=person.id, channel="telegram", recipient=person.channel_id, body=body,
                choices=choices, now=NOW,
            )  # fmt: skip
    for _ in range(3):  # each round delivers each person's oldest open message
        async with store.transaction() as session:
            for row in await outbox.claim_due(session, NOW, lease=LEASE, limit=10):
                await outbox.mark_sent(session, row.id, f"tg-{row.id}", NOW)
    async with store.transaction() as session:
        await outbox.enqueue(
            session, contact_id=siti.id, channel="telegram", recipient="42", body="not sent yet",
            choices=[{"id": "y", "label": "Y"}], now=NOW,
        )  # fmt: skip
    async with store.transaction() as session:
        latest = await outbox.latest_sent_with_choices(session, siti.id)
        assert latest is not None
        assert (latest.body, latest.provider_message_id) == ("notice", f"tg-{latest.id}")
        assert await outbox.latest_sent_with_choices(session, other.id) is not None  # theirs is their own
