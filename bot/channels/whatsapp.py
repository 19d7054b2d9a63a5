"""WhatsApp joined to the inbound pipeline.

Every webhook payload goes through `handle_payload`: parsed by the edge, each message stored and
answered by the pipeline (the wamid is the inbox's message id, so a payload Meta delivers again is a
no-op), each delivery status recorded on its outbox row — and only then does the webhook answer 200.
Anything that fails makes it answer 500, and Meta delivers the payload again later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.routing import BaseRoute

from bot.clock import Clock
from bot.inbound.pipeline import InboundHandler
from bot.outbound.shared_pacing import SharedSlots
from bot.settings import Settings
from db.connection import Store
from db.repositories import contacts, outbox
from handlers.whatsapp import (
    CHANNEL,
    GraphClient,
    ParsedPayload,
    Template,
    Throttle,
    WhatsAppSender,
    parse_payload,
    webhook_routes,
)
from handlers.whatsapp.sender import UNDELIVERABLE_CODE

__all__ = ["OVERALL_BURST", "WhatsAppChannel"]

log = logging.getLogger(__name__)

# Sends spaced evenly (no burst of a second's worth after a quiet spell, which would put twice the
# number's rate into one second); a reply still leaves at once when the bot is quiet.
OVERALL_BURST = 1


class WhatsAppChannel:
    name = CHANNEL

    def __init__(
        self,
        client: GraphClient,
        pipeline: InboundHandler,
        store: Store,
        *,
        clock: Clock,
        throttle: Throttle,
        backoff: Callable[[int], float],
        app_secret: str,
        verify_token: str,
        template: Template | None = None,
    ) -> None:
        self.client = client
        self.pipeline = pipeline
        self.store = store
        self.clock = clock
        self.sender = WhatsAppSender(client, throttle, backoff, clock, template)
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.slots: SharedSlots | None = None  # the shared limit the throttle reserves from, if any

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        pipeline: InboundHandler,
        store: Store,
        *,
        clock: Clock,
        backoff: Callable[[int], float],
    ) -> WhatsAppChannel:
        """With a PostgreSQL store the number's limit is shared by every worker on it (`SharedSlots`);
        on SQLite (one process) it is kept in memory."""
        per_second = settings.whatsapp_messages_per_second
        slots = None if store.is_sqlite else SharedSlots(store)
        key = f"whatsapp:{settings.whatsapp_phone_number_id}"
        template = None
        if settings.whatsapp_template_name:
            template = Template(settings.whatsapp_template_name, settings.whatsapp_template_language or "id")
        channel = cls(
            GraphClient(settings.whatsapp_token, settings.whatsapp_phone_number_id, settings.whatsapp_api_base),
            pipeline,
            store,
            clock=clock,
            throttle=Throttle(per_second, burst=OVERALL_BURST, slots=slots, key=key),
            backoff=backoff,
            app_secret=settings.whatsapp_app_secret,
            verify_token=settings.whatsapp_verify_token,
            template=template,
        )
        channel.slots = slots
        return channel

    # ---- start and stop ----------------------------------------------------------------------

    async def start(self) -> None:
        """Nothing to set up with Meta from here: the webhook URL is registered in the Meta app."""
        template = self.sender.template
        log.info(
            "whatsapp: phone number id %s via %s; outside the 24-hour window: %s",
            self.client.phone_number_id,
            self.client.api_base,
            f"template {template.name} ({template.language})" if template else "no template (such messages fail)",
        )

    def routes(self) -> Sequence[BaseRoute]:
        return webhook_routes(self.app_secret, self.verify_token, self.handle_payload)

    async def run(self, stopping: asyncio.Event) -> None:
        """The webhook receives; nothing else to do until `stopping`."""
        await stopping.wait()

    async def close(self) -> None:
        if self.slots is not None:
            await self.slots.aclose()
        await self.client.aclose()

    # ---- receiving ---------------------------------------------------------------------------

    async def handle_payload(self, payload: Mapping[str, Any]) -> None:
        """Store every message and status in one webhook payload; raises when one could not be stored."""
        parsed = parse_payload(payload, phone_number_id=self.client.phone_number_id, received_at=self.clock())
        for reason in parsed.ignored:
            log.debug("whatsapp: skipped %s", reason)
        # Handed over together and in order: one group commit, each person's messages in the order sent.
        handled = await asyncio.gather(
            *(self.pipeline.handle(m.inbound) for m in parsed.messages), return_exceptions=True
        )
        for outcome in handled:
            if isinstance(outcome, BaseException):
                raise outcome  # not stored: the 500 makes Meta deliver the payload again
        await self._remember_business_user_ids(parsed)
        await self._record_statuses(parsed)

    async def _remember_business_user_ids(self, parsed: ParsedPayload) -> None:
        found = {m.inbound.sender_id: m.business_user_id for m in parsed.messages if m.business_user_id}
        if not found:
            return
        async with self.store.transaction() as session:
            for wa_id, business_user_id in found.items():
                await contacts.set_business_user_id(session, CHANNEL, wa_id, business_user_id)

    async def _record_statuses(self, parsed: ParsedPayload) -> None:
        if not parsed.statuses:
            return
        now = self.clock()
        async with self.store.transaction() as session:
            for status in parsed.statuses:
                changed = await outbox.record_delivery_status(
                    session, CHANNEL, status.provider_message_id, status=status.status, error=status.error, now=now
                )
                if changed is not None and status.error_code == UNDELIVERABLE_CODE:  # Meta often says so later
                    await outbox.mark_recipient_unreachable(session, changed, status.error or "undeliverable", now)
