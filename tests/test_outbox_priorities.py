"""The outbox's claim order on SQLite and PostgreSQL: replies, then notifications, then announcements;
each person one message at a time, in order within a priority, and never a reply stuck behind that
person's own announcement; announcements to someone who said BERHENTI skipped, not sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.connection import Store
from db.models import Broadcast, Contact, OutboxMessage
from db.repositories import contacts, outbox
from tests.outbox_support import queue_notification

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


async def _contact(store: Store, channel_id: str) -> int:
    async with store.transaction() as session:
        return (await contacts.get_or_create_contact(session, "telegram", channel_id, NOW)).id


async def _broadcast(store: Store) -> int:
    async with store.transaction() as session:
        row = Broadcast(
            programme_id="pekalongan-batik-berlian",
            author="cli",
            body="Pengumuman",
            audience={"kind": "everyone"},
            status="sending",
            send_at=NOW,
            created_at=NOW,
        )
        session.add(row)
        await session.flush()
        return row.id


async def _queue(
    store: Store, contact_id: int, body: str, *, priority: int, kind: str = "reply", broadcast_id: int | None = None
) -> None:
    async with store.transaction() as session:
        person = await session.get(Contact, contact_id)
        assert person is not None
        await outbox.enqueue(
            session,
            contact_id=contact_id,
            channel="telegram",
            recipient=person.channel_id,
            body=body,
            choices=[],
            now=NOW,
            kind=kind,
            priority=priority,
            broadcast_id=broadcast_id,
        )


async def _claim(store: Store, limit: int = 10, at: datetime = NOW) -> list[str]:
    async with store.transaction() as session:
        return [row.body for row in await outbox.claim_due(session, at, lease=LEASE, limit=limit)]


async def _finish(store: Store, *bodies: str) -> None:
    async with store.transaction() as session:
        for body in bodies:
            row = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == body))).scalar_one()
            await outbox.mark_sent(session, row.id, "1", NOW)


async def _row(store: Store, body: str) -> OutboxMessage:
    async with store.transaction() as session:
        return (await session.execute(select(OutboxMessage).where(OutboxMessage.body == body))).scalar_one()


async def test_replies_go_before_notifications_before_announcements_oldest_first(store: Store) -> None:
    people = [await _contact(store, f"p{n}") for n in range(6)]
    await _queue(store, people[0], "broadcast-1", priority=outbox.PRIORITY_BROADCAST, kind="broadcast")
    await _queue(store, people[1], "notice-1", priority=outbox.PRIORITY_NOTIFICATION, kind="notification")
    await _queue(store, people[2], "reply-1", priority=outbox.PRIORITY_REPLY)
    await _queue(store, people[3], "broadcast-2", priority=outbox.PRIORITY_BROADCAST, kind="broadcast")
    await _queue(store, people[4], "reply-2", priority=outbox.PRIORITY_REPLY)
    await _queue(store, people[5], "notice-2", priority=outbox.PRIORITY_NOTIFICATION, kind="notification")
    assert await _claim(store, limit=3) == ["reply-1", "reply-2", "notice-1"]
    assert await _claim(store) == ["notice-2", "broadcast-1", "broadcast-2"]


async def test_notify_is_a_notification_and_enqueue_defaults_to_a_reply(store: Store) -> None:
    person = await _contact(store, "p")
    async with store.transaction() as session:
        contact = await session.get(Contact, person)
        assert contact is not None
        await queue_notification(session, contact, "status berubah", NOW)
        await queue_notification(session, contact, "kemajuan", NOW, priority=outbox.PRIORITY_REPLY, replaces="77")
    notice, progress = await _row(store, "status berubah"), await _row(store, "kemajuan")
    assert (notice.kind, notice.priority, notice.replaces) == ("notification", 1, None)
    assert (progress.priority, progress.replaces) == (0, "77")
    await _queue(store, await _contact(store, "q"), "balasan", priority=0)
    assert (await _row(store, "balasan")).priority == 0


async def test_a_reply_never_waits_behind_the_persons_own_announcement(store: Store) -> None:
    siti = await _contact(store, "siti")
    broadcast = await _broadcast(store)
    await _queue(store, siti, "announcement", priority=2, kind="broadcast", broadcast_id=broadcast)
    await _queue(store, siti, "reply", priority=0)
    await _queue(store, siti, "notice", priority=1, kind="notification")
    # One message at a time to a person, the most urgent first.
    assert await _claim(store) == ["reply"]
    assert await _claim(store) == []  # the reply is still on its way
    await _finish(store, "reply")
    assert await _claim(store) == ["notice"]
    await _finish(store, "notice")
    assert await _claim(store) == ["announcement"]


async def test_within_a_priority_a_persons_messages_keep_their_order(store: Store) -> None:
    siti, budi = await _contact(store, "siti"), await _contact(store, "budi")
    for n in range(3):
        await _queue(store, siti, f"siti-{n}", priority=1, kind="notification")
    await _queue(store, budi, "budi-0", priority=1, kind="notification")
    assert await _claim(store) == ["siti-0", "budi-0"]
    await _finish(store, "siti-0", "budi-0")
    assert await _claim(store) == ["siti-1"]
    async with store.transaction() as session:  # siti-1 must be retried later: siti-2 waits for it
        row = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "siti-1"))).scalar_one()
        await outbox.schedule_retry(session, row.id, NOW + timedelta(seconds=30), "500", NOW)
    assert await _claim(store) == []
    assert await _claim(store, at=NOW + timedelta(seconds=30)) == ["siti-1"]


async def test_a_reply_waiting_for_a_retry_holds_back_the_persons_announcement(store: Store) -> None:
    siti = await _contact(store, "siti")
    await _queue(store, siti, "reply", priority=0)
    await _claim(store)
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "reply"))).scalar_one()
        await outbox.schedule_retry(session, row.id, NOW + timedelta(seconds=30), "500", NOW)
    await _queue(store, siti, "announcement", priority=2, kind="broadcast")
    assert await _claim(store) == []
    assert await _claim(store, at=NOW + timedelta(seconds=30)) == ["reply"]


async def test_announcements_to_someone_who_said_berhenti_are_skipped_not_sent(store: Store) -> None:
    broadcast = await _broadcast(store)
    quiet = [await _contact(store, f"quiet-{n}") for n in range(15)]
    keen = await _contact(store, "keen")
    for n, person in enumerate(quiet):
        await _queue(store, person, f"to-quiet-{n}", priority=2, kind="broadcast", broadcast_id=broadcast)
    await _queue(store, keen, "to-keen", priority=2, kind="broadcast", broadcast_id=broadcast)
    await _queue(store, quiet[0], "status change", priority=1, kind="notification")
    async with store.transaction() as session:  # BERHENTI after the broadcast was queued
        for person in quiet:
            contact = await session.get(Contact, person)
            assert contact is not None
            contact.opted_out = True
    # The status change still goes (BERHENTI is about announcements); past 15 skipped rows, more than
    # one batch of 10, the claim still finds the one to send.
    assert await _claim(store, limit=10) == ["status change"]
    await _finish(store, "status change")
    assert await _claim(store, limit=10) == ["to-keen"]
    skipped = await _row(store, "to-quiet-0")
    assert (skipped.status, skipped.last_error, skipped.attempts) == ("skipped", outbox.OPTED_OUT, 0)
    async with store.transaction() as session:
        statuses = await session.execute(select(OutboxMessage.status).where(OutboxMessage.body.like("to-quiet-%")))
        assert set(statuses.scalars()) == {"skipped"}


async def test_an_announcement_without_a_broadcast_row_is_also_skipped_when_opted_out(store: Store) -> None:
    quiet = await _contact(store, "quiet")
    await _queue(store, quiet, "announcement", priority=2, kind="broadcast")
    async with store.transaction() as session:
        contact = await session.get(Contact, quiet)
        assert contact is not None
        contact.opted_out = True
    assert await _claim(store) == []
    assert (await _row(store, "announcement")).status == "skipped"


async def test_an_unreachable_persons_waiting_messages_fail_at_once(store: Store) -> None:
    siti = await _contact(store, "siti")
    await _queue(store, siti, "reply", priority=0)
    await _queue(store, siti, "later", priority=1, kind="notification")
    async with store.transaction() as session:
        row = (await session.execute(select(OutboxMessage).where(OutboxMessage.body == "reply"))).scalar_one()
    await _claim(store)
    async with store.transaction() as session:
        await outbox.mark_failed(session, row.id, "unreachable: 403", NOW)
        await outbox.mark_recipient_unreachable(session, row.id, "403 Forbidden", NOW)
    later = await _row(store, "later")
    assert (later.status, later.last_error) == ("failed", outbox.UNREACHABLE_NOT_SENT)
    await _queue(store, siti, "queued after", priority=2, kind="broadcast")
    assert await _claim(store) == []
    assert (await _row(store, "queued after")).status == "failed"


async def test_an_expired_lease_is_claimed_again_before_new_messages(store: Store) -> None:
    first, second = await _contact(store, "a"), await _contact(store, "b")
    await _queue(store, first, "broadcast", priority=2, kind="broadcast")
    assert await _claim(store) == ["broadcast"]
    await _queue(store, second, "reply", priority=0)
    assert await _claim(store, limit=1, at=NOW + LEASE * 2) == ["broadcast"]  # the crash's leftovers first
    assert await _claim(store, at=NOW + LEASE * 2) == ["reply"]
