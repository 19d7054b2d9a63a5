"""Outbound work: the outbox worker that delivers, the broadcast runner, reminders."""
